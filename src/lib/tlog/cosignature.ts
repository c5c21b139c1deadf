// C2SP tlog-cosignature, Ed25519 cosignature/v1 (signature type 0x04): timestamped witness signatures
// over a checkpoint body.
import { Buffer } from 'node:buffer';
import { parseCheckpoint } from './checkpoint.ts';
import { TlogError } from './merkle.ts';
import {
  cosignatureMessage,
  formatSignatureLine,
  keyId,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  SIG_TYPE_COSIGNATURE_V1,
  SIG_TYPE_ED25519,
  signWithSeed,
  splitTimestampedSignature,
  verifyEd25519,
} from './note.ts';

export { cosignatureMessage, generateCosignerKey } from './note.ts';

/** Largest timestamp we accept (the spec allows up to 2^63-1; JS numbers stop at 2^53-1). */
export const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER;

/**
 * Cosigns a checkpoint body at `timestamp` (POSIX seconds) and returns the signature LINE
 * `— <name> <base64(key id ‖ u64 BE timestamp ‖ sig)>\n`. The witness key may be a type 0x04 key
 * (generateCosignerKey) or an Ed25519 type 0x01 signer key; the key id always uses type 0x04.
 */
export function cosign(checkpointBody: string, timestamp: number, witness: { skey: string }): string {
  parseCheckpoint(checkpointBody);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new TlogError('tlog.invalid_range', `invalid timestamp ${timestamp}`);
  const k = parseSignerKey(witness.skey);
  if (k.type !== SIG_TYPE_COSIGNATURE_V1 && k.type !== SIG_TYPE_ED25519) throw new TlogError('tlog.bad_key', 'cosigner key must be Ed25519');
  const id = keyId(k.name, SIG_TYPE_COSIGNATURE_V1, k.publicKey);
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(timestamp));
  const sig = signWithSeed(k, cosignatureMessage(checkpointBody, timestamp));
  return formatSignatureLine(k.name, id, Buffer.concat([ts, sig]));
}

/** Timestamp carried by a cosignature line (unverified). Throws `tlog.note_malformed`. */
export function cosignatureTimestamp(line: string): number {
  const sig = parseLine(line);
  const ts = splitTimestampedSignature(sig.signature);
  if (!ts) throw new TlogError('tlog.note_malformed', 'not a cosignature/v1 signature');
  return ts.timestamp;
}

function parseLine(line: string): { name: string; keyId: Buffer; signature: Buffer } {
  if (typeof line !== 'string' || !line.endsWith('\n') || line.indexOf('\n') !== line.length - 1) {
    throw new TlogError('tlog.note_malformed', 'a cosignature is one signature line ending in a newline');
  }
  // Reuse the note parser on a dummy note so the line follows exactly the same rules.
  const parsed = parseNote(`x\n\n${line}`);
  return parsed.signatures[0]!;
}

/**
 * Verifies a cosignature line over `checkpointBody` with the witness's type 0x04 verifier key.
 * Throws `tlog.bad_key`, `tlog.note_malformed`, `tlog.no_verified_signature` (the line is from another
 * key) or `tlog.signature_invalid`.
 */
export function verifyCosignature(checkpointBody: string, line: string, witnessVkey: string): { timestamp: number } {
  parseCheckpoint(checkpointBody);
  const key = parseVerifierKey(witnessVkey);
  if (key.type !== SIG_TYPE_COSIGNATURE_V1) throw new TlogError('tlog.bad_key', 'witness verifier key must have type 0x04');
  const sig = parseLine(line);
  if (sig.name !== key.name || !sig.keyId.equals(key.keyId)) throw new TlogError('tlog.no_verified_signature', 'cosignature is not from this witness key');
  const ts = splitTimestampedSignature(sig.signature);
  if (!ts) throw new TlogError('tlog.signature_invalid', 'malformed cosignature/v1 signature');
  if (!verifyEd25519(key.publicKey, cosignatureMessage(checkpointBody, ts.timestamp), ts.signature)) {
    throw new TlogError('tlog.signature_invalid', 'cosignature does not verify');
  }
  return { timestamp: ts.timestamp };
}
