// The age payload: a 16-byte nonce, then STREAM (ChaCha20-Poly1305, 64 KiB plaintext chunks).
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { AppError } from '../errors.ts';

export const CHUNK_SIZE = 64 * 1024;
export const TAG_SIZE = 16;
export const ENCRYPTED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE;
export const PAYLOAD_NONCE_SIZE = 16;

/** A FIFO of byte chunks with exact-size reads, so nothing is copied more than once or twice. */
export class ByteQueue {
  #pieces: Buffer[] = [];
  #offset = 0;
  length = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#pieces.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.length += chunk.length;
  }

  /** Removes the first `n` bytes (n <= length), copying them into `target`. */
  takeInto(n: number, target: Uint8Array): void {
    let filled = 0;
    while (filled < n) {
      const piece = this.#pieces[0]!;
      const end = Math.min(piece.length, this.#offset + n - filled);
      target.set(piece.subarray(this.#offset, end), filled);
      filled += end - this.#offset;
      this.#offset = end;
      if (this.#offset === piece.length) {
        this.#pieces.shift();
        this.#offset = 0;
      }
    }
    this.length -= n;
  }

  /** Removes and returns the first `n` bytes (n <= length). */
  take(n: number): Buffer {
    const first = this.#pieces[0];
    if (first !== undefined && first.length - this.#offset >= n) {
      const out = first.subarray(this.#offset, this.#offset + n);
      this.#offset += n;
      if (this.#offset === first.length) {
        this.#pieces.shift();
        this.#offset = 0;
      }
      this.length -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const piece = this.#pieces[0]!;
      const copied = piece.copy(out, filled, this.#offset, Math.min(piece.length, this.#offset + n - filled));
      filled += copied;
      this.#offset += copied;
      if (this.#offset === piece.length) {
        this.#pieces.shift();
        this.#offset = 0;
      }
    }
    this.length -= n;
    return out;
  }
}

export function payloadKey(fileKey: Buffer, nonce: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
}

/** age STREAM nonce: an 11-byte big-endian chunk counter, then the last-chunk flag. */
export function chunkNonce(counter: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32BE(Math.floor(counter / 0x100000000), 3);
  nonce.writeUInt32BE(counter >>> 0, 7);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** Seals one chunk (plaintext, then its tag) into `out` at `at`; returns the bytes written. */
export function sealChunk(key: Uint8Array, counter: number, last: boolean, plaintext: Uint8Array, out: Uint8Array, at: number): number {
  const cipher = createCipheriv('chacha20-poly1305', key, chunkNonce(counter, last), { authTagLength: TAG_SIZE });
  const body = cipher.update(plaintext);
  out.set(body, at);
  cipher.final();
  out.set(cipher.getAuthTag(), at + body.length);
  return body.length + TAG_SIZE;
}

/** Chunks a block of plaintext is sealed into: whole chunks, or for the final block at least one. */
export function chunksOf(plainLength: number, final: boolean): number {
  return final ? Math.max(1, Math.ceil(plainLength / CHUNK_SIZE)) : plainLength / CHUNK_SIZE;
}

/** Bytes a block of `plainLength` bytes takes once sealed. */
export function sealedLength(plainLength: number, final: boolean): number {
  return plainLength + chunksOf(plainLength, final) * TAG_SIZE;
}

/**
 * Seals a block of consecutive chunks, the first numbered `firstCounter`, in place: `block` holds
 * the plaintext in its first `plainLength` bytes and has room for the tags
 * (`sealedLength(plainLength, final)`). A block that is not `final` holds whole chunks only; a final
 * one flags its last chunk. Chunks are sealed from the last to the first, so each one's output only
 * covers bytes already sealed. Returns the sealed length.
 */
export function sealBlockInPlace(key: Uint8Array, firstCounter: number, final: boolean, block: Uint8Array, plainLength: number): number {
  const chunks = chunksOf(plainLength, final);
  if (!Number.isInteger(chunks)) throw new RangeError('a block that is not final must hold whole chunks');
  const length = sealedLength(plainLength, final);
  if (block.length < length) throw new RangeError('the block has no room for the tags');
  for (let i = chunks - 1; i >= 0; i--) {
    const plaintext = block.subarray(i * CHUNK_SIZE, Math.min(plainLength, (i + 1) * CHUNK_SIZE));
    // update() returns the ciphertext as a new buffer, so the plaintext is read before it is overwritten.
    sealChunk(key, firstCounter + i, final && i === chunks - 1, plaintext, block, i * ENCRYPTED_CHUNK_SIZE);
  }
  return length;
}

/**
 * Opens a block of consecutive sealed chunks, the first numbered `firstCounter`, in place: `block`
 * holds `sealedBytes` of ciphertext, and the plaintext is written from its start (each chunk's
 * plaintext lands before its own ciphertext, so nothing is overwritten before it is read). A block
 * that is not `final` holds whole chunks only; a final one ends with the flagged last chunk, under
 * the same rules as StreamDecryptor.final(). Returns the plaintext length; throws
 * `age.payload_invalid` naming the chunk that does not authenticate.
 */
export function openBlockInPlace(key: Uint8Array, firstCounter: number, final: boolean, block: Uint8Array, sealedBytes: number): number {
  if (!final && (sealedBytes === 0 || sealedBytes % ENCRYPTED_CHUNK_SIZE !== 0)) throw new RangeError('a block that is not final must hold whole chunks');
  const chunks = final ? Math.max(1, Math.ceil(sealedBytes / ENCRYPTED_CHUNK_SIZE)) : sealedBytes / ENCRYPTED_CHUNK_SIZE;
  let plain = 0;
  for (let i = 0; i < chunks; i++) {
    const last = final && i === chunks - 1;
    const start = i * ENCRYPTED_CHUNK_SIZE;
    const end = Math.min(sealedBytes, start + ENCRYPTED_CHUNK_SIZE);
    const counter = firstCounter + i;
    if (last && end - start < TAG_SIZE) throw payloadError(counter === 0 && end === start ? 'payload has no chunk' : 'final payload chunk is too short');
    const decipher = createDecipheriv('chacha20-poly1305', key, chunkNonce(counter, last), { authTagLength: TAG_SIZE });
    decipher.setAuthTag(block.subarray(end - TAG_SIZE, end));
    let body: Buffer;
    try {
      body = decipher.update(block.subarray(start, end - TAG_SIZE));
      decipher.final();
    } catch {
      throw payloadError('payload chunk failed authentication', { chunk: counter, last });
    }
    if (last && body.length === 0 && counter > 0) throw payloadError('final payload chunk is empty');
    block.set(body, plain);
    plain += body.length;
  }
  return plain;
}

function payloadError(message: string, details?: Record<string, unknown>): AppError {
  return new AppError('age.payload_invalid', { message, details });
}

/** Encrypts plaintext into STREAM chunks; the caller writes the nonce first. */
export class StreamEncryptor {
  #key: Buffer;
  #counter = 0;
  #pending = new ByteQueue();

  constructor(key: Buffer) {
    this.#key = key;
  }

  #sealInto(plaintext: Buffer, last: boolean, out: Buffer, at: number): number {
    return sealChunk(this.#key, this.#counter++, last, plaintext, out, at);
  }

  /**
   * Every full chunk the input completes, sealed into one buffer: one output (and so one write
   * downstream) per input, rather than one per 64 KiB chunk.
   */
  update(plaintext: Uint8Array): Buffer[] {
    this.#pending.push(plaintext);
    // Keep at least one byte back: only the final chunk may be flagged last, and it may be full.
    const chunks = Math.floor((this.#pending.length - 1) / CHUNK_SIZE);
    if (chunks <= 0) return [];
    const out = Buffer.allocUnsafe(chunks * ENCRYPTED_CHUNK_SIZE);
    let at = 0;
    for (let i = 0; i < chunks; i++) at += this.#sealInto(this.#pending.take(CHUNK_SIZE), false, out, at);
    return [out];
  }

  final(): Buffer[] {
    const plaintext = this.#pending.take(this.#pending.length);
    const out = Buffer.allocUnsafe(plaintext.length + TAG_SIZE);
    this.#sealInto(plaintext, true, out, 0);
    return [out];
  }
}

/**
 * Decrypts STREAM chunks. Plaintext of a chunk is returned only once its tag has been verified;
 * the end of the stream (truncation) is only known at `final()`.
 */
export class StreamDecryptor {
  #key: Buffer;
  #counter = 0;
  #pending = new ByteQueue();

  constructor(key: Buffer) {
    this.#key = key;
  }

  /** Opens one chunk into `out` at `at` once its tag verifies; returns the plaintext length. */
  #openInto(chunk: Buffer, last: boolean, out: Buffer, at: number): number {
    const decipher = createDecipheriv('chacha20-poly1305', this.#key, chunkNonce(this.#counter, last), { authTagLength: TAG_SIZE });
    decipher.setAuthTag(chunk.subarray(chunk.length - TAG_SIZE));
    try {
      const body = decipher.update(chunk.subarray(0, chunk.length - TAG_SIZE));
      decipher.final();
      body.copy(out, at);
      this.#counter++;
      return body.length;
    } catch {
      throw payloadError('payload chunk failed authentication', { chunk: this.#counter, last });
    }
  }

  /** Every full chunk the input completes, opened into one buffer (one output per input). */
  update(ciphertext: Uint8Array): Buffer[] {
    this.#pending.push(ciphertext);
    // A chunk followed by more data is not the last one, so it must be full and flagged non-final.
    const chunks = Math.floor((this.#pending.length - 1) / ENCRYPTED_CHUNK_SIZE);
    if (chunks <= 0) return [];
    const out = Buffer.allocUnsafe(chunks * CHUNK_SIZE);
    let at = 0;
    for (let i = 0; i < chunks; i++) at += this.#openInto(this.#pending.take(ENCRYPTED_CHUNK_SIZE), false, out, at);
    return [out];
  }

  final(): Buffer[] {
    const rest = this.#pending.length;
    if (rest === 0) throw payloadError(this.#counter === 0 ? 'payload has no chunk' : 'payload is truncated');
    if (rest < TAG_SIZE) throw payloadError('final payload chunk is too short');
    const out = Buffer.allocUnsafe(rest - TAG_SIZE);
    const length = this.#openInto(this.#pending.take(rest), true, out, 0);
    if (length === 0 && this.#counter > 1) throw payloadError('final payload chunk is empty');
    return [out];
  }
}
