// Issue 15: refused requests must not flood the custody ledger, and no one may flood the node. A
// minute's refusals of one principal are one summary entry (after the first, recorded at once); the
// refusals of unknown credentials are one entry a minute with no address; requests over the general
// rate limit are 429 problem details with Retry-After, per credential and per source address.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../src/app.ts';
import { buildServer } from '../../src/http/server.ts';
import { createLogger } from '../../src/lib/log.ts';
import { asActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { type EnrolledUser, enrolUser, ManualClock } from '../support/identity.ts';
import { type Browser, decodeHtml, sessionCookie, signIn } from '../support/web.ts';

const ADDRESS_A = '203.0.113.77';
const ADDRESS_B = '198.51.100.42';
const UNKNOWN_TOKEN = `cta_${'Z'.repeat(43)}`;

type Data = Record<string, unknown>;

/** The ledger's access_denied entries about a subject, oldest first, read directly (no flush on the way). */
async function deniedEntries(t: TestApp, subject: string): Promise<Data[]> {
  const found = await t.app.ledger.findEntries({ subjects: [subject], typePrefix: 'identity.access_denied', limit: 500 });
  return found.reverse().map((f) => f.entry.data);
}

const total = (entries: Data[]) => entries.reduce((n, d) => n + Number(d.count), 0);

for (const dialect of DIALECTS) {
  describe(`refused requests are summarised in the ledger (${dialect})`, () => {
    // Five seconds into a minute, so that a burst stays in one window.
    const clock = new ManualClock('2026-11-24T15:00:05.000Z');
    let t: TestApp;
    let server: FastifyInstance;
    let officer: EnrolledUser;
    let officerBrowser: Browser;
    let token: string;
    let auditor: Browser;

    before(async () => {
      t = await createTestApp({ dialect, clock, load: false });
      server = await buildServer(t.app, { logRequests: false });
      officer = await enrolUser(t.app, clock, { email: 'fiscal@a.example', orgId: 'org-a', roles: ['officer'] });
      const auditorUser = await enrolUser(t.app, clock, { email: 'auditor@a.example', orgId: 'org-a', roles: ['auditor'] });
      officerBrowser = await signIn(t.app, clock, officer);
      token = (await t.app.identity.tokens.create(officerBrowser.principal, { name: 'probe', scopes: ['cases.create'], expiresInDays: 30 })).token;
      auditor = await signIn(t.app, clock, auditorUser);
    });
    after(async () => {
      await server?.close();
      await t?.cleanup();
    });

    const refuse = (url = '/api/v1/audit') => server.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

    it('200 refusals from one token in a burst: the first at once, the rest one entry once the minute is over, counts totalling 200', async () => {
      // Start at the beginning of a minute (the sign-ins moved the clock).
      clock.advance(60 - ((clock.now().getTime() / 1000) % 60) + 1);
      const sizeBefore = await t.app.ledger.size();
      const answers = await Promise.all(Array.from({ length: 199 }, (_, i) => refuse(i % 2 === 0 ? '/api/v1/audit' : '/api/v1/organisations/org-b/members')));
      // A third route after the many repeats: the summary keeps each route once, so it is still listed.
      answers.push(await refuse('/api/v1/cooperation/statistics'));
      assert.ok(
        answers.every((a) => a.statusCode === 403),
        'every request is refused',
      );
      let entries = await deniedEntries(t, `user:${officer.userId}`);
      assert.equal(entries.length, 1, 'only the first refusal is in the ledger while the minute lasts');
      assert.equal(entries[0]?.count, 1);

      // Not before its minute is over…
      clock.advance(30);
      assert.equal(await t.app.identity.flushDenied(), 0);
      assert.equal((await deniedEntries(t, `user:${officer.userId}`)).length, 1);
      // …and then at once.
      clock.advance(30);
      assert.equal(await t.app.identity.flushDenied(), 1);
      entries = await deniedEntries(t, `user:${officer.userId}`);
      assert.equal(entries.length, 2);
      assert.equal(total(entries), 200);
      const summary = entries[1] as Data;
      assert.equal(summary.count, 199);
      assert.deepEqual(String(summary.routes).split(', ').sort(), [
        'GET /api/v1/audit',
        'GET /api/v1/cooperation/statistics',
        'GET /api/v1/organisations/:org/members',
      ]);
      assert.deepEqual(String(summary.permissions).split(', ').sort(), ['audit.read', 'organisation:org-b', 'requests.statistics']);
      assert.ok(String(summary.first) <= String(summary.last));
      assert.equal(summary.window, entries[0]?.window, 'both entries name the same minute');
      assert.ok((await t.app.ledger.size()) - sizeBefore <= 2, 'two ledger entries for 200 refusals');
      assert.equal(await t.app.identity.flushDenied(), 0, 'a window is written once');
    });

    it('writes a finished window lazily, at the next refusal of a later minute', async () => {
      const before = (await deniedEntries(t, `user:${officer.userId}`)).length;
      for (let i = 0; i < 10; i++) assert.equal((await refuse()).statusCode, 403);
      clock.advance(60);
      assert.equal((await refuse()).statusCode, 403);
      const entries = (await deniedEntries(t, `user:${officer.userId}`)).slice(before);
      assert.deepEqual(
        entries.map((e) => e.count),
        [1, 9, 1],
        'the earlier window (first at once, nine summarised) then the new one',
      );
    });

    it('counts unknown API tokens by address, and writes one entry a minute naming no address', async () => {
      for (const [address, n] of [
        [ADDRESS_A, 5],
        [ADDRESS_B, 3],
      ] as const) {
        for (let i = 0; i < n; i++) {
          const res = await server.inject({ method: 'GET', url: '/api/v1/me', remoteAddress: address, headers: { authorization: `Bearer ${UNKNOWN_TOKEN}` } });
          assert.equal(res.statusCode, 401);
        }
      }
      const windows = await t.app.db.kysely.selectFrom('access_denied_windows').selectAll().where('anonymous', '=', 1).execute();
      assert.equal(windows.length, 2, 'one window per address');
      assert.doesNotMatch(JSON.stringify(windows), /203\.0\.113|198\.51\.100/, 'the table holds no address');
      assert.equal((await deniedEntries(t, 'identity:anonymous')).length, 0, 'nothing in the ledger while the minute lasts');
      clock.advance(60);
      await t.app.identity.flushDenied();
      const entries = await deniedEntries(t, 'identity:anonymous');
      assert.equal(entries.length, 1);
      assert.equal(entries[0]?.count, 8);
      assert.equal(entries[0]?.sources, 2);
      assert.equal(entries[0]?.routes, 'GET /api/v1/me');
      const size = await t.app.ledger.size();
      for (let i = 0; i < size; i++) assert.doesNotMatch((await t.app.ledger.entry(i)).bytes.toString(), /203\.0\.113|198\.51\.100|127\.0\.0\.1/);
    });

    it('counts into one window from two processes on one database, and a closing process writes the windows that are over', async () => {
      // A second App on the same database stands for a second process of the node.
      const second = await createApp(t.config, { clock, log: createLogger('silent') });
      let closed = false;
      try {
        clock.advance(60);
        const before = (await deniedEntries(t, `user:${officer.userId}`)).length;
        const who = asActor(officerBrowser.principal);
        const what = { method: 'GET', route: '/api/v1/audit', permission: 'audit.read' };
        const refuse = (i: number) => (i % 2 === 0 ? t.app : second).identity.recordDenied(who, what);
        // PostgreSQL takes them at once; two SQLite connections in one thread cannot wait for each
        // other (the driver is synchronous: one would block the thread the other needs to commit),
        // so there they alternate, as two processes' turns do.
        if (dialect === 'postgres') await Promise.all(Array.from({ length: 20 }, (_, i) => refuse(i)));
        else for (let i = 0; i < 20; i++) await refuse(i);
        assert.deepEqual(
          (await deniedEntries(t, `user:${officer.userId}`)).slice(before).map((e) => e.count),
          [1],
          'one prompt entry for both processes',
        );
        clock.advance(60);
        await second.close();
        closed = true;
        assert.deepEqual(
          (await deniedEntries(t, `user:${officer.userId}`)).slice(before).map((e) => e.count),
          [1, 19],
        );
      } finally {
        if (!closed) await second.close();
      }
    });

    it('keeps the lists of a window within bounds, marking what it left out', async () => {
      clock.advance(60);
      const who = asActor(auditor.principal);
      for (let i = 0; i < 60; i++) await t.app.identity.recordDenied(who, { method: 'GET', route: `/r/${i}/${'x'.repeat(40)}`, permission: `p.${i}` });
      // The open window itself stays small, however many routes are refused.
      const open = await t.app.db.kysely.selectFrom('access_denied_windows').selectAll().execute();
      assert.ok(open.every((w) => w.routes.length <= 1000 && w.permissions.length <= 1000));
      clock.advance(60);
      await t.app.identity.flushDenied();
      const summary = (await deniedEntries(t, `user:${auditor.principal.userId}`)).at(-1) as Data;
      assert.equal(summary.count, 59);
      for (const list of [String(summary.routes), String(summary.permissions)]) {
        assert.ok(list.endsWith(', …'), 'what did not fit is marked');
        assert.ok(list.length <= 1010);
      }
      assert.ok(String(summary.routes).split(', ').length > 10);
    });

    it("shows the count on the auditors' page and in the API, writing the windows that are over first", async () => {
      for (let i = 0; i < 3; i++) assert.equal((await refuse()).statusCode, 403);
      clock.advance(60);
      // No flush, no refusal since: the audit view itself writes the finished window.
      const page = await server.inject({ method: 'GET', url: '/audit?lang=en&type=identity.access_denied', headers: { cookie: sessionCookie(auditor) } });
      assert.equal(page.statusCode, 200);
      const text = decodeHtml(page.body);
      assert.match(text, /Refused requests: 199/);
      assert.match(text, /Refused requests: 9/);
      assert.match(text, /Refused requests: 2</);
      const es = await server.inject({ method: 'GET', url: '/audit?lang=es&type=identity.access_denied', headers: { cookie: sessionCookie(auditor) } });
      assert.match(decodeHtml(es.body), /Solicitudes rechazadas: 199/);
      const { events } = await t.app.identity.auditLog.events({ kind: 'principal', principal: auditor.principal }, 'org-a', { type: 'identity.access_denied' });
      assert.ok(events.some((e) => e.data.count === 199));
    });
  });

  describe(`the general rate limit (${dialect})`, () => {
    // 50 seconds into a minute: the window ends in 10 s.
    const clock = new ManualClock('2026-11-24T15:00:50.000Z');
    let t: TestApp;
    let server: FastifyInstance;
    let browser: Browser;
    let tokenA: string;
    let tokenB: string;

    before(async () => {
      t = await createTestApp({ dialect, clock, load: false, config: { rateLimitPerCredential: 5, rateLimitPerSource: 4 } });
      server = await buildServer(t.app, { logRequests: false });
      const user = await enrolUser(t.app, clock, { email: 'fiscal@b.example', orgId: 'org-b', roles: ['officer'] });
      browser = await signIn(t.app, clock, user);
      const create = async (name: string) =>
        (await t.app.identity.tokens.create(browser.principal, { name, scopes: ['cases.create'], expiresInDays: 30 })).token;
      tokenA = await create('a');
      tokenB = await create('b');
      // Back to 50 s into a minute (the sign-in moved the clock).
      clock.advance(60 - ((clock.now().getTime() / 1000) % 60) + 50);
    });
    after(async () => {
      await server?.close();
      await t?.cleanup();
    });

    const me = (token: string) => server.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });

    it('refuses an API token over its limit with 429 problem details and Retry-After; another token is unaffected', async () => {
      for (let i = 0; i < 5; i++) assert.equal((await me(tokenA)).statusCode, 200);
      const refused = await me(tokenA);
      assert.equal(refused.statusCode, 429);
      assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
      assert.equal(refused.headers['retry-after'], '10');
      const problem = refused.json() as { code: string; status: number; type: string };
      assert.equal(problem.code, 'http.rate_limited');
      assert.equal(problem.status, 429);
      assert.equal(problem.type, 'urn:custodia:problem:http.rate_limited');
      assert.equal((await me(tokenB)).statusCode, 200, 'another token has its own limit');
      clock.advance(10);
      assert.equal((await me(tokenA)).statusCode, 200, 'the next minute starts afresh');
    });

    it('shares a window between the processes of a node through the database', async () => {
      // A second App on the same database stands for a second process; each counts in memory and
      // writes its new hits (and reads the others') at each sync.
      const second = await createApp(t.config, { clock, log: createLogger('silent') });
      try {
        const secondServer = await buildServer(second, { logRequests: false });
        const tokenC = (await t.app.identity.tokens.create(browser.principal, { name: 'c', scopes: ['cases.create'], expiresInDays: 30 })).token;
        const meOn = (s: FastifyInstance) => s.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${tokenC}` } });
        for (let i = 0; i < 3; i++) assert.equal((await meOn(server)).statusCode, 200);
        await t.app.identity.rateLimiter.sync();
        // The second process learns the shared count at its next sync after it starts counting.
        assert.equal((await meOn(secondServer)).statusCode, 200, 'four of five');
        await second.identity.rateLimiter.sync();
        assert.equal((await meOn(secondServer)).statusCode, 200, 'five of five');
        assert.equal((await meOn(secondServer)).statusCode, 429, 'the first process’s three count on the second');
        await secondServer.close();
      } finally {
        await second.close();
      }
    });

    it('refuses a browser session over its limit with the error page', async () => {
      const page = () => server.inject({ method: 'GET', url: '/account?lang=en', headers: { cookie: sessionCookie(browser) } });
      for (let i = 0; i < 5; i++) assert.equal((await page()).statusCode, 200);
      const refused = await page();
      assert.equal(refused.statusCode, 429);
      assert.match(String(refused.headers['content-type']), /^text\/html/);
      assert.ok(Number(refused.headers['retry-after']) >= 1);
      assert.match(decodeHtml(refused.body), /Too many requests in a short time/);
    });

    it('limits requests without a credential per source address, public ones included, but never the health probes', async () => {
      const checkpoint = (address: string) => server.inject({ method: 'GET', url: '/ledger/checkpoint', remoteAddress: address });
      for (let i = 0; i < 4; i++) assert.notEqual((await checkpoint(ADDRESS_A)).statusCode, 429);
      const refused = await checkpoint(ADDRESS_A);
      assert.equal(refused.statusCode, 429);
      assert.equal((refused.json() as { code: string }).code, 'http.rate_limited');
      assert.ok(refused.headers['retry-after']);
      assert.notEqual((await checkpoint(ADDRESS_B)).statusCode, 429, 'another address has its own limit');
      // Unknown credentials count against the address too.
      const guessed = await server.inject({
        method: 'GET',
        url: '/api/v1/me',
        remoteAddress: ADDRESS_A,
        headers: { authorization: `Bearer ${UNKNOWN_TOKEN}` },
      });
      assert.equal(guessed.statusCode, 429);
      for (let i = 0; i < 10; i++) {
        assert.equal((await server.inject({ method: 'GET', url: '/health', remoteAddress: ADDRESS_A })).statusCode, 200);
        assert.notEqual((await server.inject({ method: 'GET', url: '/ready', remoteAddress: ADDRESS_A })).statusCode, 429);
      }
      // The windows that are over are swept.
      clock.advance(120);
      assert.ok((await t.app.identity.rateLimiter.sweep()) > 0);
      assert.equal((await t.app.db.kysely.selectFrom('rate_limit_windows').selectAll().execute()).length, 0);
    });
  });
}
