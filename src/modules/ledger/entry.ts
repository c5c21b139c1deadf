import { z } from 'zod';
import { canonicalJson } from '../../lib/canonical-json.ts';
import { AppError } from '../../lib/errors.ts';

/**
 * A custody or lifecycle event as recorded in the log. Serialised as canonical JSON (RFC 8785) so
 * that the same event always has the same bytes, and so the same leaf hash.
 */
export const LedgerEntry = z
  .object({
    /** What happened, `module.event`, e.g. `kb.import`, `evidence.acquired`. */
    type: z.string().regex(/^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/, 'expected module.event'),
    /** Ids of what the event is about (a case, an exhibit, a knowledge-base version…). */
    subjects: z.array(z.string().min(1).max(200)).min(1).max(50),
    actor: z.string().min(1).max(200),
    /** When it happened, ISO 8601 with the offset of the node's time zone. */
    at: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/, 'expected an ISO 8601 instant with offset'),
    /** Hashes of what the event refers to, `sha256:<hex>`. */
    hashes: z.record(z.string().regex(/^[a-z0-9_-]{1,40}$/), z.string().regex(/^sha256:[0-9a-f]{64}$/)).default({}),
    /** Earlier entries this one refers to, by index. */
    refs: z.array(z.number().int().min(0)).max(50).default([]),
    data: z.record(z.string().max(60), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()])).default({}),
  })
  .strict();
export type LedgerEntry = z.infer<typeof LedgerEntry>;
/** What callers give: the ledger stamps `at` with the current time when they do not. */
export type LedgerEntryInput = Omit<z.input<typeof LedgerEntry>, 'at'> & { at?: string };

const TYPE = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/;
const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const HASH_NAME = /^[a-z0-9_-]{1,40}$/;
const HASH_VALUE = /^sha256:[0-9a-f]{64}$/;

/**
 * The same rules as the schema, checked by hand: appends are the hot path and a schema parse per
 * entry costs more than hashing it. Anything this rejects goes through the schema for the errors.
 */
function fastEntry(input: Record<string, unknown>): LedgerEntry | undefined {
  const { type, subjects, actor, at, hashes = {}, refs = [], data = {} } = input;
  for (const key in input) if (!['type', 'subjects', 'actor', 'at', 'hashes', 'refs', 'data'].includes(key)) return undefined;
  if (typeof type !== 'string' || !TYPE.test(type)) return undefined;
  if (!Array.isArray(subjects) || subjects.length < 1 || subjects.length > 50) return undefined;
  for (const s of subjects) if (typeof s !== 'string' || s.length < 1 || s.length > 200) return undefined;
  if (typeof actor !== 'string' || actor.length < 1 || actor.length > 200) return undefined;
  if (typeof at !== 'string' || !AT.test(at)) return undefined;
  if (typeof hashes !== 'object' || hashes === null || Array.isArray(hashes)) return undefined;
  for (const [k, v] of Object.entries(hashes)) if (!HASH_NAME.test(k) || typeof v !== 'string' || !HASH_VALUE.test(v)) return undefined;
  if (!Array.isArray(refs) || refs.length > 50) return undefined;
  for (const r of refs) if (!Number.isSafeInteger(r) || r < 0) return undefined;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  for (const [k, v] of Object.entries(data)) {
    if (k.length > 60) return undefined;
    if (!(v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 2000)))
      return undefined;
  }
  return { type, subjects, actor, at, hashes, refs, data } as LedgerEntry;
}

/** Validates an entry: the fast check, or the schema's precise issues when it fails. */
export function parseEntry(input: Record<string, unknown>): { success: true; data: LedgerEntry } | { success: false; error: z.ZodError } {
  const fast = fastEntry(input);
  if (fast) return { success: true, data: fast };
  const result = LedgerEntry.safeParse(input);
  return result.success ? { success: true, data: result.data } : { success: false, error: result.error };
}

/** Canonical bytes of a validated entry. */
export function encodeEntry(entry: LedgerEntry): Buffer {
  return encodeLeafInput(entry).subarray(1);
}

/**
 * 0x00 ‖ canonical bytes in one buffer: the RFC 9162 leaf-hash input, whose tail is the entry.
 * The members are written in the RFC 8785 order of the entry's fixed keys (actor, at, data, hashes,
 * refs, subjects, type); the two open records go through the generic canonicaliser. A test checks
 * that this equals canonicalJson(entry) byte for byte.
 */
export function encodeLeafInput(entry: LedgerEntry): Buffer {
  return Buffer.from(`\u0000${canonicalEntryText(entry)}`, 'utf8');
}

/** The canonical JSON text of a validated entry, written directly (see encodeLeafInput). */
export function canonicalEntryText(entry: LedgerEntry): string {
  return `{"actor":${JSON.stringify(entry.actor)},"at":${JSON.stringify(entry.at)},"data":${canonicalJson(entry.data)},"hashes":${canonicalJson(entry.hashes)},"refs":${JSON.stringify(entry.refs)},"subjects":${JSON.stringify(entry.subjects)},"type":${JSON.stringify(entry.type)}}`;
}

/**
 * Reads entry bytes back, refusing anything that is not exactly the canonical form of a valid
 * entry: a proof about bytes that could be written two ways would prove nothing.
 */
export function decodeEntry(bytes: Uint8Array): LedgerEntry {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new AppError('ledger.entry_malformed', {
      message: `entry is not JSON: ${(err as Error).message}`,
      fields: [{ path: 'entry', code: 'ledger.entry_malformed' }],
    });
  }
  // The hand-written check first (audits decode every entry); the schema only to name what is wrong.
  const fast = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? fastEntry(parsed as Record<string, unknown>) : undefined;
  const result = fast ? { success: true as const, data: fast } : LedgerEntry.safeParse(parsed);
  if (!result.success) {
    throw new AppError('ledger.entry_malformed', {
      message: 'entry does not match the ledger entry schema',
      fields: result.error.issues.map((i) => ({ path: `entry.${i.path.join('.')}`, code: 'ledger.entry_malformed', message: i.message })),
    });
  }
  if (!encodeEntry(result.data).equals(Buffer.from(bytes))) {
    throw new AppError('ledger.entry_not_canonical', {
      message: 'entry bytes are not canonical JSON (RFC 8785)',
      fields: [{ path: 'entry', code: 'ledger.entry_not_canonical' }],
    });
  }
  return result.data;
}
