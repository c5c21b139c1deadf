import { createHash, type Hash } from 'node:crypto';
import { PassThrough, type Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Decryptor } from '../../lib/age/age.ts';
import { encryptStreamParallel } from '../../lib/age/parallel.ts';
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

/**
 * One streaming pass per file: the plaintext is hashed (SHA-256, and MD5/SHA-1 on request) on this
 * thread as it flows into age encryption (to the vault's recipients: a per-file key, 64 KiB
 * ChaCha20-Poly1305 chunks, sealed by the sealing pool's workers on the other cores) and on into
 * the blob store. Memory stays flat whatever the size; nothing is visible under
 * `blobKey` unless every byte made it.
 */
function digestsFor(extra: ExtraDigests | undefined): Array<[name: 'sha256' | 'md5' | 'sha1', hash: Hash]> {
  const hashes: Array<[name: 'sha256' | 'md5' | 'sha1', hash: Hash]> = [['sha256', createHash('sha256')]];
  if (extra?.md5) hashes.push(['md5', createHash('md5')]);
  if (extra?.sha1) hashes.push(['sha1', createHash('sha1')]);
  return hashes;
}

function finishDigests(hashes: Array<[name: 'sha256' | 'md5' | 'sha1', hash: Hash]>): Pick<Ingested, 'sha256' | 'md5' | 'sha1'> {
  const digest = Object.fromEntries(hashes.map(([name, hash]) => [name, hash.digest('hex')])) as Record<string, string>;
  return {
    sha256: digest.sha256 as string,
    ...(digest.md5 ? { md5: digest.md5 } : {}),
    ...(digest.sha1 ? { sha1: digest.sha1 } : {}),
  };
}

export async function ingest(
  source: Readable,
  options: { store: BlobStore; recipients: readonly string[]; blobKey: string; digests?: ExtraDigests; onProgress?: (plaintextBytes: number) => void },
): Promise<Ingested> {
  const hashes = digestsFor(options.digests);
  let bytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      for (const [, hash] of hashes) hash.update(chunk);
      bytes += chunk.length;
      options.onProgress?.(bytes);
      done(null, chunk);
    },
  });
  const stored = new PassThrough();
  const encrypt = encryptStreamParallel(options.recipients);
  // pipeline destroys every stage on a failure, so the store sees a failing source and keeps nothing;
  // both sides are awaited so that the store has cleaned up before the caller hears of it.
  const [flowed, written] = await Promise.allSettled([
    pipeline(source, measure, encrypt, stored),
    options.store.put(options.blobKey, stored, { release: (chunk) => encrypt.release(chunk) }),
  ]);
  if (flowed.status === 'rejected') throw flowed.reason;
  if (written.status === 'rejected') throw written.reason;
  return { bytes, ...finishDigests(hashes), blobKey: options.blobKey, storedBytes: written.value.bytes };
}

/**
 * Takes an age file already encrypted to the vault (a staged tus upload) into the blob store as it
 * is, decrypting it on the way only to hash the plaintext: the ciphertext is stored byte for byte,
 * and a file that does not decrypt, or whose plaintext is not `expectedBytes` long, stores nothing.
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
    onProgress?: (plaintextBytes: number) => void;
  },
): Promise<Ingested> {
  const hashes = digestsFor(options.digests);
  const decryptor = new Decryptor(options.identities, { armor: false });
  let bytes = 0;
  const absorb = (parts: Buffer[]) => {
    for (const part of parts) {
      for (const [, hash] of hashes) hash.update(part);
      bytes += part.length;
    }
    options.onProgress?.(bytes);
  };
  const check = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        absorb(decryptor.update(chunk));
        if (bytes > options.expectedBytes) throw sizeMismatch(options.expectedBytes, bytes);
        done(null, chunk);
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done) {
      try {
        absorb(decryptor.final());
        if (bytes !== options.expectedBytes) throw sizeMismatch(options.expectedBytes, bytes);
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
  // A file on the node's disk that the store can take as it is: hash it in one reading pass, then
  // move it in (no second write of the bytes).
  if (options.path && options.store.adoptFile) {
    await pipeline(source, check, new Writable({ write: (_chunk, _encoding, done) => done() }));
    const adopted = await options.store.adoptFile(options.blobKey, options.path);
    return { bytes, ...finishDigests(hashes), blobKey: options.blobKey, storedBytes: adopted.bytes };
  }
  const stored = new PassThrough();
  const [flowed, written] = await Promise.allSettled([pipeline(source, check, stored), options.store.put(options.blobKey, stored)]);
  if (flowed.status === 'rejected') throw flowed.reason;
  if (written.status === 'rejected') throw written.reason;
  return { bytes, ...finishDigests(hashes), blobKey: options.blobKey, storedBytes: written.value.bytes };
}
