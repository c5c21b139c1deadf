import { hash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../lib/errors.ts';
import { canonicalEntryText, decodeEntry, type LedgerEntry } from './entry.ts';

/**
 * Blinded entries: what the public log holds of an event is its type, its time, the node, and
 * salted commitments — one to the event's canonical details, one to each subject it names:
 *
 *   commitment   = SHA-256(salt ‖ details)              details: the entry's RFC 8785 bytes
 *   subjects[j]  = SHA-256(salt ‖ 0x01 ‖ j ‖ subject_j)  j: the subject's position, one byte
 *
 * The salt is 256 fresh random bits per entry, so no guess (a known file's hash, a case reference,
 * an e-mail address) can be confirmed against the log, and two entries about the same thing cannot
 * be linked. The details and salt stay in the database, readable by those who may read the subject;
 * a disclosure (details + salt) lets anyone recompute commitment → leaf → checkpoint offline.
 * Deleting the details and salt (crypto-shredding) leaves a leaf that nothing can be linked to.
 */
export const BlindedLeaf = z
  .object({
    type: z.string().regex(/^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/),
    at: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/),
    node: z.string().min(1).max(200),
    commitment: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    subjects: z
      .array(z.string().regex(/^sha256:[0-9a-f]{64}$/))
      .min(1)
      .max(50),
  })
  .strict();
export type BlindedLeaf = z.infer<typeof BlindedLeaf>;

/** The salt and details that open a blinded leaf: what an authorised reader is given. */
export interface Disclosure {
  salt: Buffer;
  details: LedgerEntry;
}

export const SALT_BYTES = 32;
// Hex output straight from the one-shot hash: three times cheaper than a Buffer turned into hex.
const tagged = (data: Uint8Array): string => `sha256:${hash('sha256', data, 'hex')}`;

/** SHA-256(salt ‖ 0x01 ‖ j ‖ subject): the commitment to the subject at position j (0 to 49). */
export function subjectCommitment(salt: Uint8Array, position: number, subject: string): string {
  const input = Buffer.allocUnsafe(SALT_BYTES + 2 + Buffer.byteLength(subject, 'utf8'));
  input.set(salt, 0);
  input[SALT_BYTES] = 0x01;
  input[SALT_BYTES + 1] = position;
  input.write(subject, SALT_BYTES + 2, 'utf8');
  return tagged(input);
}

/** Fresh salts for `count` entries, drawn at once (one call to the CSPRNG per batch). */
export function freshSalts(count: number): Buffer[] {
  const pool = randomBytes(SALT_BYTES * count);
  return Array.from({ length: count }, (_, i) => pool.subarray(i * SALT_BYTES, (i + 1) * SALT_BYTES));
}

/** The public leaf of an entry, and the canonical details it commits to. */
export function blind(
  entry: LedgerEntry,
  node: string,
  salt: Uint8Array,
): { leaf: Buffer; leafInput: Buffer; details: Buffer; leafText: string; detailsText: string } {
  if (salt.length !== SALT_BYTES) throw new Error(`a salt is ${SALT_BYTES} bytes`);
  // salt ‖ details in one buffer, whose tail is the details: no copy to hash them.
  const text = canonicalEntryText(entry);
  const salted = Buffer.allocUnsafe(SALT_BYTES + Buffer.byteLength(text, 'utf8'));
  salted.set(salt, 0);
  salted.write(text, SALT_BYTES, 'utf8');
  const subjects = entry.subjects.map((s, j) => subjectCommitment(salt, j, s));
  // RFC 8785 member order (at, commitment, node, subjects, type), written directly: this is the hot path.
  const leafText = `\u0000{"at":${JSON.stringify(entry.at)},"commitment":"${tagged(salted)}","node":${JSON.stringify(node)},"subjects":${JSON.stringify(subjects)},"type":${JSON.stringify(entry.type)}}`;
  // 0x00 ‖ leaf in one buffer: the RFC 9162 leaf-hash input, whose tail is the leaf.
  const leafInput = Buffer.from(leafText, 'utf8');
  // The texts too: the store writes them as text, and decoding the buffers again would cost as much.
  return { leaf: leafInput.subarray(1), leafInput, details: salted.subarray(SALT_BYTES), leafText: leafText.slice(1), detailsText: text };
}

const TYPE = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/;
const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const COMMITMENT = /^sha256:[0-9a-f]{64}$/;

/** The schema's rules by hand: an audit reads every leaf, and a schema parse costs more than hashing it. */
function fastLeaf(value: unknown): BlindedLeaf | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { type, at, node, commitment, subjects, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return undefined;
  if (typeof type !== 'string' || !TYPE.test(type) || typeof at !== 'string' || !AT.test(at)) return undefined;
  if (typeof node !== 'string' || node.length < 1 || node.length > 200 || typeof commitment !== 'string' || !COMMITMENT.test(commitment)) return undefined;
  if (!Array.isArray(subjects) || subjects.length < 1 || subjects.length > 50) return undefined;
  for (const s of subjects) if (typeof s !== 'string' || !COMMITMENT.test(s)) return undefined;
  return { type, at, node, commitment, subjects: subjects as string[] };
}

/** Reads a blinded leaf, refusing anything but its exact canonical form. */
export function decodeBlindedLeaf(bytes: Uint8Array): BlindedLeaf {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new AppError('ledger.entry_malformed', { message: `entry is not JSON: ${(err as Error).message}` });
  }
  const leaf = fastLeaf(parsed) ?? BlindedLeaf.safeParse(parsed).data;
  if (!leaf) throw new AppError('ledger.entry_malformed', { message: 'entry is not a blinded ledger entry' });
  const canonical = `{"at":${JSON.stringify(leaf.at)},"commitment":"${leaf.commitment}","node":${JSON.stringify(leaf.node)},"subjects":${JSON.stringify(leaf.subjects)},"type":${JSON.stringify(leaf.type)}}`;
  if (canonical !== Buffer.from(bytes).toString('utf8'))
    throw new AppError('ledger.entry_not_canonical', { message: 'entry bytes are not canonical JSON (RFC 8785)' });
  return leaf;
}

/** What a leaf is: blinded (the public form), or the full entry as logs wrote it before blinding. */
export type Leaf = { kind: 'blinded'; leaf: BlindedLeaf } | { kind: 'legacy'; entry: LedgerEntry };

export function decodeLeaf(bytes: Uint8Array): Leaf {
  // A legacy entry's canonical form opens with its actor; a blinded leaf never names one.
  const legacy = Buffer.from(bytes).subarray(0, 9).toString('latin1') === '{"actor":';
  return legacy ? { kind: 'legacy', entry: decodeEntry(bytes) } : { kind: 'blinded', leaf: decodeBlindedLeaf(bytes) };
}

/**
 * Checks that a disclosure opens a leaf: the details are canonical, their commitment and every
 * subject commitment recompute, and the type and time agree. Returns the details.
 */
export function openLeaf(leafBytes: Uint8Array, disclosure: { salt: Uint8Array; details: Uint8Array }, decoded?: BlindedLeaf): LedgerEntry {
  const leaf = decoded ?? decodeBlindedLeaf(leafBytes);
  const details = decodeEntry(disclosure.details);
  const refuse = (message: string) => {
    throw new AppError('ledger.disclosure_mismatch', { message });
  };
  if (disclosure.salt.length !== SALT_BYTES) refuse(`the salt is ${disclosure.salt.length} bytes, not ${SALT_BYTES}`);
  if (tagged(Buffer.concat([disclosure.salt, disclosure.details])) !== leaf.commitment) refuse('SHA-256(salt ‖ details) is not the commitment in the entry');
  if (details.subjects.length !== leaf.subjects.length) refuse('the details name a different number of subjects than the entry commits to');
  details.subjects.forEach((s, j) => {
    if (subjectCommitment(disclosure.salt, j, s) !== leaf.subjects[j]) refuse(`subject ${j + 1} does not match its commitment in the entry`);
  });
  if (details.type !== leaf.type || details.at !== leaf.at) refuse('the details give another type or time than the entry');
  return details;
}
