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

function chunkNonce(counter: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32BE(Math.floor(counter / 0x100000000), 3);
  nonce.writeUInt32BE(counter >>> 0, 7);
  nonce[11] = last ? 1 : 0;
  return nonce;
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

  /** Seals one chunk into `out` at `at`; returns the bytes written (plaintext + tag). */
  #sealInto(plaintext: Buffer, last: boolean, out: Buffer, at: number): number {
    const cipher = createCipheriv('chacha20-poly1305', this.#key, chunkNonce(this.#counter++, last), { authTagLength: TAG_SIZE });
    const body = cipher.update(plaintext);
    body.copy(out, at);
    cipher.final();
    cipher.getAuthTag().copy(out, at + body.length);
    return body.length + TAG_SIZE;
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
