import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { blobStoreContract, collect, failingSource, readAll, rejectsWithCode, sourceOf } from './contract.ts';
import { MIB, S3BlobStore, type S3BlobStoreOptions } from './s3.ts';
import { EMPTY_SHA256, signV4 } from './sigv4.ts';

const BUCKET = 'vault';
const PREFIX = 'custodia-test/';
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

// ---------------------------------------------------------------------------------------------
// s3rver (an in-process S3 imitation; devDependency) — loaded through require because it is
// CommonJS without types.

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  body: unknown;
}
interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  middleware: Array<(ctx: KoaContext, next: () => Promise<void>) => Promise<void>>;
  store: { getResourcePath(bucket: string, key: string | undefined, resource: string): string };
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

let S3rver: S3rverConstructor | undefined;
let s3rverMissing: string | undefined;
try {
  S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
} catch (error) {
  s3rverMissing = `s3rver is not installed (${(error as Error).message.split('\n')[0]})`;
}

/**
 * Checks each request as it goes on the wire: recomputes its SigV4 signature from the URL and
 * headers actually sent (s3rver 3.7 does not verify V4 signatures, so this is what catches a path or
 * query that differs from the one signed) and that `x-amz-content-sha256` is the body's hash.
 * Also records the requests.
 */
function checkingFetch(log: Array<{ method: string; url: URL; status: number }>): typeof fetch {
  return async (input, init) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    const headers = init?.headers as Record<string, string>;
    const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request,SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(
      headers['authorization'] ?? '',
    );
    assert.ok(auth, `malformed Authorization: ${headers['authorization']}`);
    const [, accessKeyId, , region, signedNames, signature] = auth;
    const signedHeaders: Record<string, string> = {};
    for (const name of signedNames!.split(';')) {
      if (name !== 'host' && name !== 'x-amz-date' && name !== 'x-amz-content-sha256') signedHeaders[name] = headers[name]!;
    }
    const stamp = headers['x-amz-date']!;
    const again = signV4({
      method,
      host: url.host,
      path: decodeURIComponent(url.pathname),
      query: Object.fromEntries(url.searchParams),
      headers: signedHeaders,
      payloadHash: headers['x-amz-content-sha256']!,
      region: region!,
      credentials: { accessKeyId: accessKeyId!, secretAccessKey: credentials.secretAccessKey },
      date: new Date(stamp.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z')),
    });
    assert.equal(again.signature, signature, `${method} ${url}: the signature does not match the request as sent`);
    const body = init?.body as Uint8Array | undefined;
    assert.equal(headers['x-amz-content-sha256'], body ? createHash('sha256').update(body).digest('hex') : EMPTY_SHA256, 'payload hash');
    const res = await fetch(url, init);
    log.push({ method, url, status: res.status });
    return res;
  };
}

const requests: Array<{ method: string; url: URL; status: number }> = [];
let server: S3rverInstance | undefined;
let directory: string;

async function uploadsLeftOnServer(): Promise<string[]> {
  return readdir(server!.store.getResourcePath(BUCKET, undefined, 'uploads')).catch(() => []);
}

blobStoreContract({
  name: 's3 (s3rver 3.7 in process, 5 MiB parts)',
  skip: s3rverMissing,
  async setup() {
    directory = await mkdtemp(join(tmpdir(), 'custodia-s3rver-'));
    server = new S3rver!({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET }] });
    // s3rver 3.7.1 has no AbortMultipartUpload: `DELETE /bucket/key?uploadId=…` answers 405
    // MethodNotAllowed and the parts stay. This shim, first in its Koa chain, does what S3 does
    // (drop the upload's stored parts, answer 204; 404 NoSuchUpload when there is none).
    server.middleware.unshift(async (ctx, next) => {
      if (ctx.method !== 'DELETE' || !('uploadId' in ctx.query)) return next();
      const id = ctx.query['uploadId']!;
      if (!/^[0-9a-f]+$/.test(id)) return next();
      const dir = join(server!.store.getResourcePath(ctx.path.split('/')[1]!, undefined, 'uploads'), id);
      const existed = (await readdir(dir).catch(() => undefined)) !== undefined;
      await rm(dir, { recursive: true, force: true });
      ctx.status = existed ? 204 : 404;
      ctx.body = existed ? null : '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code></Error>';
    });
    const { port } = await server.run();
    return new S3BlobStore({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      bucket: BUCKET,
      ...credentials,
      prefix: PREFIX,
      partSize: 5 * MIB,
      // Not a small listPageSize: s3rver 3.7.1 makes continuation tokens with DES
      // (createCipheriv('des')), which OpenSSL 3 in Node 26 refuses (ERR_OSSL_EVP_UNSUPPORTED), so
      // any truncated listing answers 500 there. Paging is tested against the fake below.
      fetch: checkingFetch(requests),
    });
  },
  async teardown() {
    await server?.close();
    await rm(directory, { recursive: true, force: true });
  },
  largeBytes: 12 * MIB,
  failAfterBytes: 7 * MIB,
  // s3rver walks its directory tree, so `b/…` comes before `b-d`; S3 itself lists in UTF-8 binary order.
  listUnordered: 's3rver does not list in UTF-8 binary order',
  async assertNoLeftovers(key) {
    const path = `/${BUCKET}/${PREFIX}${key}`;
    const created = requests.filter((r) => r.method === 'POST' && r.url.pathname === path && r.url.searchParams.has('uploads') && r.status === 200).length;
    const completed = requests.filter((r) => r.method === 'POST' && r.url.pathname === path && r.url.searchParams.has('uploadId') && r.status === 200).length;
    const aborted = requests.filter((r) => r.method === 'DELETE' && r.url.pathname === path && r.url.searchParams.has('uploadId') && r.status === 204).length;
    assert.equal(created - completed, aborted, `every unfinished multipart upload of ${key} was aborted`);
    assert.deepEqual(await uploadsLeftOnServer(), [], 'no multipart upload left on the server');
  },
});

describe('s3 against s3rver: what went over the wire', { skip: s3rverMissing ?? false }, () => {
  it('the contract used multipart uploads (3 parts for 12 MiB) and aborted the failed ones', () => {
    // Runs after the contract suite (same file, in order).
    const parts = requests.filter((r) => r.method === 'PUT' && r.url.searchParams.has('partNumber') && r.url.pathname.endsWith('/roundtrip/12582912'));
    assert.deepEqual(
      parts.map((r) => r.url.searchParams.get('partNumber')),
      ['1', '2', '3'],
    );
    assert.ok(requests.some((r) => r.method === 'DELETE' && r.url.pathname.endsWith('/failing-new/x') && r.status === 204));
  });
});

// ---------------------------------------------------------------------------------------------
// A scripted fake S3 for the failure paths s3rver cannot produce.

interface FakeOptions {
  /** Status to answer an UploadPart attempt with instead of storing it. */
  partStatus?(partNumber: number, attempt: number): number | undefined;
  completeBody?: string;
  ignoreRange?: boolean;
  /** Keep part bodies? (off for the memory test: only their hashes are kept) */
  keepBodies?: boolean;
}

function fakeS3(options: FakeOptions = {}) {
  const objects = new Map<string, Buffer>();
  const uploads = new Map<string, Map<number, Buffer>>();
  const partSizes: number[] = [];
  const attempts = new Map<string, number>();
  const log: string[] = [];
  let nextId = 1;
  const xml = (status: number, body: string) => new Response(body, { status, headers: { 'content-type': 'application/xml' } });
  const doFetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    const name = decodeURIComponent(url.pathname).replace(/^\/bucket\//, '');
    const body = init?.body ? Buffer.from(init.body as Uint8Array) : Buffer.alloc(0);
    const q = url.searchParams;
    log.push(`${method} ${[...q.keys()].join('&')}`);
    if (method === 'POST' && q.has('uploads')) {
      const id = `u${nextId++}`;
      uploads.set(id, new Map());
      return xml(200, `<InitiateMultipartUploadResult><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`);
    }
    if (method === 'PUT' && q.has('uploadId')) {
      const n = Number(q.get('partNumber'));
      const attempt = (attempts.get(`part${n}`) ?? 0) + 1;
      attempts.set(`part${n}`, attempt);
      const status = options.partStatus?.(n, attempt);
      if (status) return xml(status, '<Error><Code>InternalError</Code></Error>');
      partSizes[n - 1] = body.length;
      uploads.get(q.get('uploadId')!)!.set(n, options.keepBodies === false ? Buffer.alloc(0) : body);
      return new Response(null, { status: 200, headers: { etag: `"etag-${n}"` } });
    }
    if (method === 'POST' && q.has('uploadId')) {
      if (options.completeBody) return xml(200, options.completeBody);
      const parts = uploads.get(q.get('uploadId')!)!;
      objects.set(name, Buffer.concat([...parts.entries()].sort(([a], [b]) => a - b).map(([, b]) => b)));
      uploads.delete(q.get('uploadId')!);
      return xml(200, '<CompleteMultipartUploadResult/>');
    }
    if (method === 'DELETE' && q.has('uploadId')) {
      return new Response(null, { status: uploads.delete(q.get('uploadId')!) ? 204 : 404 });
    }
    if (method === 'PUT') {
      objects.set(name, body);
      return new Response(null, { status: 200, headers: { etag: '"x"' } });
    }
    if (method === 'GET' && q.get('list-type') === '2') {
      // ListObjectsV2 with paging; the continuation token is simply the last key returned.
      const after = q.get('continuation-token') ?? '';
      const max = Number(q.get('max-keys') ?? 1000);
      const names = [...objects.keys()].filter((k) => k.startsWith(q.get('prefix') ?? '') && k > after).sort();
      const page = names.slice(0, max);
      const truncated = names.length > max;
      return xml(
        200,
        `<ListBucketResult>${page.map((k) => `<Contents><Key>${k}</Key><Size>1</Size></Contents>`).join('')}<IsTruncated>${truncated}</IsTruncated>${
          truncated ? `<NextContinuationToken>${page.at(-1)}</NextContinuationToken>` : ''
        }</ListBucketResult>`,
      );
    }
    if (method === 'GET') {
      const object = objects.get(name);
      if (!object) return xml(404, '<Error><Code>NoSuchKey</Code></Error>');
      // ignoreRange: answer like a server without Range support, 200 and the whole object.
      return new Response(object as Uint8Array<ArrayBuffer>, { status: 200, headers: { 'content-length': String(object.length) } });
    }
    return xml(501, '<Error><Code>NotImplemented</Code></Error>');
  };
  return { fetch: doFetch, objects, uploads, partSizes, attempts, log };
}

function fakeStore(fake: ReturnType<typeof fakeS3>, extra: Partial<S3BlobStoreOptions> = {}): S3BlobStore {
  return new S3BlobStore({
    endpoint: 'http://s3.test',
    region: 'eu-west-1',
    bucket: 'bucket',
    accessKeyId: 'AK',
    secretAccessKey: 'SK',
    partSize: 5 * MIB,
    fetch: fake.fetch,
    ...extra,
  });
}

describe('S3BlobStore failure paths (scripted fake S3)', () => {
  it('an UploadPart that keeps failing aborts the upload; nothing is stored and the source is released', async () => {
    const fake = fakeS3({ partStatus: (n) => (n === 2 ? 500 : undefined) });
    const source = sourceOf(randomBytes(12 * MIB));
    const error = await rejectsWithCode(fakeStore(fake, { retries: 1 }).put('a/b', source), 'blob.write_failed');
    assert.equal(error.details?.['uploadAborted'], true);
    assert.equal(fake.attempts.get('part2'), 2, 'one retry');
    assert.equal(fake.uploads.size, 0, 'upload aborted');
    assert.equal(fake.objects.size, 0);
    assert.ok(source.destroyed);
    assert.equal(fake.log.at(-1), 'DELETE uploadId');
  });

  it('a 503 on a part is retried and the upload completes', async () => {
    const fake = fakeS3({ partStatus: (n, attempt) => (n === 1 && attempt === 1 ? 503 : undefined) });
    const data = randomBytes(11 * MIB);
    await fakeStore(fake).put('a/b', sourceOf(data));
    assert.ok(fake.objects.get('a/b')!.equals(data));
    assert.deepEqual(fake.partSizes, [5 * MIB, 5 * MIB, MIB]);
  });

  it('CompleteMultipartUpload answering 200 with an <Error> body is a failure, and the upload is aborted', async () => {
    const fake = fakeS3({ completeBody: '<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>' });
    const error = await rejectsWithCode(fakeStore(fake).put('a/b', sourceOf(randomBytes(6 * MIB))), 'blob.write_failed');
    assert.match(error.message, /InternalError/);
    assert.equal(fake.uploads.size, 0);
    assert.equal(fake.objects.size, 0);
  });

  it('a blob of exactly one part size, and one that ends on a part boundary, send no empty part', async () => {
    for (const size of [5 * MIB, 10 * MIB]) {
      const fake = fakeS3();
      await fakeStore(fake).put('k', sourceOf(randomBytes(size)));
      assert.deepEqual(fake.partSizes, Array(size / (5 * MIB)).fill(5 * MIB), `${size} bytes`);
    }
  });

  it('a server that ignores Range (200 with the whole object): the adapter cuts the range itself', async () => {
    const fake = fakeS3({ ignoreRange: true });
    const data = randomBytes(1000);
    fake.objects.set('k', data);
    const store = fakeStore(fake);
    assert.ok((await readAll(await store.get('k', { start: 10, end: 19 }))).equals(data.subarray(10, 20)));
    assert.ok((await readAll(await store.get('k', { start: 990 }))).equals(data.subarray(990)));
    await rejectsWithCode(store.get('k', { start: 1000 }), 'blob.range_invalid');
  });

  it('a failing source after 7 MiB: part 1 was sent, then the upload is aborted', async () => {
    const fake = fakeS3();
    await rejectsWithCode(fakeStore(fake).put('k', failingSource(7 * MIB)), 'blob.write_failed');
    assert.deepEqual(fake.partSizes, [5 * MIB]);
    assert.equal(fake.uploads.size, 0);
    assert.deepEqual(fake.log, ['POST uploads', 'PUT partNumber&uploadId', 'DELETE uploadId']);
  });

  it('memory stays flat: 160 MiB in 5 MiB parts with RSS growing by far less', async () => {
    const fake = fakeS3({ keepBodies: false });
    const total = 160 * MIB;
    const base = process.memoryUsage().rss;
    let peak = base;
    const source = Readable.from(
      (function* () {
        for (let sent = 0; sent < total; sent += 65_536) yield Buffer.alloc(65_536, 1);
      })(),
    );
    await fakeStore(fake).put('big', source, {
      onProgress: () => {
        peak = Math.max(peak, process.memoryUsage().rss);
      },
    });
    assert.equal(fake.partSizes.length, 32);
    assert.ok(peak - base < 80 * MIB, `RSS grew by ${Math.round((peak - base) / MIB)} MiB for 160 MiB`);
  });

  it('list follows continuation tokens, strips the prefix and skips objects it could not have written', async () => {
    const fake = fakeS3();
    for (const name of ['p/a', 'p/b', 'p/c/d', 'p/e', 'p/f', 'p/bad name', 'other/x']) fake.objects.set(name, Buffer.from('1'));
    const store = fakeStore(fake, { prefix: 'p/', listPageSize: 2 });
    assert.deepEqual(await collect(store.list('')), ['a', 'b', 'c/d', 'e', 'f']);
    assert.equal(fake.log.filter((l) => l.includes('list-type')).length, 3, 'six names under p/, three pages of two');
    assert.ok(fake.log.some((l) => l.includes('continuation-token')));
  });

  it('refuses a bad configuration', () => {
    const base = { endpoint: 'http://s3.test', region: 'r', bucket: 'bucket', accessKeyId: 'a', secretAccessKey: 's' };
    assert.throws(() => new S3BlobStore({ ...base, partSize: MIB }), { code: 'config.invalid' });
    assert.throws(() => new S3BlobStore({ ...base, bucket: 'Bad_Bucket' }), { code: 'config.invalid' });
    assert.throws(() => new S3BlobStore({ ...base, endpoint: 'ftp://x' }), { code: 'config.invalid' });
    assert.throws(() => new S3BlobStore({ ...base, prefix: '/abs' }), { code: 'config.invalid' });
  });
});
