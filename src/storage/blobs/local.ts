import { randomBytes } from 'node:crypto';
import { createReadStream, type Dirent } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { EarlySync } from '../../lib/early-sync.ts';
import { AppError } from '../../lib/errors.ts';
import { writeAt } from '../../lib/write-at.ts';
import {
  type BlobStat,
  type BlobStore,
  type ByteRange,
  checkExpectedBytes,
  type PutOptions,
  type PutResult,
  resolveRange,
  sizeMismatch,
  validateKey,
  validatePrefix,
  validateRange,
} from './port.ts';

export interface LocalBlobStoreOptions {
  /** Directory that holds the blobs; created on the first `put`. Key `a/b/c` is the file `<root>/a/b/c`. */
  root: string;
  /** Permission bits of new blob files (before the umask). Default 0o600; new directories are 0o700. */
  fileMode?: number;
}

const TEMP_PREFIX = '.tmp-';
const KEY_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Blobs as files under a root directory.
 *
 * `put` writes `<dir>/.tmp-<random>` in the key's own directory (so the rename stays on one
 * filesystem), pulls the source chunk by chunk (each write is awaited before the next chunk is
 * read, so memory stays flat whatever the size), `fsync`s the file, renames it over the key and
 * `fsync`s the directory (and any directory it had to create). On any failure the temporary file is
 * removed and nothing changes under the key. Temporary files left by a crash start with `.` and
 * are never listed; {@link LocalBlobStore.removeStaleTemporaries} clears them.
 *
 * A key cannot also be a "directory" of other keys here (`a` and `a/b`): the second `put` fails with
 * `blob.key_conflict`. Content-addressed keys never collide that way. Empty directories left by
 * `delete` stay (removing them would race with a concurrent `put` into the same directory).
 */
export class LocalBlobStore implements BlobStore {
  readonly root: string;
  readonly #fileMode: number;

  constructor(options: LocalBlobStoreOptions) {
    this.root = resolve(options.root);
    this.#fileMode = options.fileMode ?? 0o600;
  }

  #path(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, source: Readable, options: PutOptions = {}): Promise<PutResult> {
    try {
      validateKey(key);
      checkExpectedBytes(options.expectedBytes);
    } catch (error) {
      source.destroy();
      throw error;
    }
    const expected = options.expectedBytes;
    const path = this.#path(key);
    const dir = dirname(path);
    let temp: string | undefined;
    let file: FileHandle | undefined;
    let early: EarlySync | undefined;
    let bytes = 0;
    let sourceFailed = false;
    const chunks = source[Symbol.asyncIterator]();
    const writes: Array<{ bytes: number; done: Promise<void> }> = [];
    let inFlight = 0;
    const settleOldest = async () => {
      const oldest = writes.shift();
      if (!oldest) return;
      await oldest.done;
      inFlight -= oldest.bytes;
    };
    try {
      const firstCreated = await mkdir(dir, { recursive: true, mode: 0o700 });
      temp = join(dir, TEMP_PREFIX + randomBytes(12).toString('hex'));
      file = await open(temp, 'wx', this.#fileMode);
      early = new EarlySync(file, EARLY_SYNC_BYTES);
      for (;;) {
        let next: IteratorResult<unknown>;
        try {
          next = await chunks.next();
        } catch (error) {
          sourceFailed = true;
          throw error;
        }
        if (next.done) break;
        const chunk = toBytes(next.value);
        if (chunk.length === 0) continue;
        const position = bytes;
        bytes += chunk.length;
        if (expected !== undefined && bytes > expected) throw sizeMismatch(expected, bytes);
        // Write-behind: a few MiB of positioned writes stay in flight while the next chunks are
        // produced, so the producer's CPU work and the disk overlap; memory stays bounded.
        const done = writeAt(file, chunk, position);
        // Observed here so a write failing before its turn to be awaited is not an unhandled rejection.
        done.then(
          () => {
            early?.wrote(chunk.length);
            options.release?.(chunk);
          },
          () => {},
        );
        writes.push({ bytes: chunk.length, done });
        inFlight += chunk.length;
        while (inFlight > WRITE_BEHIND_BYTES) await settleOldest();
        options.onProgress?.(bytes);
      }
      while (writes.length > 0) await settleOldest();
      if (expected !== undefined && bytes !== expected) throw sizeMismatch(expected, bytes);
      await early.settled();
      await file.sync();
      await file.close();
      file = undefined;
      await rename(temp, path);
      temp = undefined;
      await syncNewEntry(dir, firstCreated);
      return { key, bytes };
    } catch (error) {
      // Writes still in flight must finish (or fail) before the file is closed and removed.
      await Promise.allSettled(writes.map((w) => w.done));
      await early?.settled();
      await file?.close().catch(() => {});
      if (temp !== undefined) await unlink(temp).catch(() => {});
      if (!sourceFailed) await chunks.return?.().catch(() => {});
      source.destroy();
      throw writeError(error, key, sourceFailed);
    }
  }

  /**
   * Renames a complete local file into the store: fsync the file, rename it over the key, fsync
   * the directory. Across filesystems (EXDEV) it is copied with `put` and the original removed.
   */
  async adoptFile(key: string, path: string): Promise<PutResult> {
    validateKey(key);
    const target = this.#path(key);
    const dir = dirname(target);
    let handle: FileHandle | undefined;
    try {
      handle = await open(path, 'r+');
      await handle.sync();
      const { size } = await handle.stat();
      await handle.close();
      handle = undefined;
      const firstCreated = await mkdir(dir, { recursive: true, mode: 0o700 });
      try {
        await rename(path, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
        const copied = await this.put(key, createReadStream(path), { expectedBytes: size });
        await unlink(path);
        return copied;
      }
      await syncNewEntry(dir, firstCreated);
      return { key, bytes: size };
    } catch (error) {
      await handle?.close().catch(() => {});
      if (error instanceof AppError) throw error;
      throw writeError(error, key, false);
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    validateKey(key);
    validateRange(range);
    let file: FileHandle;
    try {
      file = await open(this.#path(key), 'r');
    } catch (error) {
      if (isMissing(error)) throw notFound(key);
      throw new AppError('blob.read_failed', { message: `cannot open blob ${key}`, cause: error });
    }
    try {
      const info = await file.stat();
      if (!info.isFile()) throw notFound(key);
      if (range === undefined) return file.createReadStream({ highWaterMark: READ_BYTES });
      const { start, end } = resolveRange(range, info.size);
      return file.createReadStream({ start, end, highWaterMark: READ_BYTES });
    } catch (error) {
      await file.close().catch(() => {});
      if (error instanceof AppError) throw error;
      throw new AppError('blob.read_failed', { message: `cannot read blob ${key}`, cause: error });
    }
  }

  async stat(key: string): Promise<BlobStat | undefined> {
    validateKey(key);
    try {
      const info = await stat(this.#path(key));
      return info.isFile() ? { bytes: info.size, modifiedAt: info.mtime } : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw new AppError('blob.read_failed', { message: `cannot stat blob ${key}`, cause: error });
    }
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    const path = this.#path(key);
    try {
      await unlink(path);
    } catch (error) {
      // Missing, or a directory of other keys (EISDIR on Linux): either way there is no blob to remove.
      if (isMissing(error) || errorCode(error) === 'EISDIR') return;
      throw new AppError('blob.delete_failed', { message: `cannot delete blob ${key}`, cause: error });
    }
    try {
      await syncDirectory(dirname(path));
    } catch (error) {
      throw new AppError('blob.delete_failed', { message: `deleted blob ${key} but could not sync its directory`, cause: error });
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    validatePrefix(prefix);
    const slash = prefix.lastIndexOf('/');
    yield* this.#walk(slash < 0 ? '' : prefix.slice(0, slash), prefix);
  }

  /**
   * Depth-first over sorted entries, comparing a directory as `name/`: that gives the keys in
   * plain ascending order (every key below `d` starts with `d/`). Only subtrees that can hold
   * matching keys are entered.
   */
  async *#walk(dirKey: string, prefix: string): AsyncGenerator<string> {
    const entries = await this.#entries(dirKey);
    for (const entry of entries) {
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      if (entry.directory) {
        const below = `${key}/`;
        if (below.startsWith(prefix) || prefix.startsWith(below)) yield* this.#walk(key, prefix);
      } else if (key.startsWith(prefix)) {
        yield key;
      }
    }
  }

  async #entries(dirKey: string): Promise<Array<{ name: string; directory: boolean; order: string }>> {
    let dirents: Dirent[];
    try {
      dirents = await readdir(dirKey === '' ? this.root : this.#path(dirKey), { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return [];
      throw new AppError('blob.read_failed', { message: `cannot list ${dirKey || '(root)'}`, cause: error });
    }
    return dirents
      .filter((d) => !d.name.startsWith('.') && KEY_NAME.test(d.name) && (d.isFile() || d.isDirectory()))
      .map((d) => ({ name: d.name, directory: d.isDirectory(), order: d.isDirectory() ? `${d.name}/` : d.name }))
      .sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  }

  /**
   * Removes `.tmp-*` files older than `olderThanMs` (default one hour) left behind by a crash
   * mid-`put`. Returns how many were removed. Safe beside running `put`s as long as no upload
   * takes longer than `olderThanMs` (their temporary files are touched on every write).
   */
  async removeStaleTemporaries(olderThanMs = 3_600_000, now = Date.now()): Promise<number> {
    let removed = 0;
    const visit = async (dir: string): Promise<void> => {
      let dirents: Dirent[];
      try {
        dirents = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (isMissing(error)) return;
        throw error;
      }
      for (const d of dirents) {
        const path = join(dir, d.name);
        if (d.isDirectory()) await visit(path);
        else if (d.isFile() && d.name.startsWith(TEMP_PREFIX)) {
          const info = await stat(path).catch(() => undefined);
          if (info && now - info.mtimeMs > olderThanMs) {
            await unlink(path).catch(() => {});
            removed++;
          }
        }
      }
    };
    await visit(this.root);
    return removed;
  }
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new AppError('blob.write_failed', { message: 'the source yielded something other than bytes' });
}

/** Reads of `get`: 1 MiB (the default 64 KiB made a 4 GiB export 65,536 reads). */
const READ_BYTES = 1024 * 1024;
/** How many bytes of writes may be under way at once (see `put`). */
const WRITE_BEHIND_BYTES = 8 * 1024 * 1024;
/** A datasync starts in the background every this many bytes written (lib/early-sync.ts). */
const EARLY_SYNC_BYTES = 32 * 1024 * 1024;

/**
 * Makes a new entry in `dir` durable: the directory itself, then each directory `mkdir` created for
 * it (`firstCreated`, the topmost), since each one's entry lives in its parent, up to one that existed.
 */
async function syncNewEntry(dir: string, firstCreated: string | undefined): Promise<void> {
  await syncDirectory(dir);
  if (firstCreated === undefined) return;
  const existed = dirname(firstCreated);
  for (let d = dirname(dir); ; d = dirname(d)) {
    await syncDirectory(d);
    if (d === existed || d === dirname(d)) break;
  }
}

/** Makes a rename or unlink inside `dir` durable. Filesystems that cannot fsync a directory say EINVAL. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    if (errorCode(error) !== 'EINVAL') throw error;
  } finally {
    await handle.close();
  }
}

function writeError(error: unknown, key: string, fromSource: boolean): AppError {
  if (error instanceof AppError) return error;
  if (fromSource) {
    return new AppError('blob.write_failed', { message: `the source of blob ${key} failed`, params: { stage: 'source' }, cause: error });
  }
  const code = errorCode(error);
  if (code === 'ENOSPC' || code === 'EDQUOT') return new AppError('blob.disk_full', { message: `no space left to store blob ${key}`, cause: error });
  if (code === 'ENOTDIR' || code === 'EISDIR' || code === 'EEXIST' || code === 'ENOTEMPTY') {
    return new AppError('blob.key_conflict', { message: `blob key ${key} collides with another key's path`, cause: error });
  }
  return new AppError('blob.write_failed', { message: `cannot store blob ${key}`, params: { stage: 'write' }, cause: error });
}

function notFound(key: string): AppError {
  return new AppError('blob.not_found', { message: `no blob ${key}`, params: { key } });
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}
