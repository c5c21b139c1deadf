// A resumable upload staged on the node's local disk, encrypted from the first byte: the bytes
// received so far are the start of an ordinary age v1 file to the vault's recipients, and nothing
// in plaintext ever reaches the disk.
//
// Layout of `<uploadDir>/<uploadId>/`:
// - `payload.age`: the age header (one X25519 stanza per vault recipient, header MAC), the 16-byte
//   payload nonce, then STREAM chunks (https://age-encryption.org/v1, C2SP age §payload): 64 KiB of
//   plaintext each, ChaCha20-Poly1305 with the chunk counter as nonce. The last-chunk flag is set
//   only on the chunk holding the final byte, which is known because the length is fixed at
//   creation. Once complete it is the whole age file the vault adopts.
// - `tail.bin`: the commit record. It names how many whole chunks of `payload.age` are
//   acknowledged, and carries the acknowledged plaintext beyond them (less than one chunk) sealed
//   with AES-256-GCM under a key derived from the file key, bound to the upload id and chunk index.
//   It is replaced atomically (temporary file, fsync, rename, directory fsync) after the chunks it
//   names are fsynced, so it is the single commit point of every PATCH.
//
// INVARIANT: the offset is derived from disk alone: the commit record's whole chunks (fewer if the
// payload lost any, or if the last one does not authenticate) times 64 KiB, plus its tail. Bytes of
// `payload.age` beyond the committed chunks belong to a PATCH that was never acknowledged (a crash,
// a checksum mismatch, a body longer than declared): they are ignored and cut off when the next
// PATCH starts. So a SIGKILL or power loss at any instant leaves a consistent, resumable upload.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, rename, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { encodeHeader, FILE_KEY_SIZE, findHeaderEnd, MAX_HEADER_BYTES, parseHeader, verifyHeaderMac } from '../../../lib/age/format.ts';
import { BLOCK_BYTES, type SealingPool, sealingPool } from '../../../lib/age/sealing-pool.ts';
import { CHUNK_SIZE, chunkNonce, chunksOf, ENCRYPTED_CHUNK_SIZE, PAYLOAD_NONCE_SIZE, payloadKey, TAG_SIZE } from '../../../lib/age/stream.ts';
import { parseRecipient, wrapX25519 } from '../../../lib/age/x25519.ts';
import { EarlySync } from '../../../lib/early-sync.ts';
import { AppError } from '../../../lib/errors.ts';
import { writeAt } from '../../../lib/write-at.ts';

export const PAYLOAD_FILE = 'payload.age';
const COMMIT_FILE = 'tail.bin';
const COMMIT_TEMP = 'tail.tmp';
const COMMIT_MAGIC = Buffer.from('CUT1', 'latin1');
const COMMIT_HEAD = COMMIT_MAGIC.length + 8;
const GCM_IV = 12;
const GCM_TAG = 16;
const TAIL_INFO = 'custodia.evidence.upload-tail.v1';
/** Reads of the complete file: 16 sealed chunks (about 1 MiB) each. */
const READ_BYTES = 16 * ENCRYPTED_CHUNK_SIZE;
/** Sealed blocks in flight per sealing worker while the body keeps arriving. */
const BLOCKS_PER_WORKER = 3;
/** A datasync starts in the background every this many bytes written (lib/early-sync.ts). */
const EARLY_SYNC_BYTES = 32 * 1024 * 1024;

/** What the uploads service needs of a staging directory's geometry: fixed at creation. */
export interface StagingShape {
  /** Directory of this upload (`<uploadDir>/<uploadId>`). */
  dir: string;
  uploadId: string;
  /** Plaintext length declared at creation (Upload-Length). */
  length: number;
}

/** The state derived from disk. */
export interface StagingState {
  /** Acknowledged plaintext bytes. */
  offset: number;
  /** Every byte is in, the final chunk sealed with the last-chunk flag. */
  complete: boolean;
}

function stagingError(message: string, cause?: unknown): AppError {
  return new AppError('upload.staging_damaged', { message, ...(cause === undefined ? {} : { cause }) });
}

function tailKey(fileKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', fileKey, Buffer.alloc(0), TAIL_INFO, 32));
}

/** The geometry of a payload of `length` plaintext bytes (an empty file still has one, empty, final chunk). */
class Geometry {
  readonly length: number;
  /** Number of STREAM chunks of the complete file. */
  readonly chunks: number;
  /** Plaintext bytes of the final chunk. */
  readonly finalPlain: number;
  /** Bytes before the first chunk: header and nonce. */
  readonly prefix: number;

  constructor(length: number, prefix: number) {
    this.length = length;
    this.chunks = Math.max(1, Math.ceil(length / CHUNK_SIZE));
    this.finalPlain = length - (this.chunks - 1) * CHUNK_SIZE;
    this.prefix = prefix;
  }

  /** Plaintext size of chunk `i`. */
  plainOf(i: number): number {
    return i < this.chunks - 1 ? CHUNK_SIZE : this.finalPlain;
  }

  /** Where chunk `w` starts in payload.age (= end of the first `w` chunks). */
  byteEnd(w: number): number {
    return w < this.chunks ? this.prefix + w * ENCRYPTED_CHUNK_SIZE : this.prefix + (this.chunks - 1) * ENCRYPTED_CHUNK_SIZE + this.finalPlain + TAG_SIZE;
  }

  /** Plaintext covered by the first `w` chunks. */
  plainEnd(w: number): number {
    return w < this.chunks ? w * CHUNK_SIZE : this.length;
  }

  /** Whole chunks present in a payload.age of `size` bytes. */
  wholeChunksIn(size: number): number {
    if (size >= this.byteEnd(this.chunks)) return this.chunks;
    return Math.max(0, Math.min(this.chunks - 1, Math.floor((size - this.prefix) / ENCRYPTED_CHUNK_SIZE)));
  }
}

/**
 * Creates the staging directory of a new upload: a fresh 16-byte age file key, wrapped to each
 * recipient, and `payload.age` holding the header and payload nonce, fsynced. Returns the file
 * key, which the caller keeps sealed; it is the only way back into the staged bytes.
 */
export async function createStaging(shape: StagingShape, recipients: readonly string[]): Promise<Buffer> {
  if (recipients.length === 0) throw new AppError('age.recipient_invalid', { message: 'the vault has no recipient to stage uploads to' });
  const fileKey = randomBytes(FILE_KEY_SIZE);
  const header = encodeHeader(
    fileKey,
    recipients.map((r) => wrapX25519(fileKey, parseRecipient(r))),
  );
  await mkdir(join(shape.dir, '..'), { recursive: true, mode: 0o700 });
  await mkdir(shape.dir, { mode: 0o700 });
  const fh = await open(join(shape.dir, PAYLOAD_FILE), 'wx', 0o600);
  try {
    await fh.writev([header, randomBytes(PAYLOAD_NONCE_SIZE)]);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await syncDir(shape.dir);
  return fileKey;
}

/** Removes a staging directory and everything in it (missing is fine). */
export async function removeStaging(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await fh.read(buf, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buf.subarray(0, filled);
}

interface Commit {
  /** Whole chunks acknowledged. */
  chunks: number;
  /** Acknowledged plaintext of chunk `chunks`, shorter than that chunk. */
  tail: Buffer;
}

/**
 * An open staging directory. Each HTTP request opens its own (`openStaging`), reads the state from
 * disk, and for a PATCH starts an `Appender`; the uploads service serialises writers per upload.
 */
export class Staging {
  readonly shape: StagingShape;
  readonly #geometry: Geometry;
  readonly #payloadKey: Buffer;
  readonly #tailKey: Buffer;
  /** The commit as written in tail.bin (undefined when absent or unreadable). */
  readonly #recorded: Commit | undefined;
  /** The commit as derived from disk: what is really acknowledged. */
  readonly #commit: Commit;
  readonly #payloadSize: number;

  private constructor(init: {
    shape: StagingShape;
    geometry: Geometry;
    payloadKey: Buffer;
    tailKey: Buffer;
    recorded: Commit | undefined;
    commit: Commit;
    size: number;
  }) {
    this.shape = init.shape;
    this.#geometry = init.geometry;
    this.#payloadKey = init.payloadKey;
    this.#tailKey = init.tailKey;
    this.#recorded = init.recorded;
    this.#commit = init.commit;
    this.#payloadSize = init.size;
  }

  /** Reads the staged state from disk, read-only (safe beside a running PATCH). Throws `upload.staging_damaged`. */
  static async open(shape: StagingShape, fileKey: Buffer): Promise<Staging> {
    let fh: FileHandle;
    try {
      fh = await open(join(shape.dir, PAYLOAD_FILE), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new AppError('upload.not_found', { message: 'the staged upload is gone' });
      throw error;
    }
    try {
      const { prefix, nonce } = await readPrefix(fh, fileKey);
      const geometry = new Geometry(shape.length, prefix);
      // Raw key buffers: OpenSSL through a KeyObject costs more than twice as much per chunk.
      const chunkKey = payloadKey(fileKey, nonce);
      const commitKey = tailKey(fileKey);
      const recorded = await readCommit(shape, commitKey, geometry);
      // Read the record before the payload's size: a PATCH fsyncs its chunks before it commits them.
      const size = (await fh.stat()).size;
      let commit: Commit = recorded ?? { chunks: 0, tail: Buffer.alloc(0) };
      const present = geometry.wholeChunksIn(size);
      if (present < commit.chunks) commit = { chunks: present, tail: Buffer.alloc(0) };
      // Defence in depth against a disk that lost or garbled fsynced data: the last acknowledged
      // chunk must authenticate, else step back (its tail then belongs to a chunk we no longer hold).
      while (commit.chunks > 0 && !(await verifyChunk(fh, geometry, chunkKey, commit.chunks - 1))) {
        commit = { chunks: commit.chunks - 1, tail: Buffer.alloc(0) };
      }
      return new Staging({ shape, geometry, payloadKey: chunkKey, tailKey: commitKey, recorded, commit, size });
    } finally {
      await fh.close();
    }
  }

  get state(): StagingState {
    const { chunks, tail } = this.#commit;
    return { offset: this.#geometry.plainEnd(chunks) + tail.length, complete: chunks === this.#geometry.chunks };
  }

  /** Size of the complete age file (meaningful once complete). */
  get fileBytes(): number {
    return this.#geometry.byteEnd(this.#geometry.chunks);
  }

  /**
   * The complete staged file on disk, cut to exactly the committed bytes (anything past them was
   * never acknowledged), for a store that can take the file itself instead of a copy.
   */
  async completeFilePath(): Promise<string> {
    if (!this.state.complete) throw new Error('the staged upload is not complete');
    const path = join(this.shape.dir, PAYLOAD_FILE);
    await truncate(path, this.fileBytes);
    return path;
  }

  /** The complete age file, from its first header byte. */
  openFile(): Readable {
    if (!this.state.complete) throw new Error('the staged upload is not complete');
    return createReadStream(join(this.shape.dir, PAYLOAD_FILE), { start: 0, end: this.fileBytes - 1, highWaterMark: READ_BYTES });
  }

  /**
   * Starts appending at the current offset. Cuts off unacknowledged bytes first and, if the commit
   * record says more than the disk holds, rewrites it to what is really there, so nothing written
   * later can be mistaken for the chunks it named.
   */
  async append(): Promise<Appender> {
    const fh = await open(join(this.shape.dir, PAYLOAD_FILE), 'r+');
    try {
      const end = this.#geometry.byteEnd(this.#commit.chunks);
      if (this.#payloadSize !== end) {
        await fh.truncate(end);
        await fh.datasync();
      }
      const recorded = this.#recorded;
      if (recorded === undefined || recorded.chunks !== this.#commit.chunks || !recorded.tail.equals(this.#commit.tail)) {
        await writeCommit(this.shape, this.#tailKey, this.#commit);
      }
      return new Appender({
        fh,
        shape: this.shape,
        geometry: this.#geometry,
        payloadKey: this.#payloadKey,
        tailKey: this.#tailKey,
        commit: this.#commit,
      });
    } catch (error) {
      await fh.close();
      throw error;
    }
  }
}

/** Convenience: `Staging.open`. */
export function openStaging(shape: StagingShape, fileKey: Buffer): Promise<Staging> {
  return Staging.open(shape, fileKey);
}

async function readPrefix(fh: FileHandle, fileKey: Buffer): Promise<{ prefix: number; nonce: Buffer }> {
  const scan = { lineStart: 0 };
  let want = 4096;
  for (;;) {
    const buf = await readAt(fh, 0, want);
    let end: number;
    try {
      end = findHeaderEnd(buf, buf.length, scan);
    } catch (cause) {
      throw stagingError('the staged file does not start with an age header', cause);
    }
    if (end !== -1) {
      try {
        verifyHeaderMac(fileKey, parseHeader(buf.subarray(0, end)));
      } catch (cause) {
        throw stagingError('the staged age header does not match this upload’s key', cause);
      }
      const nonce =
        end + PAYLOAD_NONCE_SIZE <= buf.length ? Buffer.from(buf.subarray(end, end + PAYLOAD_NONCE_SIZE)) : await readAt(fh, end, PAYLOAD_NONCE_SIZE);
      if (nonce.length !== PAYLOAD_NONCE_SIZE) throw stagingError('the staged file has no payload nonce');
      return { prefix: end + PAYLOAD_NONCE_SIZE, nonce };
    }
    if (buf.length < want || want > MAX_HEADER_BYTES) throw stagingError('the staged age header is incomplete');
    want *= 4;
  }
}

async function verifyChunk(fh: FileHandle, geometry: Geometry, key: Buffer, index: number): Promise<boolean> {
  const size = geometry.plainOf(index) + TAG_SIZE;
  const chunk = await readAt(fh, geometry.byteEnd(index), size);
  if (chunk.length !== size) return false;
  const decipher = createDecipheriv('chacha20-poly1305', key, chunkNonce(index, index === geometry.chunks - 1), { authTagLength: TAG_SIZE });
  decipher.setAuthTag(chunk.subarray(size - TAG_SIZE));
  try {
    decipher.update(chunk.subarray(0, size - TAG_SIZE));
    decipher.final();
    return true;
  } catch {
    return false;
  }
}

function commitAad(head: Buffer, uploadId: string): Buffer {
  return Buffer.concat([head, Buffer.from(uploadId, 'utf8')]);
}

/** Reads tail.bin. Missing → undefined; unreadable (damaged, another key, impossible values) → undefined too: start over. */
async function readCommit(shape: StagingShape, key: Buffer, geometry: Geometry): Promise<Commit | undefined> {
  let record: Buffer;
  try {
    const fh = await open(join(shape.dir, COMMIT_FILE), 'r');
    try {
      record = await readAt(fh, 0, COMMIT_HEAD + GCM_IV + CHUNK_SIZE + GCM_TAG + 1);
    } finally {
      await fh.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (record.length < COMMIT_HEAD + GCM_IV + GCM_TAG || !record.subarray(0, COMMIT_MAGIC.length).equals(COMMIT_MAGIC)) return undefined;
  const head = record.subarray(0, COMMIT_HEAD);
  const chunks = head.readUInt32BE(4) * 0x100000000 + head.readUInt32BE(8);
  const iv = record.subarray(COMMIT_HEAD, COMMIT_HEAD + GCM_IV);
  const sealed = record.subarray(COMMIT_HEAD + GCM_IV, record.length - GCM_TAG);
  if (chunks > geometry.chunks || (chunks === geometry.chunks ? sealed.length > 0 : sealed.length >= geometry.plainOf(chunks))) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG });
  decipher.setAAD(commitAad(head, shape.uploadId));
  decipher.setAuthTag(record.subarray(record.length - GCM_TAG));
  try {
    return { chunks, tail: Buffer.concat([decipher.update(sealed), decipher.final()]) };
  } catch {
    return undefined;
  }
}

/** Replaces tail.bin atomically and durably: temporary file, fsync, rename, directory fsync. */
async function writeCommit(shape: StagingShape, key: Buffer, commit: Commit): Promise<void> {
  const head = Buffer.alloc(COMMIT_HEAD);
  COMMIT_MAGIC.copy(head, 0);
  head.writeUInt32BE(Math.floor(commit.chunks / 0x100000000), 4);
  head.writeUInt32BE(commit.chunks >>> 0, 8);
  const iv = randomBytes(GCM_IV);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG });
  cipher.setAAD(commitAad(head, shape.uploadId));
  const sealed = [cipher.update(commit.tail), cipher.final()];
  const temp = join(shape.dir, COMMIT_TEMP);
  const fh = await open(temp, 'w', 0o600);
  try {
    await fh.writev([head, iv, ...sealed, cipher.getAuthTag()]);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(temp, join(shape.dir, COMMIT_FILE));
  await syncDir(shape.dir);
}

/**
 * Appends plaintext to a staged upload. Bytes are gathered into blocks of up to 16 chunks; a block
 * of whole chunks (or the one ending the file) goes to the sealing pool's workers, and each sealed
 * block is written at its own place in payload.age (a single write(2): writev of many 64 KiB + 16 B
 * pieces costs several times more). A few blocks are sealed and written while the next fills; the
 * partial chunk stays in memory. Nothing counts until `commit()`; `discard()` forgets everything
 * since the last commit.
 */
export class Appender {
  readonly #fh: FileHandle;
  readonly #shape: StagingShape;
  readonly #geometry: Geometry;
  readonly #key: Buffer;
  readonly #tailKey: Buffer;
  readonly #pool: SealingPool;
  /** The first chunk of the block being filled. */
  #first: number;
  #block: ArrayBuffer;
  /** Plaintext bytes in the block. */
  #fill: number;
  /** Blocks handed to the pool, each settled once written. */
  #writing: Array<Promise<void>> = [];
  readonly #early: EarlySync;
  #committed: number;
  #closed = false;

  constructor(init: { fh: FileHandle; shape: StagingShape; geometry: Geometry; payloadKey: Buffer; tailKey: Buffer; commit: Commit; pool?: SealingPool }) {
    this.#fh = init.fh;
    this.#shape = init.shape;
    this.#geometry = init.geometry;
    this.#key = init.payloadKey;
    this.#tailKey = init.tailKey;
    this.#pool = init.pool ?? sealingPool();
    this.#early = new EarlySync(init.fh, EARLY_SYNC_BYTES);
    this.#first = init.commit.chunks;
    this.#block = this.#pool.block();
    new Uint8Array(this.#block).set(init.commit.tail);
    this.#fill = init.commit.tail.length;
    this.#committed = this.offset;
  }

  /** Plaintext offset including what is not committed yet. */
  get offset(): number {
    return this.#geometry.plainEnd(this.#first) + this.#fill;
  }

  /** Bytes taken since the last commit. */
  get uncommitted(): number {
    return this.offset - this.#committed;
  }

  /** Plaintext the block being filled takes before it goes: 16 chunks, or up to the end of the file. */
  get #capacity(): number {
    return Math.min(BLOCK_BYTES, this.#geometry.length - this.#geometry.plainEnd(this.#first));
  }

  /** Sends the first `length` bytes of the block (whole chunks, or the end of the file) to be sealed and written. */
  #dispatch(length: number): void {
    const geometry = this.#geometry;
    const first = this.#first;
    const final = geometry.plainEnd(first) + length === geometry.length;
    const chunks = chunksOf(length, final);
    const block = this.#block;
    const next = this.#pool.block();
    // The rest of a partial chunk moves to the next block before this one is handed over.
    if (this.#fill > length) new Uint8Array(next).set(new Uint8Array(block, length, this.#fill - length));
    const position = geometry.byteEnd(first);
    const written = this.#pool.seal(this.#key, first, final, block, length).then(async (sealed) => {
      await writeAt(this.#fh, sealed, position);
      this.#pool.recycle(sealed.buffer as ArrayBuffer);
      this.#early.wrote(sealed.length);
    });
    // Awaited in order later; observed now so that a failure is never an unhandled rejection.
    written.catch(() => undefined);
    this.#writing.push(written);
    this.#first += chunks;
    this.#fill -= length;
    this.#block = next;
  }

  /**
   * Takes the next plaintext bytes. The caller never passes more than the declared length allows.
   * Returns a promise only when enough blocks are in flight that this one must wait (await it
   * before the next call); otherwise the bytes are taken at once.
   */
  write(data: Uint8Array): Promise<void> | undefined {
    let piece = data;
    while (piece.length > 0) {
      const room = this.#capacity - this.#fill;
      if (room <= 0) throw new Error('write past the declared length');
      const n = Math.min(room, piece.length);
      new Uint8Array(this.#block).set(piece.subarray(0, n), this.#fill);
      this.#fill += n;
      piece = piece.subarray(n);
      if (this.#fill === this.#capacity) {
        this.#dispatch(this.#fill);
        if (this.#writing.length > this.#pool.size * BLOCKS_PER_WORKER) {
          const rest = piece;
          return (this.#writing.shift() as Promise<void>).then(() => {
            if (rest.length > 0) return this.write(rest);
          });
        }
      }
    }
    return undefined;
  }

  /**
   * Makes everything taken so far durable and acknowledged: chunks fsynced, then the commit record
   * (whole chunks + the partial one, sealed) replaced atomically. Returns the new offset.
   */
  async commit(): Promise<StagingState> {
    const whole = Math.floor(this.#fill / CHUNK_SIZE) * CHUNK_SIZE;
    if (whole > 0) this.#dispatch(whole);
    // An empty upload is one empty final chunk: there was no byte to seal it with.
    else if (this.#first === 0 && this.#geometry.length === 0) this.#dispatch(0);
    while (this.#writing.length > 0) await this.#writing.shift();
    await this.#early.settled();
    await this.#fh.datasync();
    await writeCommit(this.#shape, this.#tailKey, { chunks: this.#first, tail: Buffer.from(new Uint8Array(this.#block, 0, this.#fill)) });
    this.#committed = this.offset;
    return { offset: this.offset, complete: this.#first === this.#geometry.chunks };
  }

  /**
   * Forgets what was taken since the last commit (it may stay on disk, unacknowledged, until the
   * next append cuts it off). The appender is done with afterwards: close it.
   */
  async discard(): Promise<void> {
    await Promise.allSettled(this.#writing.splice(0));
    this.#fill = 0;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled(this.#writing.splice(0));
    await this.#early.settled();
    this.#pool.recycle(this.#block);
    await this.#fh.close();
  }
}
