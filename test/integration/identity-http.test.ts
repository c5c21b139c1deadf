import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { buildServer } from '../../src/http/server.ts';
import { createLogger } from '../../src/lib/log.ts';
import { createTestDatabase } from '../support/app.ts';
import { type EnrolledUser, enrolUser, ManualClock, PASSWORD } from '../support/identity.ts';

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = 'application/x-www-form-urlencoded';
const ANON = 'b'.repeat(43);
const anonHeaders = { 'content-type': FORM, cookie: `__Host-custodia_csrf=${ANON}` };

function cookiesOf(res: { headers: Record<string, unknown> }): Map<string, string> {
  const raw = res.headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw ? [String(raw)] : [];
  return new Map(list.map((c: string) => [c.split('=')[0] as string, c]));
}
const cookieValue = (cookie: string | undefined) => cookie?.split(';')[0]?.split('=').slice(1).join('=') ?? '';

describe('sign-in over HTTP: cookies, CSRF, fixation, redirects, abuse', () => {
  const clock = new ManualClock();
  const logLines: string[] = [];
  let server: FastifyInstance;
  let user: EnrolledUser;
  let drop: () => Promise<void>;
  let close: () => Promise<void>;

  before(async () => {
    const database = await createTestDatabase('sqlite');
    drop = database.drop;
    const sink = new Writable({
      write(chunk, _enc, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    const app = await createApp(loadConfig({ ...database.overrides, logLevel: 'info' }, {}), { clock, log: createLogger('debug', sink) });
    close = app.close;
    server = await buildServer(app);
    user = await enrolUser(app, clock, { email: 'fiscal@example.pe', orgId: 'fiscalia', roles: ['officer'] });
  });
  after(async () => {
    await server.close();
    await close();
    await drop();
  });

  /** Password step, then code step; returns the responses. */
  async function signIn(extraCookie = '', next = '/reauth') {
    clock.advance(30);
    const first = await server.inject({
      method: 'POST',
      url: '/login',
      headers: { ...anonHeaders, cookie: `__Host-custodia_csrf=${ANON}${extraCookie}` },
      payload: form({ _csrf: ANON, email: user.email, password: PASSWORD, next }),
    });
    const challenge = cookieValue(cookiesOf(first).get('__Host-custodia_login'));
    const second = await server.inject({
      method: 'POST',
      url: '/login/code',
      headers: { 'content-type': FORM, cookie: `__Host-custodia_csrf=${ANON}; __Host-custodia_login=${challenge}${extraCookie}` },
      payload: form({ _csrf: ANON, code: user.code(), next }),
    });
    return { first, second, session: cookieValue(cookiesOf(second).get('__Host-custodia_session')) };
  }

  it('signs in with password then code, setting a __Host- cookie that is Secure, HttpOnly and SameSite', async () => {
    const { first, second, session } = await signIn();
    assert.equal(first.statusCode, 303);
    assert.match(String(first.headers.location), /^\/login\/code/);
    assert.equal(second.statusCode, 303);
    assert.equal(second.headers.location, '/reauth');
    const cookie = cookiesOf(second).get('__Host-custodia_session') as string;
    assert.match(cookie, /; Path=\//);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; Secure/);
    assert.match(cookie, /; SameSite=Lax/);
    assert.doesNotMatch(cookie, /Domain=/);
    const page = await server.inject({ url: '/reauth', headers: { cookie: `__Host-custodia_session=${session}` } });
    assert.equal(page.statusCode, 200);
  });

  it('never promotes a session id planted before sign-in (fixation)', async () => {
    const planted = `cts_${'A'.repeat(43)}`;
    const { session } = await signIn(`; __Host-custodia_session=${planted}`);
    assert.notEqual(session, planted);
    assert.match(session, /^cts_/);
    const withPlanted = await server.inject({ url: '/reauth', headers: { cookie: `__Host-custodia_session=${planted}` } });
    assert.equal(withPlanted.statusCode, 303, 'the planted id is nobody');
  });

  it('redirects after sign-in only within this site', async () => {
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', '/ok\r\nSet-Cookie: x=1']) {
      const { second } = await signIn('', next);
      assert.equal(second.headers.location, '/', next);
    }
    const { second } = await signIn('', '/ledger?index=1');
    assert.equal(second.headers.location, '/ledger?index=1');
  });

  it('refuses state-changing requests without the right CSRF token, or from another site', async () => {
    const { session } = await signIn();
    const cookie = `__Host-custodia_session=${session}`;
    const missing = await server.inject({ method: 'POST', url: '/logout', headers: { 'content-type': FORM, cookie }, payload: form({}) });
    assert.equal(missing.statusCode, 403);
    assert.match(missing.body, /formulario caducó|form has expired/);
    const anonymousForged = await server.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': FORM, cookie: `__Host-custodia_csrf=${ANON}` },
      payload: form({ _csrf: 'c'.repeat(43), email: user.email, password: PASSWORD }),
    });
    assert.equal(anonymousForged.statusCode, 403);
    const crossSite = await server.inject({
      method: 'POST',
      url: '/login',
      headers: { ...anonHeaders, 'sec-fetch-site': 'cross-site' },
      payload: form({ _csrf: ANON, email: user.email, password: PASSWORD }),
    });
    assert.equal(crossSite.statusCode, 403);
    // Still signed in: none of those did anything.
    assert.equal((await server.inject({ url: '/reauth', headers: { cookie } })).statusCode, 200);
  });

  it('signs out: the cookie is cleared and the session no longer works', async () => {
    const { session } = await signIn();
    const me = await server.inject({ url: '/reauth', headers: { cookie: `__Host-custodia_session=${session}` } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(me.body)?.[1] as string;
    const out = await server.inject({
      method: 'POST',
      url: '/logout',
      headers: { 'content-type': FORM, cookie: `__Host-custodia_session=${session}` },
      payload: form({ _csrf: csrf }),
    });
    assert.equal(out.statusCode, 303);
    assert.match(String(cookiesOf(out).get('__Host-custodia_session')), /Max-Age=0|Expires=Thu, 01 Jan 1970/);
    assert.equal((await server.inject({ url: '/reauth', headers: { cookie: `__Host-custodia_session=${session}` } })).statusCode, 303);
  });

  it('answers wrong, over-long and malformed input with a clear message, never a 500', async () => {
    const wrong = await server.inject({
      method: 'POST',
      url: '/login?lang=en',
      headers: anonHeaders,
      payload: form({ _csrf: ANON, email: user.email, password: 'not the password' }),
    });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.body, /The email or the password is not correct/);
    assert.match(wrong.body, /class="error-summary"/);
    const long = await server.inject({
      method: 'POST',
      url: '/login',
      headers: anonHeaders,
      payload: form({ _csrf: ANON, email: 'x'.repeat(5000), password: 'y'.repeat(5000) }),
    });
    assert.equal(long.statusCode, 401);
    const huge = await server.inject({ method: 'POST', url: '/login', headers: anonHeaders, payload: form({ _csrf: ANON, email: 'x'.repeat(70_000) }) });
    assert.equal(huge.statusCode, 413);
    const noChallenge = await server.inject({ method: 'POST', url: '/login/code', headers: anonHeaders, payload: form({ _csrf: ANON, code: '123456' }) });
    assert.equal(noChallenge.statusCode, 401);
    assert.match(noChallenge.body, /caducó|expired/);
    const badLink = await server.inject({ url: '/enrol/cte_nothing' });
    assert.equal(badLink.statusCode, 410);
  });

  it('slows a password-guessing source with 429 and Retry-After, and the throttle ends', async () => {
    const guess = () =>
      server.inject({
        method: 'POST',
        url: '/login',
        remoteAddress: '203.0.113.9',
        headers: anonHeaders,
        payload: form({ _csrf: ANON, email: 'someone-else@example.pe', password: 'guess guess guess' }),
      });
    for (let i = 0; i < 5; i++) assert.equal((await guess()).statusCode, 401);
    const limited = await guess();
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.headers['retry-after'], '1');
    assert.match(limited.body, /Inténtelo de nuevo en 1 s/);
    clock.advance(2);
    assert.equal((await guess()).statusCode, 401);
  });

  it('writes no password, code or token to the log', () => {
    const all = logLines.join('');
    assert.ok(all.length > 0);
    for (const secret of [PASSWORD, 'cts_', 'ctl_', 'cte_', ANON]) assert.ok(!all.includes(secret), `log contains ${secret}`);
  });
});
