// c2sp.org/tlog-proof@v1: an offline-verifiable proof of inclusion (index, inclusion hashes and the
// (co)signed checkpoint), plus its verification against a log key and witness keys.
import { Buffer } from 'node:buffer';
import { parseCheckpoint } from './checkpoint.ts';
import { HASH_SIZE, leafHash as hashLeaf, TlogError, verifyInclusion } from './merkle.ts';
import { decodeBase64Strict, lineReader, openNote, parseDecimal, parseVerifierKey, SIG_TYPE_COSIGNATURE_V1, SIG_TYPE_ED25519 } from './note.ts';

export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';
/** An inclusion proof in a tree of at most 2^63 leaves has at most 63 hashes. */
export const MAX_INCLUSION_PROOF_LINES = 63;

export interface TlogProof {
  extra?: Buffer;
  index: number;
  proof: Buffer[];
  /** The signed checkpoint note, verbatim. */
  checkpointNote: string;
}

function malformed(message: string): TlogError {
  return new TlogError('tlog.proof_malformed', message);
}

function check(p: { extra?: Uint8Array; index: number; proof: Uint8Array[]; checkpointNote: string }): void {
  if (p.extra !== undefined && (!(p.extra instanceof Uint8Array) || p.extra.length === 0)) throw malformed('extra data must be non-empty when present');
  if (!Number.isSafeInteger(p.index) || p.index < 0) throw malformed(`invalid index ${p.index}`);
  if (p.proof.length > MAX_INCLUSION_PROOF_LINES) throw malformed('too many proof hashes');
  for (const h of p.proof) if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) throw malformed('proof hashes must be 32 bytes');
  const cp = p.checkpointNote;
  if (typeof cp !== 'string' || cp.length === 0 || cp.startsWith('\n') || !cp.endsWith('\n'))
    throw malformed('the checkpoint must be a non-empty note ending in a newline');
}

export function formatTlogProof(p: { extra?: Uint8Array; index: number; proof: Uint8Array[]; checkpointNote: string }): string {
  check(p);
  const lines = [TLOG_PROOF_HEADER];
  if (p.extra !== undefined) lines.push(`extra ${Buffer.from(p.extra).toString('base64')}`);
  lines.push(`index ${p.index}`);
  for (const h of p.proof) lines.push(Buffer.from(h).toString('base64'));
  return `${lines.join('\n')}\n\n${p.checkpointNote}`;
}

/** Strict parser. Throws `tlog.proof_malformed`. The checkpoint note is returned verbatim, unverified. */
export function parseTlogProof(text: string): TlogProof {
  if (typeof text !== 'string') throw malformed('proof must be text');
  const lines = lineReader(text, malformed);
  const nextLine = lines.next;
  if (nextLine() !== TLOG_PROOF_HEADER) throw malformed(`the first line must be ${TLOG_PROOF_HEADER}`);
  let line = nextLine();
  let extra: Buffer | undefined;
  if (line.startsWith('extra ')) {
    const e = decodeBase64Strict(line.slice(6));
    if (!e || e.length === 0) throw malformed('extra data is not base64');
    extra = e;
    line = nextLine();
  }
  if (!line.startsWith('index ')) throw malformed('missing index line');
  const index = parseDecimal(line.slice(6));
  if (index === null) throw malformed('invalid index');
  const proof: Buffer[] = [];
  for (;;) {
    line = nextLine();
    if (line === '') break;
    if (proof.length === MAX_INCLUSION_PROOF_LINES) throw malformed('too many proof hashes');
    const h = decodeBase64Strict(line);
    if (!h || h.length !== HASH_SIZE) throw malformed('each proof line must be the base64 of a 32-byte hash');
    proof.push(h);
  }
  const checkpointNote = lines.rest();
  const out: TlogProof = { index, proof, checkpointNote };
  if (extra) out.extra = extra;
  check(out);
  return out;
}

export interface VerifiedTlogProof {
  index: number;
  size: number;
  origin: string;
  root: Buffer;
  /** Names of the given witnesses whose cosignature verified (each once). */
  cosigners: string[];
  cosignatures: Array<{ name: string; timestamp: number }>;
  extra?: Buffer;
}

/**
 * Verifies a tlog-proof: the checkpoint must carry a valid signature of `logVkey` (type 0x01), the
 * entry (or its leaf hash) must be included at `index` under the checkpoint root, and cosignatures
 * from `witnessVkeys` (type 0x04) are verified and reported; an invalid signature from any given key
 * rejects the proof. `options.origin` additionally pins the checkpoint origin. Policy (how many
 * cosigners are needed) is the caller's.
 */
export function verifyTlogProof(
  text: string,
  item: { entry?: Uint8Array; leafHash?: Uint8Array },
  logVkey: string,
  witnessVkeys: string[] = [],
  options: { origin?: string } = {},
): VerifiedTlogProof {
  const p = parseTlogProof(text);
  const logKey = parseVerifierKey(logVkey);
  if (logKey.type !== SIG_TYPE_ED25519) throw new TlogError('tlog.bad_key', 'log verifier key must be Ed25519 (type 0x01)');
  for (const w of witnessVkeys) {
    if (parseVerifierKey(w).type !== SIG_TYPE_COSIGNATURE_V1) throw new TlogError('tlog.bad_key', 'witness verifier keys must have type 0x04');
  }
  const opened = openNote(p.checkpointNote, [logVkey, ...witnessVkeys]);
  const logSigned = opened.signatures.some((s) => s.verified && s.type === SIG_TYPE_ED25519 && s.name === logKey.name && s.keyId.equals(logKey.keyId));
  if (!logSigned) throw new TlogError('tlog.no_verified_signature', 'checkpoint is not signed by the log key');
  const cp = parseCheckpoint(opened.text);
  if (options.origin !== undefined && cp.origin !== options.origin)
    throw new TlogError('tlog.origin_mismatch', `checkpoint origin ${JSON.stringify(cp.origin)}`);
  let lh: Uint8Array;
  if (item.leafHash !== undefined) lh = item.leafHash;
  else if (item.entry !== undefined) lh = hashLeaf(item.entry);
  else throw new TlogError('tlog.invalid_range', 'give the entry or its leaf hash');
  if (item.entry !== undefined && item.leafHash !== undefined && !hashLeaf(item.entry).equals(Buffer.from(item.leafHash))) {
    throw new TlogError('tlog.proof_invalid', 'entry and leaf hash disagree');
  }
  verifyInclusion(lh, p.index, cp.size, p.proof, cp.root);
  const cosignatures: Array<{ name: string; timestamp: number }> = [];
  const cosigners: string[] = [];
  for (const s of opened.signatures) {
    if (!s.verified || s.type !== SIG_TYPE_COSIGNATURE_V1) continue;
    cosignatures.push({ name: s.name, timestamp: s.timestamp! });
    if (!cosigners.includes(s.name)) cosigners.push(s.name);
  }
  const out: VerifiedTlogProof = { index: p.index, size: cp.size, origin: cp.origin, root: cp.root, cosigners, cosignatures };
  if (p.extra) out.extra = p.extra;
  return out;
}
