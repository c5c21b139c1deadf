// Streams a directory tree as a POSIX tar written by tar-stream (ustar headers, a pax record where
// a name is not short ASCII or a number does not fit). The stream is pull-driven: a file is read
// one chunk at a time only when the consumer asks for more, so memory stays flat however large the
// files are.
import { constants } from 'node:fs';
import { type FileHandle, lstat, open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type Pack, pack as tarPack } from 'tar-stream';
import { AppError } from '../errors.ts';

const CHUNK = 64 * 1024;
/** Largest value an 11-digit octal size/mtime field holds (8 GiB - 1); beyond, pax records carry it. */
const MAX_OCTAL_11 = 8 ** 11 - 1;

export interface TarDirectoryOptions {
  /** Directory every entry is placed under inside the archive, e.g. `case-2026-0042`. */
  prefix?: string;
  /** Called with the running total of file content bytes written to the archive. */
  onProgress?(bytes: number): void;
}

/**
 * The tree under `dir` as a tar stream: sorted, so the same tree always gives the same bytes (and
 * the same digest); owners, uid/gid and modes are not carried (0644 files, 0755 directories).
 * The stream fails with `tar.not_directory`, `tar.path_unsafe` (prefix), `tar.entry_unsupported`
 * (a link, device or FIFO in the tree) or `tar.source_changed` (a file changed while read).
 */
export function tarDirectory(dir: string, options: TarDirectoryOptions = {}): Readable {
  return Readable.from(archive(dir, options), { objectMode: false, highWaterMark: CHUNK });
}

async function* archive(dir: string, options: TarDirectoryOptions): AsyncGenerator<Buffer> {
  const pack = tarPack();
  let failure: unknown;
  const producing = produce(pack, dir, options).then(
    () => pack.finalize(),
    (error: unknown) => {
      failure = error;
      pack.destroy(error as Error);
    },
  );
  try {
    for await (const chunk of pack as AsyncIterable<Buffer>) yield chunk;
  } catch (error) {
    throw failure ?? error;
  } finally {
    if (!pack.destroyed) pack.destroy();
    await producing;
  }
  if (failure) throw failure;
}

async function produce(pack: Pack, dir: string, options: TarDirectoryOptions): Promise<void> {
  const root = await stat(dir);
  if (!root.isDirectory()) throw new AppError('tar.not_directory', { message: `${dir} is not a directory`, params: { path: dir } });
  const segments = (options.prefix ?? '').split('/').filter((segment) => segment !== '');
  const prefix = segments.join('/');
  if (segments.some((segment) => segment === '..' || segment === '.')) {
    throw new AppError('tar.path_unsafe', { message: `unsafe prefix ${prefix}`, params: { path: prefix } });
  }
  if (prefix) await directory(pack, `${prefix}/`, root.mtimeMs);
  await walk(pack, dir, prefix, { bytes: 0, report: options.onProgress });
}

interface Progress {
  bytes: number;
  report: ((bytes: number) => void) | undefined;
}

async function walk(pack: Pack, dir: string, base: string, progress: Progress): Promise<void> {
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    const archiveName = base ? `${base}/${name}` : name;
    const info = await lstat(path);
    if (info.isDirectory()) {
      await directory(pack, `${archiveName}/`, info.mtimeMs);
      await walk(pack, path, archiveName, progress);
    } else if (info.isFile()) {
      await file(pack, path, archiveName, progress);
    } else {
      // Links would let a package point outside itself; devices and FIFOs are never evidence files.
      throw new AppError('tar.entry_unsupported', { message: `${archiveName} is not a regular file or directory`, params: { path: archiveName } });
    }
  }
}

/** The header fields every entry shares; pax records where ustar cannot hold the value. */
function header(name: string, size: number, mtimeMs: number) {
  const mtime = Math.floor(mtimeMs / 1000);
  const pax: Record<string, string> = {};
  if (size > MAX_OCTAL_11) pax.size = String(size);
  if (mtime < 0 || mtime > MAX_OCTAL_11) pax.mtime = String(mtime);
  return {
    name,
    size,
    mtime: new Date(pax.mtime === undefined ? mtime * 1000 : 0),
    uid: 0, // owners of the exporting host mean nothing to the recipient
    gid: 0,
    ...(Object.keys(pax).length > 0 ? { pax } : {}),
  };
}

async function directory(pack: Pack, name: string, mtimeMs: number): Promise<void> {
  await new Promise<void>((done, fail) =>
    pack.entry({ ...header(name, 0, mtimeMs), type: 'directory', mode: 0o755 }, (error) => (error ? fail(error) : done())),
  );
}

async function file(pack: Pack, path: string, name: string, progress: Progress): Promise<void> {
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
    let sink!: ReturnType<Pack['entry']>;
    let closed: unknown;
    const entryDone = new Promise<void>((done, fail) => {
      sink = pack.entry({ ...header(name, size, info.mtimeMs), type: 'file', mode: 0o644 }, (error) => (error ? fail(error) : done()));
    });
    entryDone.catch((error: unknown) => {
      closed = error;
    });
    let position = 0;
    while (position < size) {
      // A fresh buffer per chunk: the pack may still hold the previous one.
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK, size - position));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      progress.bytes += bytesRead;
      if (!sink.write(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead))) await drained(sink);
      if (closed) throw closed;
      progress.report?.(progress.bytes);
    }
    // The header promised `size` bytes; a file that shrank or grew meanwhile would corrupt the archive or silently differ.
    if (position !== size || (await handle.stat()).size !== size) {
      sink.destroy();
      throw new AppError('tar.source_changed', { message: `${name} changed while it was being archived`, params: { path: name } });
    }
    sink.end(null);
    await entryDone;
  } finally {
    await handle.close();
  }
}

function drained(sink: ReturnType<Pack['entry']>): Promise<void> {
  if (sink.destroyed) return Promise.reject(new Error('the tar entry was closed'));
  return new Promise((done, fail) => {
    const onDrain = () => {
      sink.off('close', onClose);
      done();
    };
    const onClose = () => {
      sink.off('drain', onDrain);
      fail(new Error('the tar entry was closed'));
    };
    sink.once('drain', onDrain);
    sink.once('close', onClose);
  });
}
