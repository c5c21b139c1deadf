import type { Readable } from 'node:stream';
import { AppError } from '../../lib/errors.ts';

/**
 * The evidence vault's byte store. Keys are opaque ASCII ids chosen by the caller
 * (`sha256/ab/cd/abcdef…`, `uploads/<uuid>`); see {@link validateKey} for the rules.
 *
 * Semantics every adapter keeps (checked by `contract.ts` against each of them):
 * - `put` is all-or-nothing: nothing is visible under `key` until every byte has been written and
 *   made durable; a failing source, a full disk or a failed upload leaves the key as it was.
 * - Overwrite: `put` on an existing key replaces it atomically. A reader sees the old bytes or the
 *   new bytes, never a mix. Content-addressed callers write identical bytes, so a race is harmless;
 *   callers that must not replace should `stat` first (there is no compare-and-set).
 * - `get` throws `blob.not_found` for a missing key. Ranges are inclusive like HTTP (`end` is the
 *   last byte returned) and are clamped to the blob's end; `start` past the last byte throws
 *   `blob.range_invalid` (so does any range on an empty blob, as S3 does).
 * - `delete` is idempotent. `list` yields keys in ascending ASCII order (the local store does; S3
 *   lists general purpose buckets in UTF-8 binary order, which is the same for these keys; some
 *   S3-compatible servers, s3rver among them, do not).
 */
export interface BlobStore {
  /** Streams `source` into a new blob; nothing is visible under `key` until the write is complete and durable. */
  put(key: string, source: Readable, options?: PutOptions): Promise<PutResult>;
  /** The blob's bytes (or the inclusive `range` of them) as a stream. Throws `blob.not_found`. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** The blob's size, or `undefined` when there is no blob under `key`. */
  stat(key: string): Promise<BlobStat | undefined>;
  /** Removes the blob; does nothing when there is none. */
  delete(key: string): Promise<void>;
  /** Keys that start with `prefix` (plain string prefix, not a directory), ascending. */
  list?(prefix: string): AsyncIterable<string>;
  /**
   * Moves a complete local file in under `key` (the file is consumed), made durable like `put`.
   * Only stores on the node's own disk offer it; callers fall back to `put` with a stream.
   */
  adoptFile?(key: string, path: string): Promise<PutResult>;
}

export interface PutOptions {
  /** Called with the running total of bytes taken from the source. */
  onProgress?(bytes: number): void;
  /** When given, a source of any other length fails with `blob.size_mismatch` and nothing is stored. */
  expectedBytes?: number;
  /**
   * Called with a chunk taken from the source once the store has finished with it (written it, or
   * copied it) and keeps no view of it, so that its producer may reuse the memory. At most once per
   * chunk; a store may never call it.
   */
  release?(chunk: Uint8Array): void;
}

export interface PutResult {
  key: string;
  bytes: number;
}

/** Inclusive byte range: `{ start: 0, end: 9 }` is the first ten bytes; no `end` means to the end. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface BlobStat {
  bytes: number;
  /** When the blob was last written (to tell an abandoned blob from one being recorded right now). */
  modifiedAt: Date;
}

/** The stable error codes of this port (their HTTP statuses are in `src/http/problem.ts`). */
export type BlobErrorCode =
  | 'blob.key_invalid'
  | 'blob.not_found'
  | 'blob.range_invalid'
  | 'blob.size_mismatch'
  | 'blob.too_large'
  | 'blob.key_conflict'
  | 'blob.disk_full'
  | 'blob.write_failed'
  | 'blob.read_failed'
  | 'blob.delete_failed';

export const MAX_KEY_LENGTH = 512;
/** A file name's limit on common filesystems (NAME_MAX), so every key can also be a path. */
export const MAX_SEGMENT_LENGTH = 255;
const KEY_CHARS = /^[A-Za-z0-9/_.-]+$/;

/**
 * Keys are 1–512 characters of `[A-Za-z0-9/_.-]`, with no leading `/`, no `..` anywhere, no empty
 * segment (`a//b`, trailing `/`), no segment over 255 characters (a file name's limit) and no
 * segment starting with `.` — dot names are reserved for the stores' own temporary files
 * (`.tmp-…`), and `.`/`..` segments would alias other keys on disk.
 */
export function validateKey(key: unknown): string {
  const problem = keyProblem(key);
  if (problem) throw new AppError('blob.key_invalid', { message: `invalid blob key: ${problem}`, params: { reason: problem } });
  return key as string;
}

function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return 'not a string';
  if (key.length === 0) return 'empty';
  if (key.length > MAX_KEY_LENGTH) return `longer than ${MAX_KEY_LENGTH} characters`;
  if (!KEY_CHARS.test(key)) return 'characters outside [A-Za-z0-9/_.-]';
  if (key.startsWith('/')) return 'leading /';
  if (key.includes('..')) return 'contains ..';
  for (const segment of key.split('/')) {
    if (segment === '') return 'empty segment';
    if (segment.startsWith('.')) return 'segment starts with .';
    if (segment.length > MAX_SEGMENT_LENGTH) return `segment longer than ${MAX_SEGMENT_LENGTH} characters`;
  }
  return undefined;
}

/** A `list` prefix: empty, or characters a key may hold (it may end inside a segment or with `/`). */
export function validatePrefix(prefix: unknown): string {
  if (typeof prefix !== 'string') throw new AppError('blob.key_invalid', { message: 'invalid blob prefix: not a string' });
  if (prefix === '') return prefix;
  if (prefix.length > MAX_KEY_LENGTH || !KEY_CHARS.test(prefix) || prefix.startsWith('/') || prefix.includes('..') || prefix.includes('//')) {
    throw new AppError('blob.key_invalid', { message: `invalid blob prefix: ${prefix.slice(0, 80)}` });
  }
  return prefix;
}

/** Checks the shape of a range (integers, 0 ≤ start ≤ end). Whether it fits the blob is the adapter's check. */
export function validateRange(range: ByteRange | undefined): ByteRange | undefined {
  if (range === undefined) return undefined;
  const { start, end } = range;
  const ok = Number.isSafeInteger(start) && start >= 0 && (end === undefined || (Number.isSafeInteger(end) && end >= start));
  if (!ok) throw new AppError('blob.range_invalid', { message: `invalid byte range ${start}-${end ?? ''}` });
  return range;
}

/** The range clamped to a blob of `size` bytes, as inclusive offsets; throws when it starts past the end. */
export function resolveRange(range: ByteRange, size: number): { start: number; end: number } {
  if (range.start >= size) {
    throw new AppError('blob.range_invalid', {
      message: `range starts at ${range.start} but the blob has ${size} bytes`,
      params: { start: range.start, size },
    });
  }
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

export function checkExpectedBytes(expected: number | undefined): void {
  if (expected !== undefined && !(Number.isSafeInteger(expected) && expected >= 0)) {
    throw new AppError('validation.failed', { message: `expectedBytes must be a non-negative integer, got ${expected}` });
  }
}

/** `actual` above `expected` means "at least": writers stop reading as soon as the source runs over. */
export function sizeMismatch(expected: number, actual: number): AppError {
  return new AppError('blob.size_mismatch', {
    message: `expected ${expected} bytes, the source gave ${actual > expected ? `at least ${actual}` : actual}`,
    params: { expected, actual },
  });
}
