// Streams a directory tree as a pax tar. The stream is pull-driven (Readable.from over an async
// generator): a file is read one chunk at a time only when the consumer asks for more, so memory
// stays flat however large the files are.
import { constants } from 'node:fs';
import { type FileHandle, lstat, open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AppError } from '../errors.ts';
import { BLOCK, entryHeaders, padding } from './format.ts';

const CHUNK = 64 * 1024;

export interface TarDirectoryOptions {
  /** Directory every entry is placed under inside the archive, e.g. `case-2026-0042`. */
  prefix?: string;
  /** Called with the running total of file content bytes written to the archive. */
  onProgress?(bytes: number): void;
}

export function tarDirectory(dir: string, options: TarDirectoryOptions = {}): Readable {
  return Readable.from(entries(dir, options), { objectMode: false, highWaterMark: CHUNK });
}

async function* entries(dir: string, options: TarDirectoryOptions): AsyncGenerator<Buffer> {
  const root = await stat(dir);
  if (!root.isDirectory()) throw new AppError('tar.not_directory', { message: `${dir} is not a directory`, params: { path: dir } });
  const segments = (options.prefix ?? '').split('/').filter((segment) => segment !== '');
  const prefix = segments.join('/');
  if (segments.some((segment) => segment === '..' || segment === '.')) {
    throw new AppError('tar.path_unsafe', { message: `unsafe prefix ${prefix}`, params: { path: prefix } });
  }
  if (prefix) yield entryHeaders({ name: `${prefix}/`, type: 'directory', size: 0, mtime: seconds(root.mtimeMs) });
  const progress = { bytes: 0, report: options.onProgress };
  yield* walk(dir, prefix, progress);
  yield Buffer.alloc(2 * BLOCK); // end-of-archive marker
}

async function* walk(dir: string, base: string, progress: Progress): AsyncGenerator<Buffer> {
  // Sorted, so the same tree always gives the same bytes (and the same digest).
  const names = (await readdir(dir)).sort();
  for (const name of names) {
    const path = join(dir, name);
    const archiveName = base ? `${base}/${name}` : name;
    const info = await lstat(path);
    if (info.isDirectory()) {
      yield entryHeaders({ name: `${archiveName}/`, type: 'directory', size: 0, mtime: seconds(info.mtimeMs) });
      yield* walk(path, archiveName, progress);
    } else if (info.isFile()) {
      yield* file(path, archiveName, progress);
    } else {
      // Links would let a package point outside itself; devices and FIFOs are never evidence files.
      throw new AppError('tar.entry_unsupported', { message: `${archiveName} is not a regular file or directory`, params: { path: archiveName } });
    }
  }
}

interface Progress {
  bytes: number;
  report: ((bytes: number) => void) | undefined;
}

async function* file(path: string, name: string, progress: Progress): AsyncGenerator<Buffer> {
  // O_NOFOLLOW and fstat on the open handle: the size in the header is that of the file we read,
  // even if the path was swapped for a symlink since lstat.
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP')
      throw new AppError('tar.entry_unsupported', { message: `${name} is a symlink`, params: { path: name } });
    throw error;
  }
  try {
    const info = await handle.stat();
    const size = info.size;
    yield entryHeaders({ name, type: 'file', size, mtime: seconds(info.mtimeMs) });
    let position = 0;
    while (position < size) {
      // A fresh buffer per chunk: the consumer may still hold the previous one.
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK, size - position));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      progress.bytes += bytesRead;
      yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
      progress.report?.(progress.bytes);
    }
    // The header promised `size` bytes; a file that shrank or grew meanwhile would corrupt the archive or silently differ.
    if (position !== size || (await handle.stat()).size !== size) {
      throw new AppError('tar.source_changed', { message: `${name} changed while it was being archived`, params: { path: name } });
    }
    if (padding(size) > 0) yield Buffer.alloc(padding(size));
  } finally {
    await handle.close();
  }
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}
