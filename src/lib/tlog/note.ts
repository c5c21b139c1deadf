// C2SP signed-note: Ed25519 signatures (type 0x01), timestamped Ed25519 cosignatures (type 0x04,
// c2sp.org/tlog-cosignature), verifier/signer key text forms, signing and strict opening of notes.
import { Buffer } from 'node:buffer';
import { createHash, createPrivateKey, createPublicKey, type KeyObject, randomBytes, sign } from 'node:crypto';
import { verifyEd25519 } from './ed25519.ts';
import { TlogError } from './merkle.ts';

export { verifyEd25519 } from './ed25519.ts';

export const SIG_TYPE_ED25519 = 0x01;
export const SIG_TYPE_COSIGNATURE_V1 = 0x04;
/** Most signature lines a note may carry (as golang.org/x/mod/sumdb/note). The spec requires at least 16. */
export const MAX_NOTE_SIGNATURES = 100;
/** Signature line prefix: em dash (U+2014) and a space. */
export const SIGNATURE_PREFIX = '\u2014 ';

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

// ---------------------------------------------------------------------------------------------
// Encoding helpers

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict standard base64 (RFC 4648 §4, padded, canonical trailing bits); null when invalid. */
export function decodeBase64Strict(s: string): Buffer | null {
  if (typeof s !== 'string' || !BASE64_RE.test(s)) return null;
  const b = Buffer.from(s, 'base64');
  return b.toString('base64') === s ? b : null;
}

/** A non-negative decimal without leading zeroes (`0` allowed), as a safe integer; null when invalid. */
export function parseDecimal(s: string): number | null {
  if (!/^(?:0|[1-9][0-9]*)$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * Reads `text` line by line (each line must end in \n); `rest()` is everything after the lines read.
 * `fail` builds the error thrown for an unterminated line, so each format keeps its own error code.
 */
export function lineReader(text: string, fail: (message: string) => Error): { next(): string; rest(): string } {
  let pos = 0;
  return {
    next(): string {
      const nl = text.indexOf('\n', pos);
      if (nl < 0) throw fail('unterminated line');
      const line = text.slice(pos, nl);
      pos = nl + 1;
      return line;
    },
    rest: () => text.slice(pos),
  };
}

/** Key names: non-empty, no Unicode spaces, no '+', no control characters, well-formed Unicode. */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    name.isWellFormed() &&
    !/[\p{White_Space}+]/u.test(name) &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
    !/[\u0000-\u001f]/.test(name)
  );
}

// ---------------------------------------------------------------------------------------------
// Ed25519

// A log signs a checkpoint after every batch: building the key object each time would dominate.
const PRIVATE_KEYS = new Map<string, KeyObject>();

function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  const id = Buffer.from(seed).toString('base64');
  let key = PRIVATE_KEYS.get(id);
  if (!key) {
    key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    if (PRIVATE_KEYS.size > 64) PRIVATE_KEYS.clear();
    PRIVATE_KEYS.set(id, key);
  }
  return key;
}

function publicKeyFromSeed(seed: Uint8Array): Buffer {
  const der = createPublicKey(privateKeyFromSeed(seed)).export({ format: 'der', type: 'spki' });
  return Buffer.from(der.subarray(der.length - 32));
}

function signEd25519(seed: Uint8Array, message: Uint8Array): Buffer {
  return sign(null, message, privateKeyFromSeed(seed));
}

// ---------------------------------------------------------------------------------------------
// Keys

/** Key ID: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ type ‖ public key). */
export function keyId(name: string, type: number, publicKey: Uint8Array): Buffer {
  return createHash('sha256')
    .update(Buffer.from(`${name}\n`, 'utf8'))
    .update(Buffer.from([type]))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
}

export interface VerifierKey {
  name: string;
  keyId: Buffer;
  type: number;
  publicKey: Buffer;
}

export interface SignerKey {
  name: string;
  keyId: Buffer;
  type: number;
  seed: Buffer;
  publicKey: Buffer;
}

const SUPPORTED_TYPES = new Set([SIG_TYPE_ED25519, SIG_TYPE_COSIGNATURE_V1]);

function badKey(message: string): TlogError {
  return new TlogError('tlog.bad_key', message);
}

function cut(s: string, sep: string): [string, string] | null {
  const i = s.indexOf(sep);
  return i < 0 ? null : [s.slice(0, i), s.slice(i + sep.length)];
}

function parseKeyBody(text: string, what: string): { name: string; id: Buffer; type: number; material: Buffer } {
  const a = cut(text, '+');
  const b = a && cut(a[1], '+');
  if (!a || !b) throw badKey(`${what}: expected <name>+<key id>+<key>`);
  const [name, hex, b64] = [a[0], b[0], b[1]];
  if (!isValidKeyName(name)) throw badKey(`${what}: invalid key name`);
  if (!/^[0-9a-f]{8}$/.test(hex)) throw badKey(`${what}: key id must be 8 lowercase hex digits`);
  const raw = decodeBase64Strict(b64);
  if (!raw || raw.length < 2) throw badKey(`${what}: key is not valid base64`);
  const type = raw[0]!;
  if (!SUPPORTED_TYPES.has(type)) throw badKey(`${what}: unsupported signature type 0x${type.toString(16).padStart(2, '0')}`);
  const material = raw.subarray(1);
  if (material.length !== 32) throw badKey(`${what}: Ed25519 key must be 32 bytes`);
  return { name, id: Buffer.from(hex, 'hex'), type, material: Buffer.from(material) };
}

/** Parses `<name>+<hex key id>+<base64(type ‖ public key)>` (types 0x01 and 0x04); the key id must match. */
export function parseVerifierKey(vkey: string): VerifierKey {
  if (typeof vkey !== 'string') throw badKey('verifier key must be a string');
  const { name, id, type, material } = parseKeyBody(vkey, 'verifier key');
  if (!keyId(name, type, material).equals(id)) throw badKey('verifier key: key id does not match');
  return { name, keyId: id, type, publicKey: material };
}

/** Parses `PRIVATE+KEY+<name>+<hex key id>+<base64(type ‖ 32-byte seed)>`; the key id must match the derived public key. */
export function parseSignerKey(skey: string): SignerKey {
  if (typeof skey !== 'string' || !skey.startsWith('PRIVATE+KEY+')) throw badKey('signer key must start with PRIVATE+KEY+');
  const { name, id, type, material } = parseKeyBody(skey.slice('PRIVATE+KEY+'.length), 'signer key');
  let publicKey: Buffer;
  try {
    publicKey = publicKeyFromSeed(material);
  } catch (cause) {
    throw new TlogError('tlog.bad_key', 'signer key: invalid seed', { cause });
  }
  if (!keyId(name, type, publicKey).equals(id)) throw badKey('signer key: key id does not match');
  return { name, keyId: id, type, seed: material, publicKey };
}

function formatKeys(name: string, type: number, seed: Buffer): { skey: string; vkey: string } {
  if (!isValidKeyName(name)) throw badKey(`invalid key name ${JSON.stringify(name)}`);
  const pub = publicKeyFromSeed(seed);
  const id = keyId(name, type, pub).toString('hex');
  const t = Buffer.from([type]);
  return {
    skey: `PRIVATE+KEY+${name}+${id}+${Buffer.concat([t, seed]).toString('base64')}`,
    vkey: `${name}+${id}+${Buffer.concat([t, pub]).toString('base64')}`,
  };
}

/** New Ed25519 note signer key (type 0x01). Pass `seed` only for deterministic tests. */
export function generateSignerKey(name: string, seed: Uint8Array = randomBytes(32)): { skey: string; vkey: string } {
  if (seed.length !== 32) throw badKey('seed must be 32 bytes');
  return formatKeys(name, SIG_TYPE_ED25519, Buffer.from(seed));
}

/** New Ed25519 cosigner (witness) key: type 0x04 in both text forms (c2sp.org/tlog-cosignature). */
export function generateCosignerKey(name: string, seed: Uint8Array = randomBytes(32)): { skey: string; vkey: string } {
  if (seed.length !== 32) throw badKey('seed must be 32 bytes');
  return formatKeys(name, SIG_TYPE_COSIGNATURE_V1, Buffer.from(seed));
}

/** The verifier key text of a signer key. */
export function verifierKeyOf(skey: string): string {
  const k = parseSignerKey(skey);
  return `${k.name}+${k.keyId.toString('hex')}+${Buffer.concat([Buffer.from([k.type]), k.publicKey]).toString('base64')}`;
}

// ---------------------------------------------------------------------------------------------
// Notes

function malformed(message: string): TlogError {
  return new TlogError('tlog.note_malformed', message);
}

/** Throws unless `text` is a valid note text: non-empty, ends in '\n', well-formed, no control characters but '\n'. */
export function checkNoteText(text: string): void {
  if (typeof text !== 'string' || text.length === 0 || !text.endsWith('\n')) throw malformed('note text must be non-empty and end with a newline');
  if (!text.isWellFormed()) throw malformed('note text is not valid Unicode');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text)) throw malformed('note text contains a control character');
}

/** The signature line for a raw signature: `— <name> <base64(key id ‖ sig)>\n`. */
export function formatSignatureLine(name: string, id: Uint8Array, sig: Uint8Array): string {
  return `${SIGNATURE_PREFIX}${name} ${Buffer.concat([id, sig]).toString('base64')}\n`;
}

/** Signs `text` (which must end in '\n') with Ed25519 signer keys (type 0x01); returns the signed note. */
export function signNote(text: string, signers: Array<{ skey: string }>): string {
  checkNoteText(text);
  if (signers.length === 0) throw badKey('at least one signer is required');
  if (signers.length > MAX_NOTE_SIGNATURES) throw malformed('too many signers');
  const msg = Buffer.from(text, 'utf8');
  let sigs = '';
  for (const s of signers) {
    const k = parseSignerKey(s.skey);
    if (k.type !== SIG_TYPE_ED25519) throw badKey('signNote needs an Ed25519 (type 0x01) key; use cosign() for cosignatures');
    sigs += formatSignatureLine(k.name, k.keyId, signEd25519(k.seed, msg));
  }
  return `${text}\n${sigs}`;
}

/** Signs raw bytes with the Ed25519 seed of a signer key (any type), for the cosignature module. */
export function signWithSeed(k: SignerKey, message: Uint8Array): Buffer {
  return signEd25519(k.seed, message);
}

export interface NoteSignature {
  name: string;
  keyId: Buffer;
  /** True when the signature matched a given verifier key and verified. Unknown keys: false. */
  verified: boolean;
  /** Signature type of the matching verifier key (absent for unknown keys). */
  type?: number;
  /** Cosignature timestamp (type 0x04 keys only). */
  timestamp?: number;
  /** The signature bytes after the key id (for type 0x04: timestamp ‖ signature). */
  signature: Buffer;
}

export interface ParsedNote {
  text: string;
  signatures: Array<{ name: string; keyId: Buffer; signature: Buffer }>;
}

/** Splits and checks a signed note without verifying anything. Throws `tlog.note_malformed`. */
export function parseNote(note: string | Uint8Array): ParsedNote {
  let s: string;
  if (typeof note === 'string') {
    s = note;
  } else {
    try {
      s = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(note);
    } catch {
      throw malformed('note is not valid UTF-8');
    }
  }
  if (!s.isWellFormed()) throw malformed('note is not valid Unicode');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
  if (/[\u0000-\u0009\u000b-\u001f]/.test(s)) throw malformed('note contains a control character');
  const split = s.lastIndexOf('\n\n');
  if (split < 0) throw malformed('note has no signature block');
  const text = s.slice(0, split + 1);
  const block = s.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) throw malformed('signature block must be non-empty and end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw malformed(`more than ${MAX_NOTE_SIGNATURES} signatures`);
  const signatures: ParsedNote['signatures'] = [];
  for (const line of lines) {
    if (!line.startsWith(SIGNATURE_PREFIX)) throw malformed('signature line must start with an em dash and a space');
    const rest = line.slice(SIGNATURE_PREFIX.length);
    const parts = cut(rest, ' ');
    if (!parts) throw malformed('signature line must be "— <name> <signature>"');
    const [name, b64] = parts;
    if (!isValidKeyName(name)) throw malformed('invalid key name in signature line');
    const raw = decodeBase64Strict(b64);
    if (!raw || raw.length < 5) throw malformed('signature is not valid base64 of key id and signature');
    signatures.push({ name, keyId: Buffer.from(raw.subarray(0, 4)), signature: Buffer.from(raw.subarray(4)) });
  }
  return { text, signatures };
}

/** The message a type 0x04 (cosignature/v1) signature covers. */
export function cosignatureMessage(checkpointBody: string, timestamp: number): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${timestamp}\n${checkpointBody}`, 'utf8');
}

/** Parses `timestamp ‖ signature` of a type 0x04 signature; null when malformed. */
export function splitTimestampedSignature(sig: Uint8Array): { timestamp: number; signature: Buffer } | null {
  if (sig.length !== 8 + 64) return null;
  const ts = Buffer.from(sig.buffer, sig.byteOffset, 8).readBigUInt64BE(0);
  if (ts > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return { timestamp: Number(ts), signature: Buffer.from(sig.subarray(8)) };
}

/** Verifies one signature (bytes after the key id) of note text against a parsed verifier key. */
export function verifyNoteSignature(key: VerifierKey, text: string, sig: Uint8Array): { ok: boolean; timestamp?: number } {
  if (key.type === SIG_TYPE_ED25519) return { ok: verifyEd25519(key.publicKey, Buffer.from(text, 'utf8'), sig) };
  if (key.type === SIG_TYPE_COSIGNATURE_V1) {
    const ts = splitTimestampedSignature(sig);
    if (!ts) return { ok: false };
    return { ok: verifyEd25519(key.publicKey, cosignatureMessage(text, ts.timestamp), ts.signature), timestamp: ts.timestamp };
  }
  return { ok: false };
}

/**
 * Opens a signed note: parses it strictly, verifies every signature whose (name, key id) matches one
 * of `verifiers` (type 0x01 note signatures or type 0x04 cosignatures) and ignores the others.
 * Throws `tlog.note_malformed`, `tlog.bad_key` (a verifier key does not parse), `tlog.ambiguous_key`
 * (two different verifier keys share a name and key id and sign this note), `tlog.signature_invalid`
 * (a known key's signature fails) or `tlog.no_verified_signature`.
 */
export function openNote(note: string | Uint8Array, verifiers: string[]): { text: string; signatures: NoteSignature[] } {
  const keys = new Map<string, VerifierKey[]>();
  for (const v of verifiers) {
    const k = parseVerifierKey(v);
    const id = `${k.name}+${k.keyId.toString('hex')}`;
    const list = keys.get(id) ?? [];
    if (!list.some((o) => o.type === k.type && o.publicKey.equals(k.publicKey))) list.push(k);
    keys.set(id, list);
  }
  const parsed = parseNote(note);
  const signatures: NoteSignature[] = [];
  let verifiedCount = 0;
  for (const s of parsed.signatures) {
    const id = `${s.name}+${s.keyId.toString('hex')}`;
    const matches = keys.get(id);
    if (!matches) {
      signatures.push({ name: s.name, keyId: s.keyId, verified: false, signature: s.signature });
      continue;
    }
    if (matches.length > 1) throw new TlogError('tlog.ambiguous_key', `ambiguous key ${id}`);
    const key = matches[0]!;
    const r = verifyNoteSignature(key, parsed.text, s.signature);
    if (!r.ok) throw new TlogError('tlog.signature_invalid', `invalid signature for key ${id}`);
    verifiedCount++;
    const entry: NoteSignature = { name: s.name, keyId: s.keyId, verified: true, type: key.type, signature: s.signature };
    if (r.timestamp !== undefined) entry.timestamp = r.timestamp;
    signatures.push(entry);
  }
  if (verifiedCount === 0) throw new TlogError('tlog.no_verified_signature', 'note has no verifiable signatures');
  return { text: parsed.text, signatures };
}
