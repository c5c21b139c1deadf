// PLACEHOLDER until the pkg branch lands its version of this file (same interface).
import { canonicalJson } from '../../lib/canonical-json.ts';
import type { LedgerEntry } from './entry.ts';

export const DISCLOSURE_FORMAT = 'custodia.ledger-disclosure/v1';

export function encodeDisclosureFile(d: { index: number; salt: Uint8Array; details: LedgerEntry }): string {
  return `${canonicalJson({ format: DISCLOSURE_FORMAT, index: d.index, salt: Buffer.from(d.salt).toString('base64'), details: d.details })}\n`;
}
