// Safe, streaming tar extraction. Archives come from uploads, so every header is distrusted: the
// checksum is verified, names must stay inside the target, only files and directories are
// written, and a short stream is an error rather than a quietly partial extraction.
import { mkdir, open, readdir, stat, utimes } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { AppError } from '../errors.ts';
import { BLOCK, decodeUtf8, isZeroBlock, malformed, padding, parseHeader, parsePax } from './format.ts';

/** Cap on pax / GNU long-name data: real ones are a few hundred bytes, a huge one is an attack. */
const MAX_META = 1024 * 1024;
/** Cap on zero padding after the end marker (GNU tar pads to 10 KiB records). */
const MAX_TRAILER = 1024 * 1024;

export interface ExtractOptions {
  /** Most file content bytes to write in total (`tar.too_large` beyond). */
  maxBytes?: number;
  /** Most entries (files and directories) to accept (`tar.too_large` beyond). */
  maxEntries?: number;
  /** Called with the running total of file content bytes written. */
  onProgress?(bytes: number): void;
}

/**
 * Extracts into `dir`, which must exist and be empty (so nothing there can be overwritten or be
 * a planted symlink). On failure the source is destroyed and `dir` may hold a partial tree: the
 * caller discards it. Files get mode 0644 and directories 0755 whatever the archive says.
 */
export async function extractTar(source: Readable, dir: string, options: ExtractOptions = {}): Promise<{ files: number; bytes: number }> {
  const root = resolve(dir);
  if (!(await stat(root)).isDirectory() || (await readdir(root)).length > 0) {
    throw new AppError('tar.target_not_empty', { message: `${dir} is not an empty directory`, params: { path: dir } });
  }
  const input = new ByteReader(source);
  try {
    return await extract(input, root, options);
  } catch (error) {
    await input.close();
    throw error;
  }
}

async function extract(input: ByteReader, root: string, options: ExtractOptions): Promise<{ files: number; bytes: number }> {
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const maxEntries = options.maxEntries ?? Number.POSITIVE_INFINITY;
  let files = 0;
  let bytes = 0;
  let entries = 0;
  let pax: Map<string, string> | undefined;
  let longName: string | undefined;
  for (;;) {
    const block = await input.read(BLOCK);
    if (isZeroBlock(block)) {
      if (pax || longName) throw malformed('extended header without an entry');
      await input.expectZeros(MAX_TRAILER);
      return { files, bytes };
    }
    const header = parseHeader(block);
    const type = header.typeflag;
    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      if (header.size > MAX_META) throw new AppError('tar.too_large', { message: 'extended header too large' });
      const data = await input.read(header.size);
      await input.skip(padding(header.size));
      // Global headers (`g`) and long link names (`K`) carry nothing a file/directory-only extractor needs.
      if (type === 'x') pax = parsePax(data);
      else if (type === 'L') longName = decodeUtf8(data.subarray(0, data.indexOf(0) === -1 ? data.length : data.indexOf(0)));
      continue;
    }
    const name = pax?.get('path') || longName || header.name;
    const size = pax?.has('size') ? paxNumber(pax.get('size')!, 'size') : header.size;
    // mtime is only a courtesy (contents are verified by digest): an odd pax value falls back to the header.
    const paxMtime = Number.parseFloat(pax?.get('mtime') ?? '');
    const mtime = Number.isFinite(paxMtime) ? paxMtime : header.mtime;
    if ([...(pax?.keys() ?? [])].some((key) => key.startsWith('GNU.sparse.'))) {
      throw new AppError('tar.entry_unsupported', { message: `${name} is a sparse file`, params: { path: name } });
    }
    pax = undefined;
    longName = undefined;
    const regular = type === '0' || type === '\0' || type === '7';
    if (type !== '5' && !regular) {
      // Symlinks and hard links could aim writes outside the target; devices and FIFOs are never evidence.
      throw new AppError('tar.entry_unsupported', { message: `${name}: entry type ${JSON.stringify(type)} is not supported`, params: { path: name, type } });
    }
    if (++entries > maxEntries) throw new AppError('tar.too_large', { message: `more than ${maxEntries} entries`, params: { maxEntries } });
    const target = safeTarget(root, name);
    if (type === '5' || name.endsWith('/')) {
      if (target !== root) await fsStep(name, () => mkdir(target, { recursive: true, mode: 0o755 }));
      await input.skip(size + padding(size));
      continue;
    }
    if (bytes + size > maxBytes) throw new AppError('tar.too_large', { message: `more than ${maxBytes} bytes`, params: { maxBytes } });
    await fsStep(name, () => mkdir(dirname(target), { recursive: true, mode: 0o755 }));
    // `wx` (O_CREAT|O_EXCL): never follows or replaces an existing path, so duplicates fail.
    const handle = await fsStep(name, () => open(target, 'wx', 0o644));
    try {
      for await (const chunk of input.take(size)) {
        let written = 0;
        while (written < chunk.length) written += (await handle.write(chunk, written)).bytesWritten;
        bytes += chunk.length;
        options.onProgress?.(bytes);
      }
    } finally {
      await handle.close();
    }
    await utimes(target, mtime, mtime);
    await input.skip(padding(size));
    files++;
  }
}

function paxNumber(value: string, key: string): number {
  const number = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(number)) throw malformed(`bad pax ${key}`);
  return number;
}

/** The absolute path for `name`, refusing absolute names and `..` (and checking the result anyway). */
export function safeTarget(root: string, name: string): string {
  const segments = name.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (name.startsWith('/') || name.includes('\0') || segments.includes('..')) {
    throw new AppError('tar.path_unsafe', { message: `unsafe path ${JSON.stringify(name)}`, params: { path: name } });
  }
  const target = resolve(root, ...segments);
  if (target !== root && !target.startsWith(root + sep)) {
    throw new AppError('tar.path_unsafe', { message: `unsafe path ${JSON.stringify(name)}`, params: { path: name } });
  }
  if (target === root && !name.endsWith('/') && segments.length === 0) throw malformed('empty entry name');
  return target;
}

/** A file where a directory should be, or a name twice: the archive is not a plain tree. */
async function fsStep<T>(name: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR') {
      throw new AppError('tar.path_unsafe', { message: `${name} is duplicated or conflicts with another entry`, params: { path: name }, cause: error });
    }
    throw error;
  }
}

/** Exact reads over a byte stream; pulling only on demand keeps the source's backpressure. */
class ByteReader {
  readonly #chunks: AsyncIterator<unknown>;
  #buffer: Buffer = Buffer.alloc(0);

  constructor(source: Readable) {
    this.#chunks = source[Symbol.asyncIterator]();
  }

  async #fill(): Promise<boolean> {
    const next = await this.#chunks.next();
    if (next.done) return false;
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as Uint8Array);
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    return true;
  }

  async read(length: number): Promise<Buffer> {
    while (this.#buffer.length < length) if (!(await this.#fill())) throw malformed('archive is truncated');
    const out = this.#buffer.subarray(0, length);
    this.#buffer = this.#buffer.subarray(length);
    return out;
  }

  async *take(length: number): AsyncGenerator<Buffer> {
    let left = length;
    while (left > 0) {
      if (this.#buffer.length === 0 && !(await this.#fill())) throw malformed('archive is truncated');
      const out = this.#buffer.subarray(0, Math.min(left, this.#buffer.length));
      this.#buffer = this.#buffer.subarray(out.length);
      left -= out.length;
      yield out;
    }
  }

  async skip(length: number): Promise<void> {
    for await (const _ of this.take(length));
  }

  /** After the end marker only zero padding may follow: data hidden there would escape verification. */
  async expectZeros(limit: number): Promise<void> {
    let seen = 0;
    do {
      if (!isZeroBlock(this.#buffer)) throw malformed('data after the end-of-archive marker');
      seen += this.#buffer.length;
      if (seen > limit) throw malformed('too much padding after the end-of-archive marker');
      this.#buffer = Buffer.alloc(0);
    } while (await this.#fill());
  }

  async close(): Promise<void> {
    await this.#chunks.return?.().catch(() => undefined);
  }
}
