import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, type ErrorCode } from '../../lib/errors.ts';
import {
  type BlobStat,
  type BlobStore,
  type ByteRange,
  checkExpectedBytes,
  type PutOptions,
  type PutResult,
  sizeMismatch,
  validateKey,
  validatePrefix,
  validateRange,
} from './port.ts';
import { EMPTY_SHA256, sha256Hex, signV4 } from './sigv4.ts';

export const MIB = 1024 * 1024;
/** S3's smallest part (all but the last one). */
export const MIN_PART_SIZE = 5 * MIB;
export const MAX_PART_SIZE = 5 * 1024 * MIB;
export const MAX_PARTS = 10_000;
/** S3's largest object. */
export const MAX_OBJECT_SIZE = 5 * 1024 * 1024 * MIB;

export interface S3BlobStoreOptions {
  /** Base URL of the S3-compatible service, e.g. `https://s3.eu-west-1.amazonaws.com` or `http://127.0.0.1:9000`. Path-style addressing is used: `endpoint/bucket/key`. */
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Prepended to every key in the bucket, e.g. `custodia/`. */
  prefix?: string;
  /** Multipart part size in bytes, 5 MiB – 5 GiB; default 16 MiB. Memory per upload is two parts (one filling, one in flight). */
  partSize?: number;
  /** `max-keys` per ListObjectsV2 page; default 1000. */
  listPageSize?: number;
  /** Retries of a request that failed on the network or with 500/502/503/504, for requests that are safe to repeat; default 2. */
  retries?: number;
  /** For tests: a fetch that wraps or replaces the global one. */
  fetch?: typeof fetch;
  /** For tests: the clock used to date signatures. */
  now?: () => Date;
}

interface SendOptions {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  /** Object name within the bucket (prefix included); none for bucket-level requests. */
  objectName?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Safe to send again after a network error or a 5xx. */
  retry: boolean;
}

/**
 * Blobs as objects in an S3-compatible bucket, with a hand-written SigV4 signer and the global
 * fetch (no SDK).
 *
 * `put` reads the source into part-sized buffers. A source that ends within the first part is
 * sent with one PutObject; anything longer goes through CreateMultipartUpload, UploadPart (each
 * part's SHA-256 signed as `x-amz-content-sha256`, so S3 checks it) and CompleteMultipartUpload,
 * with one part uploading while the next is read. Any failure after the upload was created sends
 * AbortMultipartUpload. Both PutObject and CompleteMultipartUpload make the object appear whole or
 * not at all, so nothing partial is ever visible under the key.
 *
 * Multipart parts of a crashed process are not visible as objects but are billed until aborted:
 * give the bucket a lifecycle rule "abort incomplete multipart uploads after N days".
 * The credentials need s3:ListBucket as well as object access: without it S3 answers 403 rather
 * than 404 for a missing key, and `stat`/`get` report `blob.read_failed` instead of absence.
 * Requests have no timeout of their own beyond undici's (headers and body idle timeouts, 300 s).
 */
export class S3BlobStore implements BlobStore {
  readonly #endpoint: URL;
  readonly #basePath: string;
  readonly #bucket: string;
  readonly #region: string;
  readonly #credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  readonly #prefix: string;
  readonly #partSize: number;
  readonly #listPageSize: number;
  readonly #retries: number;
  readonly #fetch: typeof fetch;
  readonly #now: () => Date;

  constructor(options: S3BlobStoreOptions) {
    const endpoint = new URL(options.endpoint);
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') throw configError(`endpoint must be http(s), got ${options.endpoint}`);
    if (endpoint.search || endpoint.hash) throw configError('endpoint must not have a query or fragment');
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.bucket)) throw configError(`invalid bucket name ${options.bucket}`);
    if (!options.region || !options.accessKeyId || !options.secretAccessKey) throw configError('region, accessKeyId and secretAccessKey are required');
    const partSize = options.partSize ?? 16 * MIB;
    if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
      throw configError(`partSize must be between ${MIN_PART_SIZE} and ${MAX_PART_SIZE} bytes, got ${partSize}`);
    }
    const prefix = options.prefix ?? '';
    try {
      validatePrefix(prefix);
    } catch {
      throw configError(`invalid key prefix ${prefix}`);
    }
    this.#endpoint = endpoint;
    this.#basePath = decodeURIComponent(endpoint.pathname.replace(/\/+$/, ''));
    this.#bucket = options.bucket;
    this.#region = options.region;
    this.#credentials = { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey };
    if (options.sessionToken) this.#credentials.sessionToken = options.sessionToken;
    this.#prefix = prefix;
    this.#partSize = partSize;
    this.#listPageSize = Math.min(Math.max(1, options.listPageSize ?? 1000), 1000);
    this.#retries = options.retries ?? 2;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#now = options.now ?? (() => new Date());
  }

  async put(key: string, source: Readable, options: PutOptions = {}): Promise<PutResult> {
    let partSize = this.#partSize;
    try {
      validateKey(key);
      checkExpectedBytes(options.expectedBytes);
      const expected = options.expectedBytes;
      if (expected !== undefined) {
        if (expected > MAX_OBJECT_SIZE) throw tooLarge(key, expected);
        // Grow the parts (in whole MiB) so that the announced size fits in 10,000 of them.
        partSize = Math.max(partSize, Math.ceil(expected / MAX_PARTS / MIB) * MIB);
      }
    } catch (error) {
      source.destroy();
      throw error;
    }
    const name = this.#prefix + key;
    const reader = new PartReader(source, options);
    try {
      // A source announced smaller than a part needs a buffer of its size (+1 byte to notice more).
      const expected = options.expectedBytes;
      const first = Buffer.allocUnsafe(expected !== undefined && expected < partSize ? expected + 1 : partSize);
      const n = await reader.fill(first);
      if (n < partSize) {
        // The whole blob fits in one part: a single PutObject.
        reader.finish();
        const body = first.subarray(0, n);
        const res = await this.#send({ method: 'PUT', objectName: name, headers: { 'content-type': 'application/octet-stream' }, body, retry: true });
        if (!res.ok) throw await s3Error(res, 'blob.write_failed', `PutObject ${key}`);
        await discard(res);
        return { key, bytes: n };
      }
      return await this.#putMultipart(key, name, reader, first, partSize);
    } catch (error) {
      reader.close();
      throw putError(error, key, reader.sourceFailed);
    }
  }

  async #putMultipart(key: string, name: string, reader: PartReader, first: Buffer, partSize: number): Promise<PutResult> {
    const created = await this.#send({
      method: 'POST',
      objectName: name,
      query: { uploads: '' },
      headers: { 'content-type': 'application/octet-stream' },
      retry: false,
    });
    if (!created.ok) throw await s3Error(created, 'blob.write_failed', `CreateMultipartUpload ${key}`);
    const uploadId = xmlValue(await created.text(), 'UploadId');
    if (!uploadId) throw new AppError('blob.write_failed', { message: `CreateMultipartUpload ${key}: no UploadId in the answer` });

    const etags: string[] = [];
    let inflight: Promise<void> | undefined;
    try {
      // Two buffers: one is uploading while the source fills the other.
      const buffers: [Buffer, Buffer | undefined] = [first, undefined];
      let current = 0;
      let filled = partSize;
      for (let partNumber = 1; filled > 0; partNumber++) {
        if (partNumber > MAX_PARTS) throw tooLarge(key, reader.bytes);
        const body = buffers[current]!.subarray(0, filled);
        if (inflight) await inflight;
        inflight = this.#uploadPart(key, name, uploadId, partNumber, body).then((etag) => {
          etags[partNumber - 1] = etag;
        });
        inflight.catch(() => {}); // awaited below; this only keeps it from counting as unhandled meanwhile
        if (filled < partSize) break;
        current = 1 - current;
        buffers[current] ??= Buffer.allocUnsafe(partSize);
        filled = await reader.fill(buffers[current]!);
      }
      reader.finish();
      await inflight;
      inflight = undefined;

      const xml = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${etags
        .map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${xmlEscape(etag)}</ETag></Part>`)
        .join('')}</CompleteMultipartUpload>`;
      const done = await this.#send({
        method: 'POST',
        objectName: name,
        query: { uploadId },
        headers: { 'content-type': 'application/xml' },
        body: Buffer.from(xml),
        retry: true,
      });
      // S3 may answer 200 and still report an error in the body.
      const answer = done.ok ? await done.text() : '';
      if (!done.ok) throw await s3Error(done, 'blob.write_failed', `CompleteMultipartUpload ${key}`);
      if (/<Error>/.test(answer)) {
        throw new AppError('blob.write_failed', {
          message: `CompleteMultipartUpload ${key}: ${xmlValue(answer, 'Code') ?? 'error'} ${xmlValue(answer, 'Message') ?? ''}`.trim(),
          details: { s3Code: xmlValue(answer, 'Code') },
        });
      }
      return { key, bytes: reader.bytes };
    } catch (error) {
      // Let the part in flight settle before aborting, or it could land after the abort.
      if (inflight) await inflight.catch(() => {});
      const aborted = await this.#abort(name, uploadId);
      const failure = putError(error, key, reader.sourceFailed);
      // Same code and message, with the fate of the upload added for the logs.
      throw new AppError(failure.code, {
        message: failure.message,
        fields: failure.fields,
        params: failure.params,
        details: { ...failure.details, uploadId, uploadAborted: aborted },
        cause: failure.cause ?? failure,
      });
    }
  }

  async #uploadPart(key: string, name: string, uploadId: string, partNumber: number, body: Uint8Array): Promise<string> {
    const res = await this.#send({ method: 'PUT', objectName: name, query: { partNumber: String(partNumber), uploadId }, body, retry: true });
    if (!res.ok) throw await s3Error(res, 'blob.write_failed', `UploadPart ${partNumber} of ${key}`);
    await discard(res);
    const etag = res.headers.get('etag');
    if (!etag) throw new AppError('blob.write_failed', { message: `UploadPart ${partNumber} of ${key}: no ETag in the answer` });
    return etag;
  }

  /** Best effort: true when the service confirmed the abort. */
  async #abort(name: string, uploadId: string): Promise<boolean> {
    try {
      const res = await this.#send({ method: 'DELETE', objectName: name, query: { uploadId }, retry: true });
      await discard(res);
      return res.ok || res.status === 404;
    } catch {
      return false;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    validateKey(key);
    validateRange(range);
    const headers: Record<string, string> = range ? { range: `bytes=${range.start}-${range.end ?? ''}` } : {};
    const res = await this.#sendOr(`GetObject ${key}`, 'blob.read_failed', { method: 'GET', objectName: this.#prefix + key, headers, retry: true });
    if (res.status === 404) {
      await discard(res);
      throw notFound(key);
    }
    if (res.status === 416) {
      await discard(res);
      throw rangeInvalid(key, range);
    }
    if (!res.ok) throw await s3Error(res, 'blob.read_failed', `GetObject ${key}`);
    const body = res.body ? Readable.fromWeb(res.body as NodeReadableStream<Uint8Array>) : Readable.from([]);
    if (!range) return body;

    // Check what came back against what was asked: some S3-compatible servers ignore Range (200)
    // or return more than asked; cut the stream down to the inclusive range ourselves then.
    let skip: number;
    let available: number;
    if (res.status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
      if (!m) {
        body.destroy();
        throw new AppError('blob.read_failed', { message: `GetObject ${key}: 206 without a usable Content-Range` });
      }
      const [from, to, total] = [Number(m[1]), Number(m[2]), m[3] === '*' ? Number.POSITIVE_INFINITY : Number(m[3])];
      if (range.start >= total) {
        body.destroy();
        throw rangeInvalid(key, range);
      }
      if (from > range.start) {
        body.destroy();
        throw new AppError('blob.read_failed', { message: `GetObject ${key}: asked from byte ${range.start}, got from ${from}` });
      }
      skip = range.start - from;
      available = to - from + 1;
    } else {
      const total = Number(res.headers.get('content-length') ?? Number.NaN);
      if (Number.isFinite(total) && range.start >= total) {
        body.destroy();
        throw rangeInvalid(key, range);
      }
      skip = range.start;
      available = Number.isFinite(total) ? total : Number.POSITIVE_INFINITY;
    }
    const wanted = range.end === undefined ? Number.POSITIVE_INFINITY : range.end - range.start + 1;
    if (skip === 0 && wanted >= available) return body;
    return Readable.from(slice(body, skip, wanted), { objectMode: false });
  }

  async stat(key: string): Promise<BlobStat | undefined> {
    validateKey(key);
    const res = await this.#sendOr(`HeadObject ${key}`, 'blob.read_failed', { method: 'HEAD', objectName: this.#prefix + key, retry: true });
    await discard(res);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new AppError('blob.read_failed', { message: `HeadObject ${key}: HTTP ${res.status}`, details: { status: res.status } });
    const bytes = Number(res.headers.get('content-length'));
    if (!Number.isSafeInteger(bytes)) throw new AppError('blob.read_failed', { message: `HeadObject ${key}: no Content-Length` });
    const modified = Date.parse(res.headers.get('last-modified') ?? '');
    return { bytes, modifiedAt: Number.isNaN(modified) ? new Date(0) : new Date(modified) };
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    const res = await this.#sendOr(`DeleteObject ${key}`, 'blob.delete_failed', { method: 'DELETE', objectName: this.#prefix + key, retry: true });
    // S3 answers 204 whether or not the object existed; some compatible servers say 404.
    if (res.ok || res.status === 404) {
      await discard(res);
      return;
    }
    throw await s3Error(res, 'blob.delete_failed', `DeleteObject ${key}`);
  }

  async *list(prefix: string): AsyncIterable<string> {
    validatePrefix(prefix);
    let token: string | undefined;
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix: this.#prefix + prefix, 'max-keys': String(this.#listPageSize) };
      if (token) query['continuation-token'] = token;
      const res = await this.#sendOr('ListObjectsV2', 'blob.read_failed', { method: 'GET', query, retry: true });
      if (!res.ok) throw await s3Error(res, 'blob.read_failed', `ListObjectsV2 ${prefix}`);
      const xml = await res.text();
      for (const [, contents] of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        const name = xmlValue(contents!, 'Key');
        if (name === undefined || !name.startsWith(this.#prefix)) continue;
        const key = name.slice(this.#prefix.length);
        try {
          validateKey(key);
        } catch {
          continue; // an object this store could not have written; not addressable through it
        }
        yield key;
      }
      token = xmlValue(xml, 'IsTruncated') === 'true' ? xmlValue(xml, 'NextContinuationToken') : undefined;
    } while (token);
  }

  /** `#send`, with network failures turned into an AppError of `code`. */
  async #sendOr(what: string, code: ErrorCode, options: SendOptions): Promise<Response> {
    try {
      return await this.#send(options);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError(code, { message: `${what}: ${(error as Error).message}`, cause: error });
    }
  }

  async #send(options: SendOptions): Promise<Response> {
    const attempts = options.retry ? this.#retries + 1 : 1;
    const payloadHash = options.body ? sha256Hex(options.body) : EMPTY_SHA256;
    const path = `${this.#basePath}/${this.#bucket}${options.objectName === undefined ? '' : `/${options.objectName}`}`;
    for (let attempt = 1; ; attempt++) {
      const signed = signV4({
        method: options.method,
        host: this.#endpoint.host,
        path,
        query: options.query ?? {},
        headers: options.headers ?? {},
        payloadHash,
        region: this.#region,
        credentials: this.#credentials,
        date: this.#now(),
      });
      let res: Response;
      try {
        const init: RequestInit = { method: options.method, headers: signed.headers, redirect: 'manual' };
        if (options.body) init.body = options.body as Uint8Array<ArrayBuffer>; // a Buffer view; fetch sends just its bytes
        res = await this.#fetch(`${this.#endpoint.origin}${signed.pathAndQuery}`, init);
      } catch (error) {
        if (attempt >= attempts) throw error;
        await sleep(backoff(attempt));
        continue;
      }
      if (attempt < attempts && [500, 502, 503, 504].includes(res.status)) {
        await discard(res);
        await sleep(backoff(attempt));
        continue;
      }
      return res;
    }
  }
}

/**
 * Pulls the source into caller-supplied part buffers, counting bytes and enforcing
 * `expectedBytes`. Chunks are copied as they come, so the source is read only as fast as parts are
 * needed (backpressure), and at most one chunk is held beyond the buffer being filled.
 */
class PartReader {
  bytes = 0;
  sourceFailed = false;
  readonly #source: Readable;
  readonly #chunks: AsyncIterator<unknown>;
  readonly #options: PutOptions;
  #pending: Uint8Array | undefined;
  /** The source's chunk `#pending` is the rest of. */
  #chunk: Uint8Array | undefined;
  #done = false;

  constructor(source: Readable, options: PutOptions) {
    this.#source = source;
    this.#chunks = source[Symbol.asyncIterator]();
    this.#options = options;
  }

  /** Fills `buffer` from the start; fewer bytes than its length means the source has ended. */
  async fill(buffer: Buffer): Promise<number> {
    let n = 0;
    while (n < buffer.length) {
      if (!this.#pending) {
        if (this.#done) break;
        let next: IteratorResult<unknown>;
        try {
          next = await this.#chunks.next();
        } catch (error) {
          this.sourceFailed = true;
          throw error;
        }
        if (next.done) {
          this.#done = true;
          break;
        }
        const chunk = toBytes(next.value);
        if (chunk.length === 0) continue;
        this.bytes += chunk.length;
        const expected = this.#options.expectedBytes;
        if (expected !== undefined && this.bytes > expected) throw sizeMismatch(expected, this.bytes);
        this.#options.onProgress?.(this.bytes);
        this.#pending = chunk;
        this.#chunk = chunk;
      }
      const take = Math.min(this.#pending.length, buffer.length - n);
      buffer.set(this.#pending.subarray(0, take), n);
      n += take;
      if (take === this.#pending.length) {
        this.#pending = undefined;
        // Copied into the part: the chunk's memory is its producer's again.
        if (this.#chunk) this.#options.release?.(this.#chunk);
        this.#chunk = undefined;
      } else this.#pending = this.#pending.subarray(take);
    }
    return n;
  }

  /** Called when the source is exhausted: checks the announced size. */
  finish(): void {
    const expected = this.#options.expectedBytes;
    if (expected !== undefined && this.bytes !== expected) throw sizeMismatch(expected, this.bytes);
  }

  /** Stops reading after a failure and releases the source. */
  close(): void {
    this.#pending = undefined;
    this.#source.destroy();
  }
}

async function* slice(body: Readable, skip: number, limit: number): AsyncGenerator<Uint8Array> {
  let toSkip = skip;
  let left = limit;
  for await (const raw of body) {
    let chunk = raw as Uint8Array;
    if (toSkip > 0) {
      const drop = Math.min(toSkip, chunk.length);
      toSkip -= drop;
      chunk = chunk.subarray(drop);
    }
    if (chunk.length === 0) continue;
    if (chunk.length >= left) {
      yield chunk.subarray(0, left);
      return; // leaving the loop destroys the body, which cancels the rest of the download
    }
    left -= chunk.length;
    yield chunk;
  }
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new AppError('blob.write_failed', { message: 'the source yielded something other than bytes' });
}

function backoff(attempt: number): number {
  return 100 * 4 ** (attempt - 1) + Math.floor(Math.random() * 50);
}

async function discard(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => {});
}

async function s3Error(res: Response, code: ErrorCode, what: string): Promise<AppError> {
  const text = await res.text().catch(() => '');
  const s3Code = xmlValue(text, 'Code');
  const s3Message = xmlValue(text, 'Message');
  return new AppError(code, {
    message: `${what}: HTTP ${res.status}${s3Code ? ` ${s3Code}` : ''}${s3Message ? ` (${s3Message})` : ''}`,
    details: { status: res.status, s3Code, s3Message },
  });
}

function putError(error: unknown, key: string, fromSource: boolean): AppError {
  if (error instanceof AppError) return error;
  if (fromSource) {
    return new AppError('blob.write_failed', { message: `the source of blob ${key} failed`, params: { stage: 'source' }, cause: error });
  }
  return new AppError('blob.write_failed', {
    message: `cannot store blob ${key}: ${(error as Error)?.message ?? error}`,
    params: { stage: 'write' },
    cause: error,
  });
}

function notFound(key: string): AppError {
  return new AppError('blob.not_found', { message: `no blob ${key}`, params: { key } });
}

function rangeInvalid(key: string, range: ByteRange | undefined): AppError {
  return new AppError('blob.range_invalid', { message: `range ${range?.start}-${range?.end ?? ''} is outside blob ${key}` });
}

function tooLarge(key: string, bytes: number): AppError {
  return new AppError('blob.too_large', { message: `blob ${key} is larger than this store can hold (${bytes} bytes)`, params: { bytes } });
}

function configError(message: string): AppError {
  return new AppError('config.invalid', { message: `S3 blob store: ${message}` });
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Text of the first `<tag>…</tag>` (no attributes, no nesting: enough for S3's answers), entities decoded. */
export function xmlValue(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  if (!m) return undefined;
  return m[1]!.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) =>
    e.startsWith('#x') ? String.fromCodePoint(Number.parseInt(e.slice(2), 16)) : e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : ENTITIES[e]!,
  );
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
