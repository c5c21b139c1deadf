import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { blobStoreContract, collect, failingSource, readAll, rejectsWithCode, sourceOf } from './contract.ts';
import { MIB, S3BlobStore, type S3BlobStoreOptions } from './s3.ts';

const BUCKET = 'vault';
const PREFIX = 'custodia-test/';
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const EMPTY_SHA256 = createHash('sha256').digest('hex');

// ---------------------------------------------------------------------------------------------
// s3rver (an in-process S3 imitation; devDependency) — loaded through require because it is
// CommonJS without types.

interface KoaContext {
  method: string;
  path: string;
  url: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
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

/** A request as s3rver received it (recorded by the outermost middleware), with its answer's status. */
interface Recorded {
  method: string;
  url: URL;
  status: number;
  headers: IncomingHttpHeaders;
}

const requests: Recorded[] = [];
let server: S3rverInstance | undefined;
let directory: string;
let port: number;

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
    // Outermost: records every request as it arrived, with the status it was answered.
    server.middleware.unshift(async (ctx, next) => {
      const record: Recorded = { method: ctx.method, url: new URL(ctx.url, 'http://s3rver'), status: 0, headers: { ...ctx.headers } };
      requests.push(record);
      try {
        await next();
      } finally {
        record.status = ctx.status;
      }
    });
    ({ port } = await server.run());
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
    // Runs after the contract suite (same file, in order). Two parts upload at once, so they may
    // arrive in either order.
    const parts = requests.filter((r) => r.method === 'PUT' && r.url.searchParams.has('partNumber') && r.url.pathname.endsWith('/roundtrip/12582912'));
    assert.deepEqual(parts.map((r) => r.url.searchParams.get('partNumber')).sort(), ['1', '2', '3']);
    assert.ok(requests.some((r) => r.method === 'DELETE' && r.url.pathname.endsWith('/failing-new/x') && r.status === 204));
  });

  it('every request is path-style to the endpoint, signed with the configured key and region, each body by its SHA-256', () => {
    assert.ok(requests.length > 50);
    for (const r of requests) {
      assert.equal(r.headers.host, `127.0.0.1:${port}`, `${r.method} ${r.url}`);
      assert.ok(r.url.pathname.startsWith(`/${BUCKET}/`) || r.url.pathname === `/${BUCKET}`, `path-style: ${r.url.pathname}`);
      assert.match(
        String(r.headers.authorization),
        /^AWS4-HMAC-SHA256 Credential=S3RVER\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=[^,]*\bx-amz-content-sha256\b/,
      );
      // Every body went whole and signed (S3 then checks it): no UNSIGNED-PAYLOAD, no streaming signature.
      assert.match(String(r.headers['x-amz-content-sha256']), /^[0-9a-f]{64}$/, `${r.method} ${r.url}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// A scripted fake S3 on loopback for the failure paths s3rver cannot produce. It answers for the
// bucket `bucket`, path-style, and checks each request's `x-amz-content-sha256` against its body.

interface FakeOptions {
  /** Status to answer an UploadPart attempt with instead of storing it. */
  partStatus?(partNumber: number, attempt: number): number | undefined;
  completeBody?: string;
  /** Milliseconds to wait before reading an UploadPart's body (the client's writes wait meanwhile). */
  partDelay?(partNumber: number): number;
  /** Path the endpoint has in front of `/bucket`. */
  basePath?: string;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** A fake S3 for the memory test, in its own process: it takes multipart uploads and keeps only part sizes. */
const SINK = `
  import { createServer } from 'node:http';
  const parts = [];
  const server = createServer(async (req, res) => {
    let bytes = 0;
    for await (const chunk of req) bytes += chunk.length;
    const q = new URL(req.url, 'http://sink').searchParams;
    if (req.method === 'GET') return res.end(JSON.stringify(parts));
    if (req.method === 'POST' && q.has('uploads')) return res.end('<InitiateMultipartUploadResult><UploadId>u1</UploadId></InitiateMultipartUploadResult>');
    if (req.method === 'PUT') {
      if (q.has('partNumber')) parts.push(bytes);
      res.writeHead(200, { etag: '"e"' });
      return res.end();
    }
    if (req.method === 'POST') return res.end('<CompleteMultipartUploadResult/>');
    res.writeHead(501);
    res.end();
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

const fakes: Array<ReturnType<typeof createServer>> = [];
after(() => {
  for (const fake of fakes) {
    fake.close();
    fake.closeAllConnections();
  }
});

async function fakeS3(options: FakeOptions = {}) {
  const objects = new Map<string, Buffer>();
  const uploads = new Map<string, Map<number, Buffer>>();
  const partSizes: number[] = [];
  /** Sizes of the bodies sent by PutObject and UploadPart, in the order they were stored. */
  const sentSizes: number[] = [];
  const attempts = new Map<string, number>();
  const log: string[] = [];
  const headers: IncomingHttpHeaders[] = [];
  let nextId = 1;
  const xml = (status: number, body: string): Answer => ({ status, headers: { 'content-type': 'application/xml' }, body });
  const answer = (method: string, url: URL, body: Buffer): Answer => {
    const base = `${options.basePath ?? ''}/bucket`;
    if (!url.pathname.startsWith(base)) return xml(400, '<Error><Code>InvalidURI</Code></Error>');
    const name = decodeURIComponent(url.pathname.slice(base.length)).replace(/^\//, '');
    const q = url.searchParams;
    q.delete('x-id'); // the SDK names the operation in the query; S3 ignores it
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
      sentSizes.push(body.length);
      uploads.get(q.get('uploadId')!)!.set(n, body);
      return { status: 200, headers: { etag: `"etag-${n}"` } };
    }
    if (method === 'POST' && q.has('uploadId')) {
      if (options.completeBody) return xml(200, options.completeBody);
      const parts = uploads.get(q.get('uploadId')!)!;
      objects.set(name, Buffer.concat([...parts.entries()].sort(([a], [b]) => a - b).map(([, b]) => b)));
      uploads.delete(q.get('uploadId')!);
      return xml(200, '<CompleteMultipartUploadResult/>');
    }
    if (method === 'DELETE' && q.has('uploadId')) {
      return { status: uploads.delete(q.get('uploadId')!) ? 204 : 404 };
    }
    if (method === 'PUT') {
      sentSizes.push(body.length);
      objects.set(name, body);
      return { status: 200, headers: { etag: '"x"' } };
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
    if (method === 'HEAD') {
      const object = objects.get(name);
      if (!object) return { status: 404 };
      return { status: 200, headers: { 'content-length': String(object.length), 'last-modified': new Date().toUTCString() } };
    }
    if (method === 'GET') {
      const object = objects.get(name);
      if (!object) return xml(404, '<Error><Code>NoSuchKey</Code></Error>');
      // Like a server without Range support: 200 and the whole object, whatever was asked.
      return { status: 200, headers: { 'content-length': String(object.length) }, body: object };
    }
    return xml(501, '<Error><Code>NotImplemented</Code></Error>');
  };
  const http = createServer(async (req, res) => {
    const partNumber = new URL(req.url!, 'http://fake').searchParams.get('partNumber');
    if (partNumber) await sleep(options.partDelay?.(Number(partNumber)) ?? 0);
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) {
      hash.update(chunk);
      chunks.push(chunk);
    }
    headers.push(req.headers);
    const url = new URL(req.url!, 'http://fake');
    const signed = req.headers['x-amz-content-sha256'];
    const reply =
      signed === hash.digest('hex')
        ? answer(req.method!, url, Buffer.concat(chunks))
        : xml(400, `<Error><Code>XAmzContentSHA256Mismatch</Code><Message>${signed}</Message></Error>`);
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
  });
  fakes.push(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://localhost:${(http.address() as AddressInfo).port}${options.basePath ?? ''}`;
  return { endpoint, objects, uploads, partSizes, sentSizes, attempts, log, headers };
}

function fakeStore(fake: { endpoint: string }, extra: Partial<S3BlobStoreOptions> = {}): S3BlobStore {
  return new S3BlobStore({
    endpoint: fake.endpoint,
    region: 'eu-west-1',
    bucket: 'bucket',
    accessKeyId: 'AK',
    secretAccessKey: 'SK',
    partSize: 5 * MIB,
    ...extra,
  });
}

describe('S3BlobStore failure paths (scripted fake S3)', () => {
  it('an UploadPart that keeps failing aborts the upload; nothing is stored and the source is released', async () => {
    const fake = await fakeS3({ partStatus: (n) => (n === 2 ? 500 : undefined) });
    const source = sourceOf(randomBytes(12 * MIB));
    const error = await rejectsWithCode(fakeStore(fake, { retries: 1 }).put('a/b', source), 'blob.write_failed');
    assert.equal(error.details?.['uploadAborted'], true);
    assert.equal(error.details?.['status'], 500);
    assert.equal(fake.attempts.get('part2'), 2, 'one retry');
    assert.equal(fake.uploads.size, 0, 'upload aborted');
    assert.equal(fake.objects.size, 0);
    assert.ok(source.destroyed);
    assert.equal(fake.log.at(-1), 'DELETE uploadId');
  });

  it('after a failed part the source is read no further (the other part in flight only settles)', async () => {
    const fake = await fakeS3({ partStatus: (n) => (n === 1 ? 500 : undefined) });
    let taken = 0;
    const error = await rejectsWithCode(
      fakeStore(fake, { retries: 0 }).put('a/b', sourceOf(randomBytes(60 * MIB)), {
        onProgress: (n) => {
          taken = n;
        },
      }),
      'blob.write_failed',
    );
    assert.equal(error.details?.['uploadAborted'], true);
    assert.ok(taken <= 25 * MIB, `${taken / MIB} MiB of 60 read after part 1 failed`);
    assert.ok(fake.sentSizes.length <= 3, `${fake.sentSizes.length} parts stored after part 1 failed`);
    assert.equal(fake.log.at(-1), 'DELETE uploadId');
  });

  it('a 503 on a part is retried and the upload completes', async () => {
    const fake = await fakeS3({ partStatus: (n, attempt) => (n === 1 && attempt === 1 ? 503 : undefined) });
    const data = randomBytes(11 * MIB);
    await fakeStore(fake).put('a/b', sourceOf(data));
    assert.ok(fake.objects.get('a/b')!.equals(data));
    assert.deepEqual(fake.partSizes, [5 * MIB, 5 * MIB, MIB]);
  });

  it('CompleteMultipartUpload answering 200 with an <Error> body is a failure, and the upload is aborted', async () => {
    const fake = await fakeS3({ completeBody: '<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>' });
    const error = await rejectsWithCode(fakeStore(fake).put('a/b', sourceOf(randomBytes(6 * MIB))), 'blob.write_failed');
    assert.match(error.message, /InternalError/);
    assert.equal(fake.uploads.size, 0);
    assert.equal(fake.objects.size, 0);
  });

  it('a blob of exactly one part size, and one that ends on a part boundary, send no empty part', async () => {
    for (const size of [5 * MIB, 10 * MIB]) {
      const fake = await fakeS3();
      await fakeStore(fake).put('k', sourceOf(randomBytes(size)));
      assert.deepEqual(fake.sentSizes, Array(size / (5 * MIB)).fill(5 * MIB), `${size} bytes`);
    }
  });

  it('a server that ignores Range (200 with the whole object): the adapter cuts the range itself', async () => {
    const fake = await fakeS3();
    const data = randomBytes(1000);
    fake.objects.set('k', data);
    const store = fakeStore(fake);
    assert.ok((await readAll(await store.get('k', { start: 10, end: 19 }))).equals(data.subarray(10, 20)));
    assert.ok((await readAll(await store.get('k', { start: 990 }))).equals(data.subarray(990)));
    await rejectsWithCode(store.get('k', { start: 1000 }), 'blob.range_invalid');
  });

  it('a failing source after 7 MiB: part 1 was sent, then the upload is aborted', async () => {
    const fake = await fakeS3();
    await rejectsWithCode(fakeStore(fake).put('k', failingSource(7 * MIB)), 'blob.write_failed');
    assert.deepEqual(fake.partSizes, [5 * MIB]);
    assert.equal(fake.uploads.size, 0);
    assert.deepEqual(fake.log, ['POST uploads', 'PUT partNumber&uploadId', 'DELETE uploadId']);
  });

  it('memory stays flat: 160 MiB in 5 MiB parts with RSS growing by far less', async () => {
    // The server is its own process here, so that only the store's memory is measured.
    const sink = spawn(process.execPath, ['--input-type=module', '-e', SINK], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [port] = (await once(sink.stdout!, 'data')) as [Buffer];
      const store = fakeStore({ endpoint: `http://127.0.0.1:${String(port).trim()}` });
      // The SDK loaded and the upload path used once before the measure, as in a running node.
      await store.put('warm', sourceOf(Buffer.alloc(20 * MIB, 1)));
      const total = 160 * MIB;
      const base = process.memoryUsage().rss;
      let peak = base;
      const source = Readable.from(
        (function* () {
          for (let sent = 0; sent < total; sent += 65_536) yield Buffer.alloc(65_536, 1);
        })(),
      );
      await store.put('big', source, {
        onProgress: () => {
          peak = Math.max(peak, process.memoryUsage().rss);
        },
      });
      const parts = (await (await fetch(`http://127.0.0.1:${String(port).trim()}/stats`)).json()) as number[];
      assert.equal(parts.length, 4 + 32);
      assert.ok(peak - base < 80 * MIB, `RSS grew by ${Math.round((peak - base) / MIB)} MiB for 160 MiB`);
    } finally {
      sink.kill();
    }
  });

  it('list follows continuation tokens, strips the prefix and skips objects it could not have written', async () => {
    const fake = await fakeS3();
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
    assert.throws(() => new S3BlobStore({ ...base, queueSize: 0 }), { code: 'config.invalid' });
  });
});

describe('S3BlobStore requests (scripted fake S3)', () => {
  it('path-style against an endpoint named by host, with the path the endpoint has', async () => {
    // A host name (not an IP address): without path-style the SDK would ask for bucket.localhost.
    const fake = await fakeS3({ basePath: '/s3/store' });
    const store = fakeStore(fake, { prefix: 'p/' });
    await store.put('k/1', sourceOf(Buffer.from('hello')));
    assert.equal((await store.stat('k/1'))?.bytes, 5);
    assert.ok(fake.objects.has('p/k/1'));
  });

  it('signs with the configured region and credentials, and sends the session token', async () => {
    const fake = await fakeS3();
    const store = fakeStore(fake, { region: 'sa-east-1', accessKeyId: 'AKIDEXAMPLE', sessionToken: 'session-token-1' });
    await store.put('k', sourceOf(Buffer.from('x')));
    assert.equal(await store.stat('missing'), undefined);
    assert.equal(fake.headers.length, 2);
    for (const headers of fake.headers) {
      assert.match(String(headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/sa-east-1\/s3\/aws4_request,/);
      assert.equal(headers['x-amz-security-token'], 'session-token-1');
    }
    assert.equal(fake.headers[1]!['x-amz-content-sha256'], EMPTY_SHA256);
  });

  it('release: a chunk goes back only once every part holding its bytes is stored', async () => {
    // One 7 MiB chunk spans parts 1 and 2. The rest comes only once part 1 is stored, so the
    // chunk's last 2 MiB are still waiting to become part 2 then: it must not be released yet.
    const fake = await fakeS3();
    const data = randomBytes(13 * MIB);
    const chunks: Uint8Array[] = [Buffer.from(data.subarray(0, 7 * MIB)), Buffer.from(data.subarray(7 * MIB, 8 * MIB)), Buffer.from(data.subarray(8 * MIB))];
    const released: number[] = [];
    const source = Readable.from(
      (async function* () {
        yield chunks[0]!;
        while (fake.partSizes[0] === undefined) await sleep(5);
        await sleep(50);
        yield* chunks.slice(1);
      })(),
      { objectMode: false },
    );
    await fakeStore(fake).put('r', source, {
      release(chunk) {
        released.push(chunks.indexOf(chunk));
        chunk.fill(0);
      },
    });
    assert.ok(fake.objects.get('r')!.equals(data), 'a chunk was released while a part still needed it');
    assert.deepEqual(released, [0, 1, 2]);
  });

  it('release: parts stored out of order release nothing until those before them are stored', async () => {
    // Part 1 is sent straight from the first chunk's memory and its server reads it last.
    const fake = await fakeS3({ partDelay: (n) => (n === 1 ? 300 : 0) });
    const data = randomBytes(12 * MIB);
    const chunks: Uint8Array[] = [Buffer.from(data.subarray(0, 6 * MIB)), Buffer.from(data.subarray(6 * MIB))];
    const released: number[] = [];
    await fakeStore(fake).put('r', Readable.from(chunks), {
      release(chunk) {
        released.push(chunks.indexOf(chunk));
        chunk.fill(0);
      },
    });
    assert.ok(fake.objects.get('r')!.equals(data), 'a chunk was released while a part still needed it');
    assert.deepEqual(released, [0, 1]);
  });

  it('network failures map to the operation’s code, with the cause kept', async () => {
    const fake = await fakeS3();
    const closed = fakes.at(-1)!;
    await new Promise((resolve) => closed.close(resolve));
    const store = fakeStore(fake, { retries: 0 });
    const failures = [
      [() => store.get('k'), 'blob.read_failed'],
      [() => store.stat('k'), 'blob.read_failed'],
      [() => store.delete('k'), 'blob.delete_failed'],
      [() => collect(store.list('')), 'blob.read_failed'],
      [() => store.put('k', sourceOf(Buffer.from('x'))), 'blob.write_failed'],
    ] as const;
    for (const [operation, code] of failures) {
      const error = await rejectsWithCode(operation(), code);
      assert.ok(error.cause instanceof Error, `${code}: cause kept`);
    }
  });
});

describe('S3BlobStore loads the AWS SDK lazily', () => {
  it('creating the store loads nothing; the first request loads the SDK', () => {
    const script = `
      import { createRequire } from 'node:module';
      const { S3BlobStore } = await import(${JSON.stringify(new URL('./s3.ts', import.meta.url).href)});
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('/@aws-sdk/'));
      const store = new S3BlobStore({ endpoint: 'http://127.0.0.1:9', region: 'r', bucket: 'bucket', accessKeyId: 'a', secretAccessKey: 's', retries: 0 });
      const created = loaded();
      await store.stat('k').catch(() => {});
      process.stdout.write(JSON.stringify({ created, used: loaded() }));
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: import.meta.dirname });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { created: false, used: true });
  });
});
