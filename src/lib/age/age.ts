// age v1 file encryption (https://age-encryption.org/v1, C2SP age) with X25519 recipients, for the
// evidence vault. Streaming and memory-flat: the header (at most MAX_HEADER_BYTES) and two 64 KiB
// chunks are the most ever buffered. Not implemented: scrypt passphrases, the post-quantum hybrid
// (mlkem768x25519) recipients and plugins; files for those fail with `age.no_identity_matched`.
//
// Error codes (AppError): age.header_invalid, age.hmac_mismatch, age.no_identity_matched,
// age.payload_invalid, age.armor_invalid, age.identity_invalid, age.recipient_invalid,
// age.bech32_invalid (wrapped as the cause of the identity/recipient errors).
import { randomBytes } from 'node:crypto';
import { Transform } from 'node:stream';
import { AppError } from '../errors.ts';
import { Armorer, Dearmorer, isArmorWhitespace } from './armor.ts';
import {
  encodeHeader,
  FILE_KEY_SIZE,
  findHeaderEnd,
  type Header,
  type HeaderScan,
  headerError,
  MAX_HEADER_BYTES,
  parseHeader,
  type Stanza,
  verifyHeaderMac,
} from './format.ts';
import { PAYLOAD_NONCE_SIZE, payloadKey, StreamDecryptor, StreamEncryptor } from './stream.ts';
import { checkX25519Stanza, parseIdentity, parseRecipient, unwrapX25519, wrapX25519, X25519_STANZA, type X25519Identity } from './x25519.ts';

export { ARMOR_BEGIN, ARMOR_END, armor, dearmor } from './armor.ts';
export { MAX_HEADER_BYTES } from './format.ts';
export { generateIdentity, parseIdentityFile, recipientOf } from './x25519.ts';

export interface EncryptOptions {
  /** Produce an ASCII-armored file (`age -a`). */
  armor?: boolean;
}

export interface DecryptOptions {
  /** `'auto'` (default) detects armor by the first non-whitespace byte; `true` requires it; `false` refuses it. */
  armor?: boolean | 'auto';
}

/** Something fed bytes incrementally, returning output as it becomes available. */
interface Incremental {
  update(data: Uint8Array): Buffer[];
  final(): Buffer[];
}

function parseRecipients(recipients: readonly string[]): Buffer[] {
  if (recipients.length === 0) throw new AppError('age.recipient_invalid', { message: 'at least one recipient is required' });
  return recipients.map(parseRecipient);
}

function parseIdentities(identities: readonly string[]): X25519Identity[] {
  if (identities.length === 0) throw new AppError('age.identity_invalid', { message: 'at least one identity is required' });
  return identities.map(parseIdentity);
}

function wrapForRecipients(fileKey: Buffer, recipients: Buffer[]): Stanza[] {
  return recipients.map((r) => wrapX25519(fileKey, r));
}

/**
 * Finds the file key in a parsed header and verifies the header MAC with it.
 * Throws age.header_invalid, age.no_identity_matched or age.hmac_mismatch.
 */
function unwrapFileKey(header: Header, identities: X25519Identity[]): Buffer {
  const { stanzas } = header;
  if (stanzas.some((s) => s.type === 'scrypt') && stanzas.length !== 1) throw headerError('an scrypt stanza must be the only stanza');
  const x25519 = stanzas.filter((s) => s.type === X25519_STANZA);
  for (const s of x25519) checkX25519Stanza(s);
  for (const identity of identities) {
    for (const stanza of x25519) {
      const fileKey = unwrapX25519(stanza, identity);
      if (fileKey === undefined) continue;
      if (fileKey.length !== FILE_KEY_SIZE) throw headerError('file key must be 16 bytes');
      verifyHeaderMac(fileKey, header);
      return fileKey;
    }
  }
  throw new AppError('age.no_identity_matched', {
    message: 'no identity matched any of the recipients',
    details: { stanzaTypes: [...new Set(stanzas.map((s) => s.type))] },
  });
}

/**
 * The payload key of a binary age file whose header (exactly its bytes, up to and including the
 * MAC line) and payload nonce are given: the file key found with one of `identities`, the header
 * MAC verified. Throws like Decryptor does on the same header.
 */
export function openFileKey(headerBytes: Buffer, nonce: Buffer, identities: readonly string[]): Buffer {
  const fileKey = unwrapFileKey(parseHeader(headerBytes), parseIdentities(identities));
  return payloadKey(fileKey, nonce);
}

/**
 * The start of a new binary age file to `recipients`: its header and payload nonce (to be written
 * first), and the key its STREAM chunks are sealed with. A fresh file key every time.
 */
export function beginFile(recipients: readonly string[]): { prefix: Buffer[]; payloadKey: Buffer } {
  const keys = parseRecipients(recipients);
  const fileKey = randomBytes(FILE_KEY_SIZE);
  const nonce = randomBytes(PAYLOAD_NONCE_SIZE);
  return { prefix: [encodeHeader(fileKey, wrapForRecipients(fileKey, keys)), nonce], payloadKey: payloadKey(fileKey, nonce) };
}

/** Incremental age encryptor: plaintext in, age file (optionally armored) out. */
export class Encryptor implements Incremental {
  #prefix: Buffer[];
  #stream: StreamEncryptor;
  #armor: Armorer | undefined;

  constructor(recipients: readonly string[], options: EncryptOptions = {}) {
    const file = beginFile(recipients);
    this.#prefix = file.prefix;
    this.#stream = new StreamEncryptor(file.payloadKey);
    this.#armor = options.armor ? new Armorer() : undefined;
  }

  #out(parts: Buffer[]): Buffer[] {
    const all = this.#prefix.length > 0 ? [...this.#prefix.splice(0), ...parts] : parts;
    if (this.#armor === undefined) return all;
    const armor = this.#armor;
    return all.flatMap((p) => armor.update(p));
  }

  update(plaintext: Uint8Array): Buffer[] {
    return this.#out(this.#stream.update(plaintext));
  }

  final(): Buffer[] {
    const out = this.#out(this.#stream.final());
    return this.#armor === undefined ? out : [...out, ...this.#armor.final()];
  }
}

type DecryptState = 'header' | 'nonce' | 'payload';

/** Incremental age decryptor: age file (binary or armored) in, plaintext out. */
export class Decryptor implements Incremental {
  #identities: X25519Identity[];
  #mode: 'detect' | 'armor' | 'binary';
  #sawWhitespace = false;
  #dearmor: Dearmorer | undefined;
  #state: DecryptState = 'header';
  #headerBuf = Buffer.alloc(1024);
  #headerLen = 0;
  #scan: HeaderScan = { lineStart: 0 };
  #fileKey: Buffer | undefined;
  #nonce = Buffer.alloc(PAYLOAD_NONCE_SIZE);
  #nonceLen = 0;
  #stream: StreamDecryptor | undefined;

  constructor(identities: readonly string[], options: DecryptOptions = {}) {
    this.#identities = parseIdentities(identities);
    const armor = options.armor ?? 'auto';
    this.#mode = armor === 'auto' ? 'detect' : armor ? 'armor' : 'binary';
    if (this.#mode === 'armor') this.#dearmor = new Dearmorer();
  }

  update(data: Uint8Array): Buffer[] {
    let input = data;
    if (this.#mode === 'detect') {
      let i = 0;
      while (i < input.length && isArmorWhitespace(input[i]!)) i++;
      if (i > 0) this.#sawWhitespace = true;
      if (i === input.length) return [];
      if (input[i] === 0x2d) {
        this.#mode = 'armor';
        this.#dearmor = new Dearmorer();
        input = input.subarray(i);
      } else {
        if (this.#sawWhitespace) throw headerError('not an age file: leading whitespace');
        this.#mode = 'binary';
      }
    }
    if (this.#dearmor !== undefined) return this.#dearmor.update(input).flatMap((b) => this.#feed(b));
    return this.#feed(input);
  }

  final(): Buffer[] {
    const out = this.#dearmor !== undefined ? this.#dearmor.final().flatMap((b) => this.#feed(b)) : [];
    if (this.#state === 'header') throw headerError(this.#headerLen === 0 ? 'empty file' : 'header is incomplete');
    if (this.#state === 'nonce') throw headerError('payload nonce is missing or short');
    return [...out, ...this.#stream!.final()];
  }

  #feed(data: Buffer | Uint8Array): Buffer[] {
    let rest: Uint8Array = data;
    if (this.#state === 'header') {
      rest = this.#readHeader(rest);
      if (this.#state === 'header') return [];
    }
    if (this.#state === 'nonce') {
      const n = Math.min(rest.length, PAYLOAD_NONCE_SIZE - this.#nonceLen);
      this.#nonce.set(rest.subarray(0, n), this.#nonceLen);
      this.#nonceLen += n;
      rest = rest.subarray(n);
      if (this.#nonceLen < PAYLOAD_NONCE_SIZE) return [];
      this.#stream = new StreamDecryptor(payloadKey(this.#fileKey!, this.#nonce));
      this.#state = 'payload';
    }
    return this.#stream!.update(rest);
  }

  /** Buffers header bytes; once the header is complete, processes it and returns the bytes after it. */
  #readHeader(data: Uint8Array): Uint8Array {
    // Never copy more than the header limit, whatever the size of the input chunk.
    const room = MAX_HEADER_BYTES + 1 - this.#headerLen;
    const take = Math.min(room, data.length);
    if (this.#headerLen + take > this.#headerBuf.length) {
      const grown = Buffer.alloc(Math.min(MAX_HEADER_BYTES + 1, Math.max(this.#headerBuf.length * 2, this.#headerLen + take)));
      this.#headerBuf.copy(grown, 0, 0, this.#headerLen);
      this.#headerBuf = grown;
    }
    this.#headerBuf.set(data.subarray(0, take), this.#headerLen);
    this.#headerLen += take;
    const end = findHeaderEnd(this.#headerBuf, this.#headerLen, this.#scan);
    if (end === -1) return new Uint8Array(0);
    const header = parseHeader(this.#headerBuf.subarray(0, end));
    this.#fileKey = unwrapFileKey(header, this.#identities);
    this.#state = 'nonce';
    const after = Buffer.concat([this.#headerBuf.subarray(end, this.#headerLen), data.subarray(take)]);
    this.#headerBuf = Buffer.alloc(0);
    return after;
  }
}

function toTransform(core: Incremental): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      let out: Buffer[];
      try {
        out = core.update(chunk);
      } catch (error) {
        callback(error as Error);
        return;
      }
      for (const b of out) this.push(b);
      callback();
    },
    flush(callback) {
      let out: Buffer[];
      try {
        out = core.final();
      } catch (error) {
        callback(error as Error);
        return;
      }
      for (const b of out) this.push(b);
      callback();
    },
  });
}

function runAll(core: Incremental, data: Uint8Array): Buffer {
  return Buffer.concat([...core.update(data), ...core.final()]);
}

/**
 * A Transform: plaintext in, age file out. Recipients are `age1…` strings, validated here (throws
 * `age.recipient_invalid` synchronously).
 */
export function encryptStream(recipients: readonly string[], options: EncryptOptions = {}): Transform {
  return toTransform(new Encryptor(recipients, options));
}

/**
 * A Transform: age file (binary or armored) in, plaintext out. Plaintext is released chunk by chunk
 * once each 64 KiB chunk authenticates; truncation is only detected at the end, so a consumer must
 * discard its output if the stream errors.
 */
export function decryptStream(identities: readonly string[], options: DecryptOptions = {}): Transform {
  return toTransform(new Decryptor(identities, options));
}

/** Encrypts a buffer held in memory. */
export function encrypt(plaintext: Uint8Array, recipients: readonly string[], options: EncryptOptions = {}): Buffer {
  return runAll(new Encryptor(recipients, options), plaintext);
}

/** Decrypts a buffer held in memory (binary or armored). */
export function decrypt(file: Uint8Array, identities: readonly string[], options: DecryptOptions = {}): Buffer {
  return runAll(new Decryptor(identities, options), file);
}

function refuseArmor(fileStart: Uint8Array): void {
  let i = 0;
  while (i < fileStart.length && isArmorWhitespace(fileStart[i]!)) i++;
  if (fileStart[i] === 0x2d) throw headerError('armored file: dearmor it first (rewrapping needs the binary payload)');
}

/**
 * Splits the start of a binary age file into its header and the offset at which the payload (nonce
 * and STREAM chunks) begins. `fileStart` must hold the whole header: reading the first
 * MAX_HEADER_BYTES bytes of a file (or all of it if shorter) is always enough. Checks the header's
 * structure, not its MAC (that needs the file key).
 */
export function splitHeader(fileStart: Uint8Array): { header: Buffer; payloadOffset: number; stanzaTypes: string[] } {
  refuseArmor(fileStart);
  const end = findHeaderEnd(fileStart);
  if (end === -1) throw headerError('header is incomplete');
  const header = Buffer.from(fileStart.buffer, fileStart.byteOffset, end);
  return { header, payloadOffset: end, stanzaTypes: parseHeader(header).stanzas.map((s) => s.type) };
}

/**
 * Re-encrypts only the file key of a binary age file for other recipients. Returns a new header:
 * `header` followed by the ORIGINAL file's bytes from `payloadOffset` on (nonce and payload,
 * unchanged) is a valid age file for `newRecipients` only. The file key stays the same, so anyone
 * who already knows it (a previous recipient who decrypted the original) could read the payload;
 * rewrap is for handing the same evidence to another authority without re-encrypting it.
 */
export function rewrapHeader(
  fileStart: Uint8Array,
  identities: string | readonly string[],
  newRecipients: readonly string[],
): { header: Buffer; payloadOffset: number } {
  const ids = parseIdentities(typeof identities === 'string' ? [identities] : identities);
  const keys = parseRecipients(newRecipients);
  const { header, payloadOffset } = splitHeader(fileStart);
  const fileKey = unwrapFileKey(parseHeader(header), ids);
  return { header: encodeHeader(fileKey, wrapForRecipients(fileKey, keys)), payloadOffset };
}

/**
 * A Transform that rewraps a binary age file as it streams: the header is replaced (see
 * rewrapHeader) and every byte after it is passed through untouched, without decrypting it.
 */
export function rewrapStream(identities: string | readonly string[], newRecipients: readonly string[]): Transform {
  const ids = parseIdentities(typeof identities === 'string' ? [identities] : identities);
  const keys = parseRecipients(newRecipients);
  let pending: Buffer | undefined = Buffer.alloc(0);
  const scan: HeaderScan = { lineStart: 0 };
  const core: Incremental = {
    update(data) {
      if (pending === undefined) return [Buffer.from(data.buffer, data.byteOffset, data.byteLength)];
      if (pending.length === 0) refuseArmor(data);
      const take = Math.min(data.length, MAX_HEADER_BYTES + 1 - pending.length);
      pending = Buffer.concat([pending, data.subarray(0, take)]);
      const end = findHeaderEnd(pending, pending.length, scan);
      if (end === -1) return [];
      const fileKey = unwrapFileKey(parseHeader(pending.subarray(0, end)), ids);
      const out = [
        encodeHeader(fileKey, wrapForRecipients(fileKey, keys)),
        pending.subarray(end),
        Buffer.from(data.buffer, data.byteOffset + take, data.length - take),
      ];
      pending = undefined;
      return out;
    },
    final() {
      if (pending !== undefined) throw headerError(pending.length === 0 ? 'empty file' : 'header is incomplete');
      return [];
    },
  };
  return toTransform(core);
}
