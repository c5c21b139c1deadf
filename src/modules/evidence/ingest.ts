import { createHash, type Hash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { encryptStreamParallel, PayloadSealer } from '../../lib/age/parallel.ts';
import { plaintextTap } from '../../lib/age/plaintext-tap.ts';
import { BLOCK_BYTES } from '../../lib/age/sealing-pool.ts';
import { type BlobStore, sizeMismatch } from '../../storage/blobs/port.ts';

/** What imaging tools record beside SHA-256, computed only when asked for. */
export interface ExtraDigests {
  md5?: boolean;
  sha1?: boolean;
}

export interface Ingested {
  /** Plaintext size. */
  bytes: number;
  /** The evidence identity: SHA-256 of the plaintext, hex. */
  sha256: string;
  md5?: string;
  sha1?: string;
  blobKey: string;
  /** Size of the stored (age-encrypted) blob. */
  storedBytes: number;
}

/** Bytes each stage of an intake pipeline may hold, so that reading, hashing, sealing and writing overlap. */
const FLOW_BYTES = 4 * 1024 * 1024;

/** The digests of a plaintext, as an item records them. */
export type DigestSet = Pick<Ingested, 'sha256' | 'md5' | 'sha1'>;

/** SHA-256 of a plaintext, and MD5 / SHA-1 when asked for, fed piece by piece. */
export class Digests {
  readonly #hashes: Array<[name: 'sha256' | 'md5' | 'sha1', hash: Hash]>;

  constructor(extra: ExtraDigests | undefined, hashes?: Array<[name: 'sha256' | 'md5' | 'sha1', hash: Hash]>) {
    this.#hashes = hashes ?? [['sha256', createHash('sha256')]];
    if (hashes === undefined && extra?.md5) this.#hashes.push(['md5', createHash('md5')]);
    if (hashes === undefined && extra?.sha1) this.#hashes.push(['sha1', createHash('sha1')]);
  }

  update(piece: Uint8Array): void {
    for (const [, hash] of this.#hashes) hash.update(piece);
  }

  /** An independent copy of the state so far: feeding one does not change the other. */
  copy(): Digests {
    return new Digests(
      undefined,
      this.#hashes.map(([name, hash]) => [name, hash.copy()]),
    );
  }

  /** The hex digests (the state is consumed). */
  finish(): DigestSet {
    const digest = Object.fromEntries(this.#hashes.map(([name, hash]) => [name, hash.digest('hex')])) as Record<string, string>;
    return {
      sha256: digest.sha256 as string,
      ...(digest.md5 ? { md5: digest.md5 } : {}),
      ...(digest.sha1 ? { sha1: digest.sha1 } : {}),
    };
  }
}

/**
 * One streaming pass per file: the plaintext is hashed (SHA-256, and MD5/SHA-1 on request) on this
 * thread as it flows into age encryption (to the vault's recipients: a per-file key, 64 KiB
 * ChaCha20-Poly1305 chunks, sealed by the sealing pool's workers on the other cores) and on into
 * the blob store. Memory stays flat whatever the size; nothing is visible under `blobKey` unless
 * every byte made it.
 */
export async function ingest(
  source: Readable,
  options: { store: BlobStore; recipients: readonly string[]; blobKey: string; digests?: ExtraDigests; onProgress?: (plaintextBytes: number) => void },
): Promise<Ingested> {
  const digests = new Digests(options.digests);
  let bytes = 0;
  const measure = new Transform({
    // Room for a few MiB, so the source reads ahead while this thread hashes (16 KiB, the
    // default, paused the reads after every chunk).
    highWaterMark: FLOW_BYTES,
    transform(chunk: Buffer, _encoding, done) {
      digests.update(chunk);
      bytes += chunk.length;
      options.onProgress?.(bytes);
      done(null, chunk);
    },
  });
  const stored = new PassThrough({ highWaterMark: FLOW_BYTES });
  const encrypt = encryptStreamParallel(options.recipients);
  // pipeline destroys every stage on a failure, so the store sees a failing source and keeps nothing;
  // both sides are awaited so that the store has cleaned up before the caller hears of it.
  const [flowed, written] = await Promise.allSettled([
    pipeline(source, measure, encrypt, stored),
    options.store.put(options.blobKey, stored, { release: (chunk) => encrypt.release(chunk) }),
  ]);
  if (flowed.status === 'rejected') throw flowed.reason;
  if (written.status === 'rejected') throw written.reason;
  return { bytes, ...digests.finish(), blobKey: options.blobKey, storedBytes: written.value.bytes };
}

/**
 * `ingest` for a file on the node's own disk (the CLI): the same pass, with the file read straight
 * into the sealing pool's blocks, the next block's read under way while this one is hashed. No
 * stream buffers are allocated or copied per chunk, which is most of what a stream costs here.
 */
export async function ingestFile(
  path: string,
  options: { store: BlobStore; recipients: readonly string[]; blobKey: string; digests?: ExtraDigests; onProgress?: (plaintextBytes: number) => void },
): Promise<Ingested> {
  const digests = new Digests(options.digests);
  const sealer = new PayloadSealer(options.recipients);
  const pool = sealer.pool;
  const file = await open(path, 'r');
  let bytes = 0;
  async function* sealed(): AsyncGenerator<Buffer> {
    try {
      yield* sealer.prefix;
      let block = pool.block();
      let length = await readBlock(file, block);
      for (;;) {
        // Only a full block can be followed by more bytes.
        const next = length === BLOCK_BYTES ? pool.block() : undefined;
        const reading = next ? readBlock(file, next) : Promise.resolve(0);
        digests.update(new Uint8Array(block, 0, length));
        bytes += length;
        options.onProgress?.(bytes);
        const nextLength = await reading;
        const final = nextLength === 0;
        sealer.seal(block, length, final);
        if (final || !next) {
          if (next) pool.recycle(next);
          break;
        }
        [block, length] = [next, nextLength];
        while (sealer.inFlight >= sealer.maxInFlight) yield await sealer.next();
      }
      while (sealer.inFlight > 0) yield await sealer.next();
    } finally {
      await file.close();
    }
  }
  let written: Awaited<ReturnType<BlobStore['put']>>;
  try {
    written = await options.store.put(options.blobKey, Readable.from(sealed(), { objectMode: false, highWaterMark: FLOW_BYTES }), {
      release: (chunk) => sealer.release(chunk),
    });
  } finally {
    // The generator closes it once it runs; a store that failed before reading never started it.
    await file.close().catch(() => undefined);
  }
  return { bytes, ...digests.finish(), blobKey: options.blobKey, storedBytes: written.bytes };
}

/** Fills `block` with up to BLOCK_BYTES from the file's current position; fewer means its end. */
async function readBlock(file: FileHandle, block: ArrayBuffer): Promise<number> {
  const view = new Uint8Array(block, 0, BLOCK_BYTES);
  let filled = 0;
  while (filled < BLOCK_BYTES) {
    const { bytesRead } = await file.read(view, filled, BLOCK_BYTES - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

/**
 * Takes an age file already encrypted to the vault (a staged tus upload) into the blob store as it
 * is: the ciphertext is stored byte for byte. The plaintext's digests are either `known` (computed
 * as the upload arrived, from the bytes that were sealed into this file) or found by decrypting it
 * on the way; then a file that does not decrypt, or whose plaintext is not `expectedBytes` long,
 * stores nothing.
 */
export async function ingestEncrypted(
  source: Readable,
  options: {
    store: BlobStore;
    identities: readonly string[];
    blobKey: string;
    expectedBytes: number;
    /** The same age file on the node's disk, which a store offering `adoptFile` may take as it is. */
    path?: string;
    digests?: ExtraDigests;
    /** The plaintext's digests, when the caller hashed it as it was sealed (every one `digests` asks for). */
    known?: DigestSet;
    onProgress?: (plaintextBytes: number) => void;
  },
): Promise<Ingested> {
  const known = options.known;
  if (known) {
    // Nothing to learn from the bytes: a store on this disk moves the file in without reading it.
    if (options.path && options.store.adoptFile) {
      source.destroy();
      const adopted = await options.store.adoptFile(options.blobKey, options.path);
      options.onProgress?.(options.expectedBytes);
      return { bytes: options.expectedBytes, ...known, blobKey: options.blobKey, storedBytes: adopted.bytes };
    }
    const written = await options.store.put(options.blobKey, source);
    options.onProgress?.(options.expectedBytes);
    return { bytes: options.expectedBytes, ...known, blobKey: options.blobKey, storedBytes: written.bytes };
  }
  const digests = new Digests(options.digests);
  let bytes = 0;
  const check = plaintextTap(options.identities, {
    plaintext(parts) {
      for (const part of parts) {
        digests.update(part);
        bytes += part.length;
      }
      options.onProgress?.(bytes);
      if (bytes > options.expectedBytes) throw sizeMismatch(options.expectedBytes, bytes);
    },
    end() {
      if (bytes !== options.expectedBytes) throw sizeMismatch(options.expectedBytes, bytes);
    },
  });
  // A file on the node's disk that the store can take as it is: hash it in one reading pass, then
  // move it in (no second write of the bytes).
  if (options.path && options.store.adoptFile) {
    await pipeline(source, check, new Writable({ write: (_chunk, _encoding, done) => done() }));
    const adopted = await options.store.adoptFile(options.blobKey, options.path);
    return { bytes, ...digests.finish(), blobKey: options.blobKey, storedBytes: adopted.bytes };
  }
  const stored = new PassThrough();
  const [flowed, written] = await Promise.allSettled([pipeline(source, check, stored), options.store.put(options.blobKey, stored)]);
  if (flowed.status === 'rejected') throw flowed.reason;
  if (written.status === 'rejected') throw written.reason;
  return { bytes, ...digests.finish(), blobKey: options.blobKey, storedBytes: written.value.bytes };
}
