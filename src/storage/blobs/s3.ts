import { Readable } from 'node:stream';
import type * as ClientS3 from '@aws-sdk/client-s3';
import type * as LibStorage from '@aws-sdk/lib-storage';
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

export const MIB = 1024 * 1024;
/** S3's smallest part (all but the last one). */
export const MIN_PART_SIZE = 5 * MIB;
export const MAX_PART_SIZE = 5 * 1024 * MIB;
export const MAX_PARTS = 10_000;
/** S3's largest object. */
export const MAX_OBJECT_SIZE = 5 * 1024 * 1024 * MIB;

export interface S3BlobStoreOptions {
  /**
   * Base URL of the S3-compatible service, e.g. `https://s3.eu-west-1.amazonaws.com` or `http://127.0.0.1:9000`.
   * Path-style addressing is used: `endpoint/bucket/key` (a path in the endpoint is kept in front).
   */
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Prepended to every key in the bucket, e.g. `custodia/`. */
  prefix?: string;
  /** Multipart part size in bytes, 5 MiB – 5 GiB; default 16 MiB. */
  partSize?: number;
  /**
   * Parts uploading at once, default 2: one part uploads while the next is read from the source.
   * Memory per upload is about `(queueSize + 2) × partSize` at its peak (the parts in flight, the
   * part being gathered and its copy).
   */
  queueSize?: number;
  /** `max-keys` per ListObjectsV2 page; default 1000. */
  listPageSize?: number;
  /** Retries of a request that failed on the network, was throttled or answered 5xx; default 2. */
  retries?: number;
  /** Where the SDK's own warnings go (a pino logger will do); without it they are dropped. */
  log?: { warn(fields: object, message: string): void };
}

type Sdk = { s3: typeof ClientS3; storage: typeof LibStorage };
let loadingSdk: Promise<Sdk> | undefined;

/**
 * The AWS SDK, imported on first use: loading it costs about 0.2–0.3 s and 35 MiB of RSS, which
 * a node on the local store and every CLI command that touches no blob never pay.
 */
function loadSdk(): Promise<Sdk> {
  loadingSdk ??= Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]).then(
    ([s3, storage]) => ({ s3, storage }),
    (error: unknown) => {
      loadingSdk = undefined;
      throw error;
    },
  );
  return loadingSdk;
}

interface Connected {
  sdk: Sdk;
  client: ClientS3.S3Client;
}

/**
 * Blobs as objects in an S3-compatible bucket, through the AWS SDK (`@aws-sdk/client-s3`, loaded
 * on first use) and its multipart uploader (`@aws-sdk/lib-storage`).
 *
 * `put` hands the source to lib-storage's `Upload`: a source that ends within the first part is
 * sent with one PutObject; anything longer goes through CreateMultipartUpload, UploadPart (two
 * parts in flight by default) and CompleteMultipartUpload. Every request body is a buffer whose
 * SHA-256 is signed as `x-amz-content-sha256`, so S3 checks each part. Any failure after the upload
 * was created aborts it (AbortMultipartUpload), once the parts in flight have settled. Both
 * PutObject and CompleteMultipartUpload make the object appear whole or not at all, so nothing
 * partial is ever visible under the key. The SDK's newer default checksums (CRC32 headers and
 * trailers) are asked for only where an operation requires them, since several S3-compatible
 * servers refuse them.
 *
 * Multipart parts of a crashed process are not visible as objects but are billed until aborted:
 * give the bucket a lifecycle rule "abort incomplete multipart uploads after N days".
 * The credentials need s3:ListBucket as well as object access: without it S3 answers 403 rather
 * than 404 for a missing key, and `stat`/`get` report `blob.read_failed` instead of absence.
 * Connections time out after 10 s, and a request whose socket stays idle for 300 s fails.
 * The SDK logs nothing of its own (no logger is given to it but one that passes on its warnings).
 */
export class S3BlobStore implements BlobStore {
  readonly #endpoint: string;
  readonly #bucket: string;
  readonly #region: string;
  readonly #credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  readonly #prefix: string;
  readonly #partSize: number;
  readonly #queueSize: number;
  readonly #listPageSize: number;
  readonly #retries: number;
  readonly #log: S3BlobStoreOptions['log'];
  #connected: Promise<Connected> | undefined;

  constructor(options: S3BlobStoreOptions) {
    let endpoint: URL;
    try {
      endpoint = new URL(options.endpoint);
    } catch {
      throw configError(`endpoint is not a URL: ${options.endpoint}`);
    }
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') throw configError(`endpoint must be http(s), got ${options.endpoint}`);
    if (endpoint.search || endpoint.hash) throw configError('endpoint must not have a query or fragment');
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.bucket)) throw configError(`invalid bucket name ${options.bucket}`);
    if (!options.region || !options.accessKeyId || !options.secretAccessKey) throw configError('region, accessKeyId and secretAccessKey are required');
    const partSize = options.partSize ?? 16 * MIB;
    if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
      throw configError(`partSize must be between ${MIN_PART_SIZE} and ${MAX_PART_SIZE} bytes, got ${partSize}`);
    }
    const queueSize = options.queueSize ?? 2;
    if (!Number.isSafeInteger(queueSize) || queueSize < 1 || queueSize > 16) throw configError(`queueSize must be 1–16, got ${queueSize}`);
    const prefix = options.prefix ?? '';
    try {
      validatePrefix(prefix);
    } catch {
      throw configError(`invalid key prefix ${prefix}`);
    }
    this.#endpoint = endpoint.href;
    this.#bucket = options.bucket;
    this.#region = options.region;
    this.#credentials = { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey };
    if (options.sessionToken) this.#credentials.sessionToken = options.sessionToken;
    this.#prefix = prefix;
    this.#partSize = partSize;
    this.#queueSize = queueSize;
    this.#listPageSize = Math.min(Math.max(1, options.listPageSize ?? 1000), 1000);
    this.#retries = Math.max(0, options.retries ?? 2);
    this.#log = options.log;
  }

  /** The SDK and this store's client, made on first use. */
  #connect(): Promise<Connected> {
    this.#connected ??= loadSdk().then(
      (sdk) => ({ sdk, client: this.#makeClient(sdk) }),
      (error: unknown) => {
        this.#connected = undefined;
        throw error;
      },
    );
    return this.#connected;
  }

  #makeClient(sdk: Sdk): ClientS3.S3Client {
    const log = this.#log;
    const ignore = () => {};
    const warn = (...content: unknown[]) => log?.warn({ sdk: content.map(String).join(' ') }, 'S3 client warning');
    // Command inputs and outputs reach the SDK's logger at info/debug; only its warnings go on.
    const logger = { trace: ignore, debug: ignore, info: ignore, warn, error: warn };
    // Every setting that changes behaviour is given here, so that nothing is taken from the AWS_*
    // environment or ~/.aws files: the node's configuration stays in src/config/config.ts.
    return new sdk.s3.S3Client({
      endpoint: this.#endpoint,
      region: this.#region,
      forcePathStyle: true,
      credentials: this.#credentials,
      maxAttempts: this.#retries + 1,
      retryMode: 'standard',
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      useFipsEndpoint: false,
      useDualstackEndpoint: false,
      followRegionRedirects: false,
      disableS3ExpressSessionAuth: true,
      logger,
      requestHandler: { connectionTimeout: 10_000, socketTimeout: 300_000, logger },
    });
  }

  /** `#connect`, with a failure to load the SDK reported under `code`. */
  async #connectFor(code: ErrorCode, what: string): Promise<Connected> {
    try {
      return await this.#connect();
    } catch (error) {
      throw sdkFailure(error, code, what);
    }
  }

  /**
   * Sends the command `build` makes and gives its output. A failure becomes an AppError of `code`,
   * unless the service answered with a status that `known` maps to no output or to an error (thrown).
   */
  async #request(code: ErrorCode, what: string, build: (s3: Sdk['s3']) => object, known: Record<number, () => undefined> = {}): Promise<unknown> {
    const { sdk, client } = await this.#connectFor(code, what);
    try {
      return await (client.send as (command: object) => Promise<unknown>)(build(sdk.s3));
    } catch (error) {
      const status = statusOf(error);
      const answer = status === undefined ? undefined : known[status];
      if (answer) return answer();
      throw sdkFailure(error, code, what);
    }
  }

  async put(key: string, source: Readable, options: PutOptions = {}): Promise<PutResult> {
    let partSize = this.#partSize;
    let connected: Connected;
    try {
      validateKey(key);
      checkExpectedBytes(options.expectedBytes);
      const expected = options.expectedBytes;
      if (expected !== undefined) {
        if (expected > MAX_OBJECT_SIZE) throw tooLarge(key, expected);
        // Grow the parts (in whole MiB) so that the announced size fits in 10,000 of them.
        partSize = Math.max(partSize, Math.ceil(expected / MAX_PARTS / MIB) * MIB);
      }
      connected = await this.#connectFor('blob.write_failed', `PutObject ${key}`);
    } catch (error) {
      source.destroy();
      throw error;
    }
    const { sdk, client } = connected;
    const feed = new PartFeed(key, source, options, partSize);
    // What went wrong first: the source (or its size), or a request to S3.
    let failure: { from: 'source' | 's3'; error: unknown } | undefined;
    feed.onFailure = (error) => {
      failure ??= { from: 'source', error };
    };
    let uploadId: string | undefined;
    let aborted = false;
    // The client as the uploader sees it: each request's outcome is watched, to release the chunks
    // of a stored part, to tell a failed request from a failed source, and to know the abort.
    // (After a failed request the uploader stops reading the source itself.)
    const watched = Object.create(client) as ClientS3.S3Client;
    const send = async (command: { input: object }): Promise<unknown> => {
      try {
        const output = await (client.send as (command: unknown) => Promise<unknown>)(command);
        if (command instanceof sdk.s3.UploadPartCommand) feed.partStored(command.input.PartNumber as number);
        else if (command instanceof sdk.s3.PutObjectCommand) feed.partStored(1);
        else if (command instanceof sdk.s3.CreateMultipartUploadCommand) uploadId = (output as ClientS3.CreateMultipartUploadCommandOutput).UploadId;
        else if (command instanceof sdk.s3.AbortMultipartUploadCommand) aborted = true;
        return output;
      } catch (error) {
        if (command instanceof sdk.s3.AbortMultipartUploadCommand) {
          // Best effort, as in S3's own advice: the failure that led here is the one to report.
          aborted = statusOf(error) === 404;
          return {};
        }
        failure ??= { from: 's3', error };
        throw error;
      }
    };
    Object.defineProperty(watched, 'send', { value: send });
    try {
      const upload = new sdk.storage.Upload({
        client: watched,
        params: { Bucket: this.#bucket, Key: this.#prefix + key, Body: feed.body, ContentType: 'application/octet-stream' },
        partSize,
        queueSize: this.#queueSize,
        leavePartsOnError: false,
      });
      await upload.done();
      return { key, bytes: feed.bytes };
    } catch (thrown) {
      feed.stop();
      source.destroy();
      const error = putError(failure ?? { from: 's3', error: thrown }, key);
      if (uploadId === undefined) throw error;
      // Same code and message, with the fate of the upload added for the logs.
      throw new AppError(error.code, {
        message: error.message,
        fields: error.fields,
        params: error.params,
        details: { ...error.details, uploadId, uploadAborted: aborted },
        cause: error.cause ?? error,
      });
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    validateKey(key);
    validateRange(range);
    const answer = (await this.#request(
      'blob.read_failed',
      `GetObject ${key}`,
      (s3) =>
        new s3.GetObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key, ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}) }),
      {
        404: () => {
          throw notFound(key);
        },
        416: () => {
          throw rangeInvalid(key, range);
        },
      },
    )) as ClientS3.GetObjectCommandOutput;
    const body = answer.Body instanceof Readable ? answer.Body : Readable.from([]);
    if (!range) return body;

    // Check what came back against what was asked: some S3-compatible servers ignore Range (200)
    // or return more than asked; cut the stream down to the inclusive range ourselves then.
    let skip: number;
    let available: number;
    if (answer.$metadata.httpStatusCode === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(answer.ContentRange ?? '');
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
      const total = answer.ContentLength ?? Number.NaN;
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
    const answer = (await this.#request(
      'blob.read_failed',
      `HeadObject ${key}`,
      (s3) => new s3.HeadObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }),
      { 404: () => undefined },
    )) as ClientS3.HeadObjectCommandOutput | undefined;
    if (!answer) return undefined;
    const bytes = answer.ContentLength;
    if (bytes === undefined || !Number.isSafeInteger(bytes)) throw new AppError('blob.read_failed', { message: `HeadObject ${key}: no Content-Length` });
    return { bytes, modifiedAt: answer.LastModified ?? new Date(0) };
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    // S3 answers 204 whether or not the object existed; some compatible servers say 404.
    await this.#request('blob.delete_failed', `DeleteObject ${key}`, (s3) => new s3.DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }), {
      404: () => undefined,
    });
  }

  async *list(prefix: string): AsyncIterable<string> {
    validatePrefix(prefix);
    let token: string | undefined;
    do {
      const page = (await this.#request(
        'blob.read_failed',
        `ListObjectsV2 ${prefix}`,
        (s3) =>
          new s3.ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: this.#prefix + prefix,
            MaxKeys: this.#listPageSize,
            ...(token ? { ContinuationToken: token } : {}),
          }),
      )) as ClientS3.ListObjectsV2CommandOutput;
      for (const { Key: name } of page.Contents ?? []) {
        if (name === undefined || !name.startsWith(this.#prefix)) continue;
        const key = name.slice(this.#prefix.length);
        try {
          validateKey(key);
        } catch {
          continue; // an object this store could not have written; not addressable through it
        }
        yield key;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}

/**
 * The source as the uploader reads it: bytes counted, `expectedBytes` and the size limit enforced,
 * progress reported, and each chunk released once every part holding its bytes is stored (the
 * uploader gathers chunks into parts, and may send a chunk's own memory as part of a part).
 */
class PartFeed {
  bytes = 0;
  /** Called when reading fails: the source failed, gave more or fewer bytes than announced, or ran past the size limit. */
  onFailure: ((error: unknown) => void) | undefined;
  readonly body: Readable;
  readonly #key: string;
  readonly #source: Readable;
  readonly #options: PutOptions;
  readonly #partSize: number;
  /** Chunks handed on and not released yet, each with the offset just past its last byte. */
  readonly #held: Array<{ chunk: Uint8Array; end: number }> = [];
  /** Parts 1 to `#storedParts` are all stored; `#storedLater` holds parts stored after a gap. */
  #storedParts = 0;
  readonly #storedLater = new Set<number>();

  constructor(key: string, source: Readable, options: PutOptions, partSize: number) {
    this.#key = key;
    this.#source = source;
    this.#options = options;
    this.#partSize = partSize;
    // One chunk read ahead; object mode, so chunks are passed on as they are and never joined.
    this.body = Readable.from(this.#chunks(), { objectMode: true, highWaterMark: 1 });
  }

  async *#chunks(): AsyncGenerator<Uint8Array> {
    const chunks = this.#source[Symbol.asyncIterator]();
    const expected = this.#options.expectedBytes;
    const limit = this.#partSize * MAX_PARTS;
    try {
      for (;;) {
        const next = await chunks.next();
        if (next.done) break;
        const chunk = toBytes(next.value);
        if (chunk.length === 0) continue;
        this.bytes += chunk.length;
        if (expected !== undefined && this.bytes > expected) throw sizeMismatch(expected, this.bytes);
        if (this.bytes > limit) throw tooLarge(this.#key, this.bytes);
        this.#options.onProgress?.(this.bytes);
        if (this.#options.release) this.#held.push({ chunk, end: this.bytes });
        yield chunk;
      }
      if (expected !== undefined && this.bytes !== expected) throw sizeMismatch(expected, this.bytes);
    } catch (error) {
      this.onFailure?.(error);
      throw error;
    }
  }

  /** Part `partNumber` (or the single PutObject, part 1) is stored: its chunks go back to their producer. */
  partStored(partNumber: number): void {
    this.#storedLater.add(partNumber);
    while (this.#storedLater.delete(this.#storedParts + 1)) this.#storedParts++;
    const storedUpTo = this.#storedParts * this.#partSize;
    while (this.#held.length > 0 && this.#held[0]!.end <= storedUpTo) {
      const { chunk } = this.#held.shift()!;
      this.#options.release?.(chunk);
    }
  }

  /** After a failure: nothing held is released any more, and the source is read no further. */
  stop(): void {
    this.#held.length = 0;
    this.body.destroy();
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

/** The HTTP status of an SDK error, when the service answered. */
function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** An SDK (or network) failure as an AppError of `code`, the SDK's error kept as the cause. */
function sdkFailure(error: unknown, code: ErrorCode, what: string, params?: Record<string, string>): AppError {
  if (error instanceof AppError) return error;
  const status = statusOf(error);
  const name = (error as Error | undefined)?.name;
  const text = (error as Error | undefined)?.message ?? String(error);
  const s3Code = status !== undefined && name && name !== 'Error' ? name : undefined;
  const details: Record<string, unknown> = {};
  if (status !== undefined) details['status'] = status;
  if (s3Code) details['s3Code'] = s3Code;
  if (status !== undefined && text) details['s3Message'] = text;
  const requestId = (error as { $metadata?: { requestId?: string } }).$metadata?.requestId;
  if (requestId) details['requestId'] = requestId;
  return new AppError(code, {
    message: status !== undefined ? `${what}: HTTP ${status}${s3Code ? ` ${s3Code}` : ''}${text ? ` (${text})` : ''}` : `${what}: ${text}`,
    details,
    ...(params ? { params } : {}),
    cause: error,
  });
}

function putError(failure: { from: 'source' | 's3'; error: unknown }, key: string): AppError {
  const { from, error } = failure;
  if (error instanceof AppError) return error;
  if (from === 'source') {
    return new AppError('blob.write_failed', { message: `the source of blob ${key} failed`, params: { stage: 'source' }, cause: error });
  }
  return sdkFailure(error, 'blob.write_failed', `cannot store blob ${key}`, { stage: 'write' });
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
