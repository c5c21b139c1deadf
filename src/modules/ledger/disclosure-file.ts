import { z } from 'zod';
import { canonicalJson } from '../../lib/canonical-json.ts';
import { AppError } from '../../lib/errors.ts';
import { openLeaf, SALT_BYTES } from './blinding.ts';
import { encodeEntry, type LedgerEntry, parseEntry } from './entry.ts';

/**
 * A disclosure as a file: the details and salt that open one blinded leaf, so that anyone holding
 * it, the leaf's proof bundle and the log's key can recompute commitment → leaf → checkpoint
 * offline. Evidence export packages carry one per custody event (`custody/disclosures/<index>.json`)
 * and the HTTP API serves the same bytes to those who may read the entry. Canonical JSON (RFC 8785)
 * and a newline:
 *
 *   {"details":{…the ledger entry…},"format":"custodia.ledger-disclosure/v1","index":n,"salt":"<base64, 32 bytes>"}
 *
 * Reading one is lenient about layout (whitespace, member order): what is proven is the canonical
 * form of the details, which is what the commitment covers.
 */
export const DISCLOSURE_FORMAT = 'custodia.ledger-disclosure/v1';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const DisclosureFileSchema = z
  .object({
    format: z.literal(DISCLOSURE_FORMAT),
    index: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    salt: z.string().regex(BASE64, `expected the base64 of ${SALT_BYTES} bytes`),
    details: z.record(z.string(), z.unknown()),
  })
  .strict();

export interface DisclosureFile {
  index: number;
  salt: Buffer;
  details: LedgerEntry;
  /** The canonical bytes of the details: what the leaf's commitment covers. */
  detailsBytes: Buffer;
}

export function encodeDisclosureFile(d: { index: number; salt: Uint8Array; details: LedgerEntry }): string {
  if (d.salt.length !== SALT_BYTES) throw new Error(`a salt is ${SALT_BYTES} bytes`);
  return `${canonicalJson({ format: DISCLOSURE_FORMAT, index: d.index, salt: Buffer.from(d.salt).toString('base64'), details: d.details })}\n`;
}

function malformed(message: string, fields: Array<{ path: string; message: string }> = []): AppError {
  return new AppError('ledger.entry_malformed', {
    message: `not a ${DISCLOSURE_FORMAT} file: ${message}`,
    fields: fields.map((f) => ({ path: f.path, code: 'ledger.entry_malformed', message: f.message })),
  });
}

/** Reads a disclosure file; throws ledger.entry_malformed when it is not one (or its details are not a valid entry). */
export function parseDisclosureFile(text: string): DisclosureFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw malformed(`not JSON: ${(err as Error).message}`);
  }
  const file = DisclosureFileSchema.safeParse(raw);
  if (!file.success) {
    const fields = file.error.issues.map((i) => ({ path: i.path.join('.') || 'file', message: i.message }));
    throw malformed(fields.map((f) => `${f.path}: ${f.message}`).join('; '), fields);
  }
  const salt = Buffer.from(file.data.salt, 'base64');
  if (salt.length !== SALT_BYTES || salt.toString('base64') !== file.data.salt) throw malformed(`salt: expected the base64 of ${SALT_BYTES} bytes`);
  const details = parseEntry(file.data.details);
  if (!details.success) {
    const fields = details.error.issues.map((i) => ({ path: `details.${i.path.join('.')}`, message: i.message }));
    throw malformed(fields.map((f) => `${f.path}: ${f.message}`).join('; '), fields);
  }
  return { index: file.data.index, salt, details: details.data, detailsBytes: encodeEntry(details.data) };
}

/**
 * Opens the blinded leaf of entry `index` with a disclosure file: the file is for that entry, and
 * its salt and details recompute the leaf's commitments (openLeaf). Returns the proven details.
 * Throws ledger.entry_malformed for a file that is not a disclosure, ledger.disclosure_mismatch for
 * one that does not open the leaf.
 */
export function openDisclosureFile(leafBytes: Uint8Array, index: number, text: string): LedgerEntry {
  const file = parseDisclosureFile(text);
  if (file.index !== index)
    throw new AppError('ledger.disclosure_mismatch', { message: `the disclosure is for ledger entry ${file.index}, not entry ${index}` });
  return openLeaf(leafBytes, { salt: file.salt, details: file.detailsBytes });
}
