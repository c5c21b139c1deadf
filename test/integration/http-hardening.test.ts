// The HTTP host's answers outside any one route: no caching of what a signed-in person sees, a proper
// refusal of a cross-site form post that carries no cookies, a cut-off multipart body refused as a bad
// request, and errors raised before routing answered as RFC 9457 problem details.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type AddressInfo, connect } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { asActor, systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { type EnrolledUser, enrolUser, ManualClock } from '../support/identity.ts';
import { type Browser, multipart, sessionCookie, signIn } from '../support/web.ts';

const UPLOAD_FIELDS: Record<string, string> = {
  exhibit: 'EV-9',
  description: 'Imagen forense',
  acquiredBy: 'Perito Quispe',
  acquiredAt: '2026-11-20T09:15',
  acquiredZone: 'America/Lima',
  acquiredWhere: 'Lima',
  tool: 'FTK Imager',
  toolVersion: '4.7',
  method: 'imagen física',
  source: 'SN-123',
  authority: 'Disposición fiscal 45-2026',
};

describe('HTTP host hardening', () => {
  const clock = new ManualClock();
  let t: TestApp;
  let server: FastifyInstance;
  let custodian: EnrolledUser;
  let who: Browser;
  let token: string;
  let itemId: string;

  before(async () => {
    t = await createTestApp({ clock, load: false });
    server = await buildServer(t.app, { logRequests: false });
    custodian = await enrolUser(t.app, clock, { email: 'custodio@pe.example', orgId: 'fiscalia', roles: ['evidence_custodian', 'officer', 'supervisor'] });
    await t.app.cases.create(systemActor('test'), { reference: 'CASO-1', orgId: 'fiscalia', members: [custodian.userId] });
    who = await signIn(t.app, clock, custodian);
    token = (await t.app.identity.tokens.create(who.principal, { name: 'test', scopes: [...who.principal.permissions], expiresInDays: 30 })).token;
    const acquisition = { by: 'Perito', at: '2026-11-20T09:15:00-05:00' };
    const item = await t.app.evidence.add(
      asActor(who.principal),
      'fiscalia',
      { caseReference: 'CASO-1', exhibit: 'A-1', fileName: 'captura.pcap', acquisition },
      Readable.from([randomBytes(1000)]),
    );
    itemId = item.id;
  });
  after(async () => {
    await server?.close();
    await t?.cleanup();
  });

  it('answers no-store to every authenticated request, and leaves public answers their caching', async () => {
    const bearer = { authorization: `Bearer ${token}` };
    const cookie = { cookie: sessionCookie(who) };
    const personal: Array<[string, Record<string, string>[]]> = [
      ['/api/v1/me', [bearer, cookie]],
      [`/api/v1/evidence/${itemId}`, [bearer, cookie]],
      ['/api/v1/evidence?case=CASO-1', [bearer, cookie]],
      // A person's own tokens and sessions: a browser session only.
      ['/api/v1/tokens', [cookie]],
      ['/api/v1/sessions', [cookie]],
    ];
    for (const [url, credentials] of personal) {
      for (const headers of credentials) {
        const res = await server.inject({ url, headers });
        assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
        assert.equal(res.headers['cache-control'], 'no-store', url);
      }
    }
    // A refusal of a route that is not public is not stored either.
    const refused = await server.inject({ url: '/api/v1/me' });
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.headers['cache-control'], 'no-store');
    // Public answers keep their own caching.
    const css = await server.inject({ url: '/assets/app.css' });
    assert.equal(css.statusCode, 200);
    assert.equal(css.headers['cache-control'], 'public, max-age=3600');
    const cssSignedIn = await server.inject({ url: '/assets/app.css', headers: { cookie: sessionCookie(who) } });
    assert.equal(cssSignedIn.headers['cache-control'], 'public, max-age=3600');
    const checkpoint = await server.inject({ url: '/ledger/checkpoint' });
    assert.equal(checkpoint.statusCode, 200);
    assert.equal(checkpoint.headers['cache-control'], 'no-cache');
  });

  it('refuses a cross-site form post that carries no cookies with the error page, not a crash', async () => {
    const form = new URLSearchParams({ email: 'x@example.org', password: 'y' }).toString();
    const attempts: Record<string, string>[] = [{ 'sec-fetch-site': 'cross-site' }, { origin: 'https://evil.example', host: 'localhost' }];
    for (const headers of attempts) {
      const res = await server.inject({
        method: 'POST',
        url: '/login',
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        payload: form,
      });
      assert.equal(res.statusCode, 403, res.body);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.body, /El formulario caducó o no procede de este sitio/);
      assert.doesNotMatch(res.body, /Cannot read properties/);
    }
    // A program posting JSON to the same form gets the problem details.
    const json = await server.inject({
      method: 'POST',
      url: '/login',
      headers: { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
      payload: '{}',
    });
    assert.equal(json.statusCode, 403);
    assert.match(String(json.headers['content-type']), /^application\/problem\+json/);
    assert.equal(json.json().code, 'csrf.invalid');
  });

  it('answers a cut-off multipart body with 400, on both multipart forms', async () => {
    for (const url of ['/evidence/verify-package?lang=es', '/cases/CASO-1/evidence?lang=es']) {
      // A form filled in as it should be, so that the file is taken: only the body is wrong.
      const { payload, contentType } = multipart([
        ['_csrf', who.csrf],
        ...Object.entries(UPLOAD_FIELDS),
        ['file', { filename: 'paquete.tar', content: randomBytes(20_000) }],
      ]);
      // The body stops in the middle of the file: no closing boundary ever comes.
      const cut = payload.subarray(0, payload.length - 5_000);
      const page = await server.inject({ method: 'POST', url, headers: { cookie: sessionCookie(who), 'content-type': contentType }, payload: cut });
      assert.equal(
        page.statusCode,
        400,
        `${url}: ${page.statusCode} ${page.body.match(/<div class="error-summary"[\s\S]*?<\/div>|<ul class="error[\s\S]*?<\/ul>/)?.[0]}`,
      );
      assert.match(String(page.headers['content-type']), /^text\/html/);
      const program = await server.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${token}`, 'content-type': contentType, accept: 'application/json' },
        payload: cut,
      });
      assert.equal(program.statusCode, 400, `${url}: ${program.body}`);
      assert.match(String(program.headers['content-type']), /^application\/problem\+json/);
      assert.equal(program.json().code, 'http.body_malformed');
    }
  });

  it('answers a bad %-encoding (400) and an over-long path segment (414) with problem details', async () => {
    const cases: Array<[string, number, string]> = [
      ['/api/v1/kb/instruments/%E0%A4%A', 400, 'http.url_invalid'],
      ['/cases/%E0%A4%A/evidence', 400, 'http.url_invalid'],
      [`/api/v1/kb/instruments/${'x'.repeat(500)}`, 414, 'http.url_too_long'],
    ];
    for (const [url, status, code] of cases) {
      const res = await server.inject({ url, headers: { 'accept-language': 'en' } });
      assert.equal(res.statusCode, status, `${url}: ${res.body}`);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      const problem = res.json();
      assert.equal(problem.type, `urn:custodia:problem:${code}`);
      assert.equal(problem.code, code);
      assert.equal(problem.status, status);
      assert.ok(problem.title && !/problem\./.test(problem.title), problem.title);
      assert.match(problem.instance, /^urn:custodia:request:/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
    }
  });

  it('answers headers over the size limit (431) and a malformed request (400), refused by the HTTP parser, with problem details', async () => {
    await server.listen({ port: 0, host: '127.0.0.1' });
    const { port } = server.server.address() as AddressInfo;
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let answer = '';
        socket.on('data', (chunk) => {
          answer += chunk.toString();
        });
        socket.on('end', () => resolve(answer));
        socket.on('error', (error) => (answer ? resolve(answer) : reject(error)));
        socket.end(request);
      });
    const answers: Array<[string, number, string]> = [
      [`GET /api/v1/kb/instruments HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'http.headers_too_large'],
      [`GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`, 431, 'http.headers_too_large'],
      ['GET / HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\n', 400, 'http.request_malformed'],
    ];
    for (const [request, status, code] of answers) {
      const answer = await raw(request);
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      assert.match(head, new RegExp(`^HTTP/1.1 ${status} `), answer.slice(0, 300));
      assert.match(head, /content-type: application\/problem\+json/i);
      const problem = JSON.parse(body);
      assert.equal(problem.code, code);
      assert.equal(problem.status, status);
      assert.equal(problem.type, `urn:custodia:problem:${code}`);
      assert.ok(problem.title);
    }
  });
});
