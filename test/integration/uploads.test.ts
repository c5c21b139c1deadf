import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import type { Uploads } from '../../src/modules/evidence/index.ts';
import { asActor, type Principal, systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { type EnrolledUser, enrolUser, login, ManualClock } from '../support/identity.ts';

const TUS = { 'tus-resumable': '1.0.0' };
const OCTETS = 'application/offset+octet-stream';
const CASE = 'CASO-2026-0042';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const metadataOf = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => (v === '' ? k : `${k} ${b64(v)}`))
    .join(',');
const digest = (algorithm: string, data: Buffer) => `${algorithm} ${createHash(algorithm).update(data).digest('base64')}`;

for (const dialect of DIALECTS) {
  describe(`tus evidence uploads on ${dialect}`, () => {
    const clock = new ManualClock();
    let t: TestApp;
    let server: FastifyInstance;
    let uploads: Uploads;
    let base: string;
    let officer: EnrolledUser;
    let colleague: EnrolledUser;
    let officerToken: string;
    let colleagueToken: string;
    let auditorToken: string;
    let exhibits = 0;

    const sessionOf = async (user: EnrolledUser) => {
      const secret = await login(t.app, clock, user);
      const principal = (await t.app.identity.sessions.authenticate(secret)) as Principal;
      return { secret, principal };
    };
    const tokenOf = async (user: EnrolledUser) => {
      const { principal } = await sessionOf(user);
      return (await t.app.identity.tokens.create(principal, { name: 'tus', scopes: [...principal.permissions] })).token;
    };
    const metadata = (extra: Record<string, string> = {}) =>
      metadataOf({
        case: CASE,
        exhibit: `EV-${++exhibits}`,
        filename: 'teléfono.bin',
        acquiredBy: 'PNP DIVINDAT, agente 123',
        acquiredAt: '2026-11-24T09:30:00-05:00',
        sha1: '',
        ...extra,
      });
    const inject = (method: 'OPTIONS' | 'POST' | 'HEAD' | 'PATCH' | 'DELETE', url: string, headers: Record<string, string>, payload?: Buffer) =>
      server.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
    const auth = (token = officerToken) => ({ authorization: `Bearer ${token}` });
    const create = async (length: number, token = officerToken, meta = metadata()) => {
      const res = await inject('POST', '/api/v1/uploads', { ...TUS, ...auth(token), 'upload-length': String(length), 'upload-metadata': meta });
      assert.equal(res.statusCode, 201, res.body);
      return String(res.headers.location);
    };
    const patch = (url: string, offset: number, data: Buffer, extra: Record<string, string> = {}, token = officerToken) =>
      inject('PATCH', url, { ...TUS, ...auth(token), 'content-type': OCTETS, 'upload-offset': String(offset), ...extra }, data);
    const offsetOf = async (url: string) => {
      const res = await inject('HEAD', url, { ...TUS, ...auth() });
      assert.equal(res.statusCode, 200);
      return Number(res.headers['upload-offset']);
    };

    before(async () => {
      t = await createTestApp({ dialect, clock, load: false });
      server = await buildServer(t.app, { logRequests: false });
      uploads = t.app.uploads;
      base = await server.listen({ port: 0, host: '127.0.0.1' });

      officer = await enrolUser(t.app, clock, { email: 'fiscal@a.example', orgId: 'org-a', roles: ['officer'] });
      colleague = await enrolUser(t.app, clock, { email: 'colega@a.example', orgId: 'org-a', roles: ['officer'] });
      const auditor = await enrolUser(t.app, clock, { email: 'audit@a.example', orgId: 'org-a', roles: ['auditor'] });
      await t.app.cases.create(systemActor('test'), { reference: CASE, orgId: 'org-a', members: [officer.userId, colleague.userId] });
      officerToken = await tokenOf(officer);
      colleagueToken = await tokenOf(colleague);
      auditorToken = await tokenOf(auditor);
    });
    after(async () => {
      await server.close();
      await t.cleanup();
    });

    it('tells what it offers on OPTIONS, without needing Tus-Resumable', async () => {
      const res = await inject('OPTIONS', '/api/v1/uploads', auth());
      assert.equal(res.statusCode, 204);
      assert.equal(res.headers['tus-version'], '1.0.0');
      assert.equal(res.headers['tus-resumable'], '1.0.0');
      assert.deepEqual(String(res.headers['tus-extension']).split(',').sort(), ['checksum', 'creation', 'expiration', 'termination']);
      assert.equal(res.headers['tus-max-size'], String(uploads.maxBytes));
      assert.deepEqual(String(res.headers['tus-checksum-algorithm']).split(',').sort(), ['md5', 'sha1', 'sha256']);
    });

    it('refuses callers without the right first, then requests without Tus-Resumable: 1.0.0 (412 with Tus-Version)', async () => {
      assert.equal((await inject('POST', '/api/v1/uploads', { ...TUS, 'upload-length': '5' })).statusCode, 401);
      const forbidden = await inject('POST', '/api/v1/uploads', { ...TUS, ...auth(auditorToken), 'upload-length': '5', 'upload-metadata': metadata() });
      assert.equal(forbidden.statusCode, 403);
      for (const version of [undefined, '0.2.2']) {
        const res = await inject('POST', '/api/v1/uploads', {
          ...auth(),
          'upload-length': '5',
          'upload-metadata': metadata(),
          ...(version ? { 'tus-resumable': version } : {}),
        });
        assert.equal(res.statusCode, 412);
        assert.equal(res.headers['tus-version'], '1.0.0');
        assert.equal(res.headers['tus-resumable'], '1.0.0');
        assert.equal(res.json().code, 'upload.version_unsupported');
      }
    });

    it('creates an upload only for a valid description of evidence in a case the person can see', async () => {
      const missing = await inject('POST', '/api/v1/uploads', { ...TUS, ...auth(), 'upload-metadata': metadata() });
      assert.equal(missing.statusCode, 400);
      assert.equal(missing.json().code, 'upload.length_required');
      const deferred = await inject('POST', '/api/v1/uploads', { ...TUS, ...auth(), 'upload-defer-length': '1', 'upload-metadata': metadata() });
      assert.equal(deferred.statusCode, 400);
      const tooLarge = await inject('POST', '/api/v1/uploads', {
        ...TUS,
        ...auth(),
        'upload-length': String(uploads.maxBytes + 1),
        'upload-metadata': metadata(),
      });
      assert.equal(tooLarge.statusCode, 413);

      const invalid = await inject('POST', '/api/v1/uploads', {
        ...TUS,
        ...auth(),
        'upload-length': '10',
        'upload-metadata': metadataOf({ case: CASE, exhibit: 'no spaces allowed', acquiredAt: 'yesterday' }),
      });
      assert.equal(invalid.statusCode, 422);
      assert.match(String(invalid.headers['content-type']), /^application\/problem\+json/);
      const paths = (invalid.json() as { errors: Array<{ path: string }> }).errors.map((e) => e.path).sort();
      assert.deepEqual(paths, ['metadata.acquiredAt', 'metadata.acquiredBy', 'metadata.exhibit']);
      const garbled = await inject('POST', '/api/v1/uploads', { ...TUS, ...auth(), 'upload-length': '10', 'upload-metadata': 'case !!!,case x' });
      assert.equal(garbled.statusCode, 422);
      assert.deepEqual(
        (garbled.json() as { errors: Array<{ path: string }> }).errors.map((e) => e.path),
        ['Upload-Metadata', 'Upload-Metadata'],
      );
      const unknownCase = await inject('POST', '/api/v1/uploads', {
        ...TUS,
        ...auth(),
        'upload-length': '10',
        'upload-metadata': metadata({ case: 'NO-SUCH-CASE' }),
      });
      assert.equal(unknownCase.statusCode, 404);
      assert.equal(existsSync(t.config.uploadDir) ? readdirSync(t.config.uploadDir).length : 0, 0);

      const meta = metadata({ description: 'Extracción lógica, ñandú' });
      const res = await inject('POST', '/api/v1/uploads', { ...TUS, ...auth(), 'upload-length': '1000', 'upload-metadata': meta });
      assert.equal(res.statusCode, 201);
      assert.match(String(res.headers.location), /^\/api\/v1\/uploads\/[0-9a-f-]{36}$/);
      assert.equal(res.headers['upload-expires'], new Date(clock.now().getTime() + 24 * 3_600_000).toUTCString());
      assert.equal(res.headers['tus-resumable'], '1.0.0');
      const head = await inject('HEAD', String(res.headers.location), { ...TUS, ...auth() });
      assert.equal(head.statusCode, 200);
      assert.equal(head.headers['upload-offset'], '0');
      assert.equal(head.headers['upload-length'], '1000');
      assert.equal(head.headers['upload-metadata'], meta);
      assert.equal(head.headers['upload-expires'], res.headers['upload-expires']);
      assert.equal(head.headers['cache-control'], 'no-store');
    });

    it('answers PATCH by the rules: 415 for another type, 409 at the wrong offset, 413 past the length, 460 on a bad checksum', async () => {
      const data = randomBytes(200_000);
      const url = await create(data.length);
      const wrongType = await inject('PATCH', url, { ...TUS, ...auth(), 'content-type': 'application/json', 'upload-offset': '0' }, Buffer.from('{}'));
      assert.equal(wrongType.statusCode, 415);
      assert.equal(wrongType.json().code, 'upload.unsupported_media');
      assert.equal((await patch(url, 0, data.subarray(0, 1000))).headers['upload-offset'], '1000');
      const conflict = await patch(url, 0, data.subarray(0, 1000));
      assert.equal(conflict.statusCode, 409);
      assert.equal(conflict.json().code, 'upload.offset_mismatch');
      const over = await patch(url, 1000, Buffer.concat([data.subarray(1000), Buffer.alloc(10)]));
      assert.equal(over.statusCode, 413);
      assert.equal(over.headers.connection, 'close');
      const bad = await patch(url, 1000, data.subarray(1000, 150_000), { 'upload-checksum': digest('sha1', Buffer.from('other bytes')) });
      assert.equal(bad.statusCode, 460);
      assert.equal(bad.json().code, 'upload.checksum_mismatch');
      assert.equal(await offsetOf(url), 1000);
      const unsupported = await patch(url, 1000, data.subarray(1000), { 'upload-checksum': 'crc32 AAAAAA==' });
      assert.equal(unsupported.statusCode, 400);
      assert.equal(unsupported.json().code, 'upload.checksum_unsupported');
      assert.equal((await patch(url, 1000, data.subarray(1000, 70_000), { 'upload-checksum': digest('md5', data.subarray(1000, 70_000)) })).statusCode, 204);
      const done = await patch(url, 70_000, data.subarray(70_000), { 'upload-checksum': digest('sha256', data.subarray(70_000)) });
      assert.equal(done.statusCode, 204);
      assert.equal(done.headers['upload-offset'], String(data.length));
      assert.ok(done.headers['custodia-evidence-item']);
    });

    it('shows an upload to its creator only: another person of the same organisation gets 404', async () => {
      const url = await create(100);
      for (const res of [
        await inject('HEAD', url, { ...TUS, ...auth(colleagueToken) }),
        await patch(url, 0, Buffer.alloc(10), {}, colleagueToken),
        await inject('DELETE', url, { ...TUS, ...auth(colleagueToken) }),
      ])
        assert.equal(res.statusCode, 404);
      assert.equal(await offsetOf(url), 0);
    });

    it('needs the CSRF token on state-changing requests from a browser session', async () => {
      const { secret, principal } = await sessionOf(officer);
      const cookie = { cookie: `__Host-custodia_session=${secret}` };
      const res = await inject('POST', '/api/v1/uploads', { ...TUS, ...cookie, 'upload-length': '3', 'upload-metadata': metadata() });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().code, 'csrf.invalid');
      const created = await inject('POST', '/api/v1/uploads', {
        ...TUS,
        ...cookie,
        'x-csrf-token': principal.csrfToken as string,
        'upload-length': '3',
        'upload-metadata': metadata(),
      });
      assert.equal(created.statusCode, 201);
      const url = String(created.headers.location);
      assert.equal((await inject('HEAD', url, { ...TUS, ...cookie })).statusCode, 200);
      const withoutToken = await inject('PATCH', url, { ...TUS, ...cookie, 'content-type': OCTETS, 'upload-offset': '0' }, Buffer.from('abc'));
      assert.equal(withoutToken.statusCode, 403);
      const withToken = await inject(
        'PATCH',
        url,
        { ...TUS, ...cookie, 'x-csrf-token': principal.csrfToken as string, 'content-type': OCTETS, 'upload-offset': '0' },
        Buffer.from('abc'),
      );
      assert.equal(withToken.statusCode, 204);
    });

    it('takes X-HTTP-Method-Override for clients that can only POST', async () => {
      const url = await create(4);
      const viaPost = await inject(
        'POST',
        url,
        { ...TUS, ...auth(), 'x-http-method-override': 'PATCH', 'content-type': OCTETS, 'upload-offset': '0' },
        Buffer.from('abcd'),
      );
      assert.equal(viaPost.statusCode, 204);
      assert.ok(viaPost.headers['custodia-evidence-item']);
      const head = await inject('POST', url, { ...TUS, ...auth(), 'x-http-method-override': 'HEAD' });
      assert.equal(head.headers['upload-offset'], '4');
    });

    it('terminates an upload: 204, its staged bytes gone, then 404', async () => {
      const url = await create(1000);
      await patch(url, 0, Buffer.alloc(500));
      const id = url.split('/').at(-1) as string;
      assert.ok(existsSync(join(t.config.uploadDir, id)));
      assert.equal((await inject('DELETE', url, { ...TUS, ...auth() })).statusCode, 204);
      assert.equal(existsSync(join(t.config.uploadDir, id)), false);
      assert.equal((await inject('HEAD', url, { ...TUS, ...auth() })).statusCode, 404);
      assert.equal((await patch(url, 500, Buffer.alloc(10))).statusCode, 404);
    });

    it('resumes after a connection dropped mid-PATCH from the offset HEAD reports', async () => {
      const data = randomBytes(6 * 1024 * 1024 + 12_345);
      const url = await create(data.length);
      const id = url.split('/').at(-1) as string;
      const payload = join(t.config.uploadDir, id, 'payload.age');
      const controller = new AbortController();
      const sent = 3 * 1024 * 1024 + 777;
      let stall!: () => void;
      const body = new ReadableStream<Uint8Array>({
        async start(stream) {
          for (let at = 0; at < sent; at += 100_000) stream.enqueue(data.subarray(at, Math.min(sent, at + 100_000)));
          await new Promise<void>((resolve) => {
            stall = resolve;
          });
        },
      });
      const request = fetch(`${base}${url}`, {
        method: 'PATCH',
        headers: { ...TUS, ...auth(), 'content-type': OCTETS, 'upload-offset': '0' },
        body,
        duplex: 'half',
        signal: controller.signal,
      } as RequestInit).catch((error: unknown) => error);
      // Wait until the server has sealed most of what was sent, then drop the connection.
      for (let i = 0; i < 500 && !(existsSync(payload) && statSync(payload).size > 3 * 1024 * 1024); i++) await new Promise((r) => setTimeout(r, 10));
      controller.abort();
      stall();
      assert.ok((await request) instanceof Error);
      // The server keeps what it received: HEAD (soon) reports it, and the client goes on from there.
      let offset = 0;
      for (let i = 0; i < 200 && offset === 0; i++) {
        offset = await offsetOf(url);
        if (offset === 0) await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(offset > 3 * 1024 * 1024 && offset <= sent, `offset ${offset}`);
      let res = await fetch(`${base}${url}`, {
        method: 'PATCH',
        headers: { ...TUS, ...auth(), 'content-type': OCTETS, 'upload-offset': String(offset) },
        body: data.subarray(offset),
      });
      for (let i = 0; i < 5 && (res.status === 409 || res.status === 423); i++) {
        offset = await offsetOf(url);
        res = await fetch(`${base}${url}`, {
          method: 'PATCH',
          headers: { ...TUS, ...auth(), 'content-type': OCTETS, 'upload-offset': String(offset) },
          body: data.subarray(offset),
        });
      }
      assert.equal(res.status, 204);
      const itemId = res.headers.get('custodia-evidence-item') as string;
      const item = await t.app.evidence.get(asActor((await sessionOf(officer)).principal), 'org-a', itemId);
      assert.equal(item.sha256, createHash('sha256').update(data).digest('hex'));
    });

    it('takes a 20 MB upload over HTTP and ends with the evidence item, its digests as asked', async () => {
      const data = randomBytes(20 * 1024 * 1024);
      const url = await create(data.length);
      const res = await fetch(`${base}${url}`, {
        method: 'PATCH',
        headers: { ...TUS, ...auth(), 'content-type': OCTETS, 'upload-offset': '0', 'upload-checksum': digest('sha1', data) },
        body: data,
      });
      assert.equal(res.status, 204, await res.text());
      assert.equal(res.headers.get('upload-offset'), String(data.length));
      assert.equal(res.headers.get('tus-resumable'), '1.0.0');
      const itemId = res.headers.get('custodia-evidence-item');
      assert.ok(itemId);
      const head = await inject('HEAD', url, { ...TUS, ...auth() });
      assert.equal(head.headers['custodia-evidence-item'], itemId);
      assert.equal(head.headers['upload-offset'], String(data.length));
      assert.equal(head.headers['upload-expires'], undefined);
      const item = await t.app.evidence.get(asActor((await sessionOf(officer)).principal), 'org-a', itemId);
      assert.equal(item.bytes, data.length);
      assert.equal(item.sha256, createHash('sha256').update(data).digest('hex'));
      assert.equal(item.sha1, createHash('sha1').update(data).digest('hex'));
      assert.equal(item.fileName, 'teléfono.bin');
      assert.equal(existsSync(join(t.config.uploadDir, url.split('/').at(-1) as string)), false);
    });

    it('refuses a chunked body that runs past the declared length, keeping nothing of it', async () => {
      const url = await create(100_000);
      const res = await fetch(`${base}${url}`, {
        method: 'PATCH',
        headers: { ...TUS, ...auth(), 'content-type': OCTETS, 'upload-offset': '0' },
        body: Readable.toWeb(Readable.from([randomBytes(60_000), randomBytes(60_000)])) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      assert.equal(res.status, 413);
      assert.equal(await offsetOf(url), 0);
    });

    it('expires unfinished uploads: 410 Gone, and the sweep removes their staging', async () => {
      const url = await create(1000);
      await patch(url, 0, Buffer.alloc(100));
      const id = url.split('/').at(-1) as string;
      clock.advance(24 * 3600 + 1);
      const gone = await inject('HEAD', url, { ...TUS, ...auth() });
      assert.equal(gone.statusCode, 410);
      assert.equal(gone.headers['upload-offset'], undefined);
      assert.equal((await patch(url, 100, Buffer.alloc(10))).statusCode, 410);
      const swept = await uploads.sweepExpired(clock.now());
      assert.ok(swept.expired >= 1);
      assert.equal(existsSync(join(t.config.uploadDir, id)), false);
      assert.equal((await inject('HEAD', url, { ...TUS, ...auth() })).statusCode, 410);
    });
  });
}
