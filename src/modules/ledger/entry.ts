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

/** Canonical bytes of a validated entry. */
export function encodeEntry(entry: LedgerEntry): Buffer {
  return Buffer.from(canonicalJson(entry), 'utf8');
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
  const result = LedgerEntry.safeParse(parsed);
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
