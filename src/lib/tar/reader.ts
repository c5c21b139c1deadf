// Safe, streaming tar extraction on tar-stream. Archives come from uploads, so every entry is
// distrusted: tar-stream checks each header's checksum and format and frames the entries (ustar,
// pax, GNU long names); here names must stay inside the target, only files and directories are
// written, the archive must end with its end-of-archive marker followed by nothing but zero
// padding, and a short stream is an error rather than a quietly partial extraction.
import { mkdir, open, readdir, stat, utimes } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { type Extract, extract as tarExtract } from 'tar-stream';
import { AppError, isAppError } from '../errors.ts';

const BLOCK = 512;
/** Cap on zero padding after the end marker (GNU tar pads to 10 KiB records). */
const MAX_TRAILER = 1024 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

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
 * Throws `tar.malformed`, `tar.path_unsafe`, `tar.entry_unsupported`, `tar.too_large` or
 * `tar.target_not_empty`; errors of the source stream and of the file system pass through.
 */
export async function extractTar(source: Readable, dir: string, options: ExtractOptions = {}): Promise<{ files: number; bytes: number }> {
  const root = resolve(dir);
  if (!(await stat(root)).isDirectory() || (await readdir(root)).length > 0) {
    throw new AppError('tar.target_not_empty', { message: `${dir} is not an empty directory`, params: { path: dir } });
  }
  // Names are read as raw bytes (latin1) and decoded here, strictly: see nameOf.
  const parser = tarExtract({ filenameEncoding: 'latin1' } as Parameters<typeof tarExtract>[0]);
  let parseError: unknown;
  parser.on('error', (error) => {
    parseError ??= error;
  });
  const framing = new Framing();
  const feeding = feed(source, parser, framing);
  // A failing source ends the parse too, so the entries loop below stops with its error.
  feeding.catch((error: unknown) => parser.destroy(error as Error));
  try {
    const result = await extract(parser, root, options, framing);
    await feeding;
    framing.finish();
    return result;
  } catch (error) {
    parser.destroy();
    source.destroy();
    await feeding.catch(() => undefined);
    // An entry's stream ends as "destroyed" when the parse fails: the parser's own error says why.
    throw inTarTerms(isStreamError(error) ? (parseError ?? error) : error);
  }
}

/** Hands the source to the parser in whole blocks (a last partial block is kept for the trailer check), at the parser's pace. */
async function feed(source: Readable, parser: Extract, framing: Framing): Promise<void> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    const data = carry.length === 0 ? bytes : Buffer.concat([carry, bytes]);
    const whole = data.length - (data.length % BLOCK);
    carry = data.subarray(whole);
    if (whole === 0) continue;
    const blocks = data.subarray(0, whole);
    framing.observe(blocks);
    if (!parser.write(blocks)) await drained(parser);
  }
  framing.observeTail(carry);
  parser.end(null);
}

function drained(parser: Extract): Promise<void> {
  if (parser.destroyed) return Promise.reject(new Error('the tar parser stopped'));
  return new Promise((done, fail) => {
    const onDrain = () => {
      parser.off('close', onClose);
      done();
    };
    const onClose = () => {
      parser.off('drain', onDrain);
      fail(new Error('the tar parser stopped'));
    };
    parser.once('drain', onDrain);
    parser.once('close', onClose);
  });
}

async function extract(parser: Extract, root: string, options: ExtractOptions, framing: Framing): Promise<{ files: number; bytes: number }> {
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const maxEntries = options.maxEntries ?? Number.POSITIVE_INFINITY;
  let files = 0;
  let bytes = 0;
  let entries = 0;
  for await (const entry of parser) {
    const header = entry.header;
    const pax = (header.pax ?? {}) as Record<string, string>;
    const name = nameOf(header.name, pax);
    const size = header.size;
    if (!Number.isSafeInteger(size) || size < 0) throw malformed(`${name}: bad size`);
    if (pax.size !== undefined && !/^[0-9]+$/.test(pax.size)) throw malformed('bad pax size');
    framing.entry(entry.offset, entry.offset + BLOCK + size + padding(size));
    if (Object.keys(pax).some((key) => key.startsWith('GNU.sparse.'))) {
      throw new AppError('tar.entry_unsupported', { message: `${name} is a sparse file`, params: { path: name } });
    }
    const type = header.type;
    const regular = type === 'file' || type === 'contiguous-file';
    if (type !== 'directory' && !regular) {
      // Symlinks and hard links could aim writes outside the target; devices and FIFOs are never evidence.
      throw new AppError('tar.entry_unsupported', {
        message: `${name}: entry type ${JSON.stringify(type ?? 'unknown')} is not supported`,
        params: { path: name, type: type ?? 'unknown' },
      });
    }
    // mtime is only a courtesy (contents are verified by digest): an odd pax value falls back to the header.
    const paxMtime = Number.parseFloat(pax.mtime ?? '');
    const mtime = Number.isFinite(paxMtime) ? paxMtime : header.mtime.getTime() / 1000;
    if (!Number.isFinite(mtime)) throw malformed(`${name}: bad mtime`);
    if (++entries > maxEntries) throw new AppError('tar.too_large', { message: `more than ${maxEntries} entries`, params: { maxEntries } });
    const target = safeTarget(root, name);
    if (type === 'directory' || name.endsWith('/')) {
      // tar-stream does not skip a directory's data, so one with data would be framed unlike other readers frame it.
      if (size > 0) throw malformed(`${name}: a directory with data`);
      if (target !== root) await fsStep(name, () => mkdir(target, { recursive: true, mode: 0o755 }));
      entry.resume();
      continue;
    }
    if (bytes + size > maxBytes) throw new AppError('tar.too_large', { message: `more than ${maxBytes} bytes`, params: { maxBytes } });
    await fsStep(name, () => mkdir(dirname(target), { recursive: true, mode: 0o755 }));
    // `wx` (O_CREAT|O_EXCL): never follows or replaces an existing path, so duplicates fail.
    const handle = await fsStep(name, () => open(target, 'wx', 0o644));
    try {
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        let written = 0;
        while (written < chunk.length) written += (await handle.write(chunk, written)).bytesWritten;
        bytes += chunk.length;
        options.onProgress?.(bytes);
      }
    } finally {
      await handle.close();
    }
    await utimes(target, mtime, mtime);
    files++;
  }
  return { files, bytes };
}

/** UTF-8 decoding that fails instead of inventing U+FFFD: a mangled evidence name must not pass silently. */
function nameOf(raw: string, pax: Record<string, string>): string {
  // tar-stream decodes a pax path as UTF-8 itself, replacing what is not UTF-8 by U+FFFD.
  if (pax.path !== undefined) {
    if (pax.path.includes('\uFFFD')) throw malformed('a name is not valid UTF-8');
    return pax.path;
  }
  try {
    return utf8.decode(Buffer.from(raw, 'latin1'));
  } catch {
    throw malformed('a name is not valid UTF-8');
  }
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

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

function malformed(message: string): AppError {
  return new AppError('tar.malformed', { message });
}

/** streamx (tar-stream's streams) reports a stream cut short as a StreamError with a code of its own. */
function isStreamError(error: unknown): boolean {
  return error instanceof Error && error.name === 'StreamError';
}

/** tar-stream's own errors in our codes; ours, the source's and the file system's pass through. */
function inTarTerms(error: unknown): unknown {
  if (isStreamError(error)) return new AppError('tar.malformed', { message: 'archive is truncated', cause: error });
  if (isAppError(error) || !(error instanceof Error) || (error as NodeJS.ErrnoException).code !== undefined) return error;
  if (error.message === 'Header exceeds max size') return new AppError('tar.too_large', { message: 'extended header too large', cause: error });
  if (/null byte/.test(error.message)) return new AppError('tar.path_unsafe', { message: error.message, cause: error });
  return new AppError('tar.malformed', { message: error.message === 'Unexpected end of data' ? 'archive is truncated' : error.message, cause: error });
}

/**
 * Where the archive ends. tar-stream skips an all-zero block where it expects a header, so the
 * end-of-archive marker is found here: the blocks that are all zeros are noted as runs of byte
 * offsets, and each entry tar-stream reports says where its header is and where its data ends. A
 * zero block between one entry's data and the next entry's header is an end marker with data
 * after it (hidden from a reader that stops there, so refused); after the last entry there must be
 * zeros only, at least one block and at most MAX_TRAILER more.
 */
class Framing {
  /** Runs of whole zero blocks seen and not yet accounted for, in order: [start, end) byte offsets. */
  readonly #runs: Array<[number, number]> = [];
  /** Bytes seen so far (whole blocks). */
  #seen = 0;
  /** Where the data of the last entry reported ends (padding included): the next header or the end marker. */
  #end = 0;
  #tailIsZero = true;

  observe(blocks: Buffer): void {
    for (let at = 0; at < blocks.length; at += BLOCK) {
      if (isZero(blocks, at, at + BLOCK)) {
        const last = this.#runs.at(-1);
        if (last && last[1] === this.#seen) last[1] += BLOCK;
        else this.#runs.push([this.#seen, this.#seen + BLOCK]);
      }
      this.#seen += BLOCK;
    }
    const last = this.#runs.at(-1);
    // Zeros from the end of the last entry on are the trailer: refuse an endless one as it comes.
    if (last && last[0] <= this.#end && last[1] - this.#end > BLOCK + MAX_TRAILER) throw malformed('too much padding after the end-of-archive marker');
  }

  observeTail(rest: Buffer): void {
    this.#tailIsZero = isZero(rest, 0, rest.length);
  }

  /** An entry whose header starts at `header` and whose data (padded) ends at `end`. */
  entry(header: number, end: number): void {
    while (this.#runs.length > 0) {
      const [start, stop] = this.#runs[0] as [number, number];
      if (start >= header) break;
      if (stop > this.#end) throw malformed('data after the end-of-archive marker');
      this.#runs.shift();
    }
    this.#end = end;
    // Zeros inside this entry's data mean nothing: keep only the part of a run beyond it.
    while (this.#runs.length > 0 && (this.#runs[0] as [number, number])[1] <= end) this.#runs.shift();
    const first = this.#runs[0];
    if (first && first[0] < end) first[0] = end;
  }

  /** After the last entry: the end marker, then zeros only. */
  finish(): void {
    const [run, ...more] = this.#runs.filter(([, stop]) => stop > this.#end);
    if (!run || run[0] > this.#end || run[1] - this.#end < BLOCK) throw malformed('the end-of-archive marker is missing');
    if (more.length > 0 || run[1] !== this.#seen || !this.#tailIsZero) throw malformed('data after the end-of-archive marker');
    if (this.#seen - this.#end > BLOCK + MAX_TRAILER) throw malformed('too much padding after the end-of-archive marker');
  }
}

function isZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}
