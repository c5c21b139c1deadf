import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { type Permission, type Principal, systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { type EnrolledUser, enrolUser, login, ManualClock } from '../support/identity.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
interface Problem {
  type: string;
  status: number;
  code: string;
  title: string;
  errors?: Array<{ path: string; code: string; message: string }>;
}
const paths = (problem: Problem) => (problem.errors ?? []).map((e) => e.path).sort();

for (const dialect of DIALECTS) {
  describe(`identity API on ${dialect}`, () => {
    const clock = new ManualClock();
    let t: TestApp;
    let server: FastifyInstance;
    let operatorAdmin: EnrolledUser;
    let adminA: EnrolledUser;
    let supervisorA: EnrolledUser;
    let auditorA: EnrolledUser;
    let officerA: EnrolledUser;
    let adminB: EnrolledUser;

    /** A fresh browser session: its cookie secret and CSRF token. */
    const session = async (user: EnrolledUser, orgId?: string) => {
      const secret = await login(t.app, clock, user, orgId);
      const principal = (await t.app.identity.sessions.authenticate(secret)) as Principal;
      return { secret, csrf: principal.csrfToken as string, principal };
    };
    /** An API token made by the user in a session, with the given scopes (default: all they hold). */
    const tokenOf = async (user: EnrolledUser, scopes?: Permission[], expiresInDays = 90) => {
      const { principal } = await session(user);
      const made = await t.app.identity.tokens.create(principal, { name: 'test', scopes: scopes ?? [...principal.permissions], expiresInDays });
      return made.token;
    };
    const call = async (
      method: Method,
      url: string,
      auth: { token?: string; cookie?: { secret: string; csrf?: string } } = {},
      payload?: unknown,
      extra: Record<string, string> = {},
    ) => {
      const headers: Record<string, string> = { ...extra };
      if (auth.token) headers.authorization = `Bearer ${auth.token}`;
      if (auth.cookie) {
        headers.cookie = `__Host-custodia_session=${auth.cookie.secret}`;
        if (auth.cookie.csrf) headers['x-csrf-token'] = auth.cookie.csrf;
      }
      const res = await server.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
      return { status: res.statusCode, headers: res.headers, body: res.body, json: <T = Record<string, unknown>>() => res.json() as T };
    };
    const problemOf = (res: { headers: Record<string, unknown>; json: <T>() => T }) => {
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      return res.json<Problem>();
    };

    before(async () => {
      t = await createTestApp({ dialect, clock, load: false });
      server = await buildServer(t.app, { logRequests: false });
      await t.app.identity.directory.createOrganisation(systemActor('test'), { id: 'operator', name: 'Operador', kind: 'operator' }, { operator: true });
      operatorAdmin = await enrolUser(t.app, clock, { email: 'root@node.example', orgId: 'operator', roles: ['admin'] });
      adminA = await enrolUser(t.app, clock, { email: 'admin@a.example', orgId: 'org-a', roles: ['admin'] });
      supervisorA = await enrolUser(t.app, clock, { email: 'sup@a.example', orgId: 'org-a', roles: ['supervisor'] });
      auditorA = await enrolUser(t.app, clock, { email: 'audit@a.example', orgId: 'org-a', roles: ['auditor'] });
      officerA = await enrolUser(t.app, clock, { email: 'officer@a.example', orgId: 'org-a', roles: ['officer'] });
      adminB = await enrolUser(t.app, clock, { email: 'admin@b.example', orgId: 'org-b', roles: ['admin'] });
    });
    after(async () => {
      await server.close();
      await t.cleanup();
    });

    it('answers 401 with WWW-Authenticate without credentials, and for unknown, revoked or expired tokens', async () => {
      const none = await call('GET', '/api/v1/me');
      assert.equal(none.status, 401);
      assert.equal(none.headers['www-authenticate'], 'Bearer');
      assert.equal(problemOf(none).type, 'urn:custodia:problem:unauthenticated');
      const forged = await call('GET', '/api/v1/me', { token: `cta_${'A'.repeat(43)}` });
      assert.equal(forged.status, 401);
      assert.equal(forged.headers['www-authenticate'], 'Bearer');
      assert.equal((await call('GET', '/api/v1/me', {}, undefined, { authorization: 'Basic abc' })).status, 401);

      const { principal } = await session(adminA);
      const revoked = await t.app.identity.tokens.create(principal, { name: 'to revoke', scopes: ['users.read'] });
      assert.equal((await call('GET', '/api/v1/me', { token: revoked.token })).status, 200);
      await t.app.identity.tokens.revoke(principal, revoked.info.id);
      const afterRevocation = await call('GET', '/api/v1/me', { token: revoked.token });
      assert.equal(afterRevocation.status, 401);
      assert.equal(afterRevocation.headers['www-authenticate'], 'Bearer');

      const shortLived = await tokenOf(adminA, ['users.read'], 1);
      assert.equal((await call('GET', '/api/v1/organisations/org-a/members', { token: shortLived })).status, 200);
      clock.advance(86_401);
      const expired = await call('GET', '/api/v1/organisations/org-a/members', { token: shortLived });
      assert.equal(expired.status, 401);
      assert.equal(problemOf(expired).code, 'unauthenticated');
    });

    it('tells who is asking, by token or by session', async () => {
      const token = await tokenOf(adminA, ['users.read']);
      const byToken = await call('GET', '/api/v1/me', { token });
      assert.equal(byToken.status, 200);
      assert.deepEqual(byToken.json(), {
        user: { id: adminA.userId, email: 'admin@a.example', name: 'admin', locale: 'es' },
        organisation: { id: 'org-a', name: 'Org org-a', operator: false },
        roles: ['admin'],
        permissions: ['users.read'],
        via: 'token',
      });
      const cookie = await session(supervisorA);
      const bySession = (await call('GET', '/api/v1/me', { cookie })).json<{ via: string; roles: string[]; permissions: string[] }>();
      assert.equal(bySession.via, 'session');
      assert.deepEqual(bySession.roles, ['supervisor']);
      assert.deepEqual(bySession.permissions, [
        'users.read',
        'cases.create',
        'cases.access.manage',
        'cases.access.read',
        'evidence.read',
        'evidence.add',
        'evidence.handle',
        'evidence.export',
        'evidence.retention',
        'requests.read',
        'requests.draft',
        'requests.approve',
        'requests.send',
        'requests.decide',
        'requests.statistics',
      ]);
    });

    it('lists one’s own organisations, every organisation for the operator, and lets only the operator create them', async () => {
      // An officer holds no administrative permission (only casework), yet may ask who they are and where they belong.
      const officer = await session(officerA);
      const mine = await call('GET', '/api/v1/organisations', { cookie: officer });
      assert.deepEqual(
        mine.json<{ organisations: Array<{ id: string }> }>().organisations.map((o) => o.id),
        ['org-a'],
      );
      assert.deepEqual((await call('GET', '/api/v1/me', { cookie: officer })).json<{ permissions: string[] }>().permissions, [
        'cases.create',
        'evidence.read',
        'evidence.add',
        'evidence.handle',
        'requests.read',
        'requests.draft',
      ]);
      const operatorToken = await tokenOf(operatorAdmin);
      const all = await call('GET', '/api/v1/organisations', { token: operatorToken });
      assert.deepEqual(
        all
          .json<{ organisations: Array<{ id: string }> }>()
          .organisations.map((o) => o.id)
          .sort(),
        ['operator', 'org-a', 'org-b'],
      );

      const created = await call('POST', '/api/v1/organisations', { token: operatorToken }, { id: 'csirt-pe', name: 'CSIRT Perú', kind: 'csirt' });
      assert.equal(created.status, 201);
      assert.deepEqual(
        { ...created.json<Record<string, unknown>>(), createdAt: undefined },
        { id: 'csirt-pe', name: 'CSIRT Perú', kind: 'csirt', operator: false, createdAt: undefined },
      );
      // With its first admin: the one membership created from outside an organisation, by the operator.
      const withAdmin = await call(
        'POST',
        '/api/v1/organisations',
        { token: operatorToken },
        { id: 'policia-pe', name: 'División de Alta Tecnología', kind: 'police', admin: { email: 'Jefe@Policia.example', name: 'Jefe' } },
      );
      assert.equal(withAdmin.status, 201);
      const org = withAdmin.json<{ id: string; admin: { userId: string; enrolment: { token: string; url: string; expiresAt: string } } }>();
      assert.equal(org.id, 'policia-pe');
      assert.equal(org.admin.enrolment.url, `http://localhost:80/enrol/${org.admin.enrolment.token}`);
      assert.equal((await t.app.identity.directory.enrolment(org.admin.enrolment.token)).email, 'jefe@policia.example');
      const badAdmin = await call(
        'POST',
        '/api/v1/organisations',
        { token: operatorToken },
        { id: 'org-y', name: 'Yankee', admin: { email: 'nope', name: '' } },
      );
      assert.equal(badAdmin.status, 422);
      assert.deepEqual(paths(problemOf(badAdmin)), ['admin.email', 'admin.name']);

      const again = await call('POST', '/api/v1/organisations', { token: operatorToken }, { id: 'csirt-pe', name: 'Again' });
      assert.equal(again.status, 409);
      assert.deepEqual(paths(problemOf(again)), ['id']);

      const bad = await call('POST', '/api/v1/organisations?lang=en', { token: operatorToken }, { id: 'Not An Id', name: 'x'.repeat(201), kind: 'castle' });
      assert.equal(bad.status, 422);
      const problem = problemOf(bad);
      assert.equal(problem.type, 'urn:custodia:problem:validation.failed');
      assert.deepEqual(paths(problem), ['id', 'kind', 'name']);
      assert.ok(problem.errors?.every((e) => e.message.length > 0));

      const ordinaryAdmin = await call('POST', '/api/v1/organisations', { token: await tokenOf(adminA) }, { id: 'org-z', name: 'Zeta' });
      assert.equal(ordinaryAdmin.status, 403);
      assert.equal(problemOf(ordinaryAdmin).code, 'forbidden');
    });

    it('lists and adds members, with a one-time enrolment link for someone new', async () => {
      const token = await tokenOf(adminA);
      const list = await call('GET', '/api/v1/organisations/org-a/members', { token });
      assert.equal(list.status, 200);
      const members = list.json<{ members: Array<{ email: string; roles: string[]; status: string }> }>().members;
      assert.deepEqual(
        members.map((m) => m.email),
        ['admin@a.example', 'audit@a.example', 'officer@a.example', 'sup@a.example'],
      );
      assert.ok(members.every((m) => m.status === 'active'));

      const added = await call(
        'POST',
        '/api/v1/organisations/org-a/members',
        { token },
        { email: 'New.Person@A.example', name: 'New Person', roles: ['officer'] },
      );
      assert.equal(added.status, 201);
      const body = added.json<{ userId: string; enrolment: { token: string; url: string; expiresAt: string } }>();
      assert.match(body.enrolment.token, /^cte_/);
      assert.equal(body.enrolment.url, `http://localhost:80/enrol/${body.enrolment.token}`);
      assert.ok(Date.parse(body.enrolment.expiresAt) > clock.now().getTime());
      assert.equal((await t.app.identity.directory.enrolment(body.enrolment.token)).email, 'new.person@a.example');

      // Someone already enrolled on the node just gains the membership: no link.
      const existing = await call('POST', '/api/v1/organisations/org-a/members', { token }, { email: 'admin@b.example', name: 'B', roles: ['auditor'] });
      assert.equal(existing.status, 201);
      assert.deepEqual(existing.json(), { userId: adminB.userId });
      const twice = await call('POST', '/api/v1/organisations/org-a/members', { token }, { email: 'admin@b.example', name: 'B', roles: ['auditor'] });
      assert.equal(twice.status, 409);
      assert.equal(problemOf(twice).code, 'identity.member_exists');

      const bad = await call(
        'POST',
        '/api/v1/organisations/org-a/members',
        { token },
        { email: 'not an email', name: 'n'.repeat(201), roles: ['wizard'], locale: 'fr' },
      );
      assert.equal(bad.status, 422);
      const problem = problemOf(bad);
      assert.deepEqual(paths(problem), ['email', 'locale', 'name', 'roles.0']);
      assert.equal(problem.errors?.find((e) => e.path === 'email')?.message, 'Indique una dirección de correo válida.');
      const tooLong = await call('POST', '/api/v1/organisations/org-a/members', { token }, { email: `${'e'.repeat(300)}@a.example`, name: 'ok', roles: [] });
      assert.deepEqual(paths(problemOf(tooLong)), ['email', 'roles']);
      const wrongTypes = await call('POST', '/api/v1/organisations/org-a/members', { token }, { email: 7, roles: 'officer' });
      assert.equal(wrongTypes.status, 422);
      assert.deepEqual(paths(problemOf(wrongTypes)), ['email', 'name', 'roles']);
    });

    it('refuses with 403 across organisations, before reading the input', async () => {
      const token = await tokenOf(adminA);
      for (const [method, url, payload] of [
        ['GET', '/api/v1/organisations/org-b/members', undefined],
        ['POST', '/api/v1/organisations/org-b/members', { email: 'x@b.example', name: 'X', roles: ['admin'] }],
        ['POST', '/api/v1/organisations/org-b/members', { email: 'not an email', roles: 'admin' }],
        ['PUT', `/api/v1/organisations/org-b/members/${adminB.userId}/roles`, { roles: ['officer'] }],
        ['POST', `/api/v1/organisations/org-b/members/${adminB.userId}/enrolment`, {}],
        ['GET', '/api/v1/organisations/Not%20An%20Org/members', undefined],
      ] as const) {
        const res = await call(method, url, { token }, payload);
        assert.equal(res.status, 403, `${method} ${url}`);
        assert.equal(problemOf(res).code, 'forbidden');
      }
      const cookie = await session(adminB, 'org-b');
      assert.equal((await call('GET', '/api/v1/organisations/org-a/members', { cookie })).status, 403);
      assert.equal((await call('POST', '/api/v1/organisations/org-a/members', { cookie }, { email: 'z@b.example', name: 'Z', roles: ['admin'] })).status, 403);
    });

    it('answers 403 to a token lacking the scope, whatever its maker may do', async () => {
      const readOnly = await tokenOf(adminA, ['users.read']);
      const res = await call('POST', '/api/v1/organisations/org-a/members', { token: readOnly }, { email: 'y@a.example', name: 'Y', roles: ['officer'] });
      assert.equal(res.status, 403);
      assert.equal(problemOf(res).code, 'forbidden');
      assert.equal((await call('GET', '/api/v1/audit', { token: readOnly })).status, 403);
      assert.equal((await call('GET', '/api/v1/organisations/org-a/members', { cookie: await session(officerA) })).status, 403, 'no role, no list');
    });

    it('replaces roles and reissues enrolment links', async () => {
      const token = await tokenOf(adminA);
      const changed = await call('PUT', `/api/v1/organisations/org-a/members/${officerA.userId}/roles`, { token }, { roles: ['supervisor', 'officer'] });
      assert.equal(changed.status, 200);
      assert.deepEqual(changed.json(), { userId: officerA.userId, roles: ['officer', 'supervisor'] });
      const unknown = await call('PUT', `/api/v1/organisations/org-a/members/${officerA.userId}/roles`, { token }, { roles: ['officer', 'wizard'] });
      assert.equal(unknown.status, 422);
      assert.deepEqual(paths(problemOf(unknown)), ['roles.1']);
      const lastAdmin = await call('PUT', `/api/v1/organisations/org-a/members/${adminA.userId}/roles`, { token }, { roles: ['officer'] });
      assert.equal(lastAdmin.status, 409);
      assert.equal(problemOf(lastAdmin).code, 'identity.last_admin');
      const nobody = await call('PUT', '/api/v1/organisations/org-a/members/00000000-0000-4000-8000-000000000000/roles', { token }, { roles: ['officer'] });
      assert.equal(nobody.status, 404);

      const added = await call(
        'POST',
        '/api/v1/organisations/org-a/members',
        { token },
        { email: 'late@a.example', name: 'Late', roles: ['officer'], locale: 'en' },
      );
      const first = added.json<{ userId: string; enrolment: { token: string } }>();
      const reissued = await call('POST', `/api/v1/organisations/org-a/members/${first.userId}/enrolment`, { token });
      assert.equal(reissued.status, 201);
      const again = reissued.json<{ userId: string; enrolment: { token: string; url: string } }>();
      assert.notEqual(again.enrolment.token, first.enrolment.token);
      assert.ok(again.enrolment.url.endsWith(`/enrol/${again.enrolment.token}`));
      await assert.rejects(t.app.identity.directory.enrolment(first.enrolment.token));
      assert.equal((await t.app.identity.directory.enrolment(again.enrolment.token)).locale, 'en');
      const enrolled = await call('POST', `/api/v1/organisations/org-a/members/${adminA.userId}/enrolment`, { token });
      assert.equal(enrolled.status, 409);
      assert.equal(problemOf(enrolled).code, 'identity.already_enrolled');
    });

    it('makes, lists and revokes API tokens only in a browser session, with its CSRF token', async () => {
      const cookie = await session(adminA);
      const noCsrf = await call('POST', '/api/v1/tokens', { cookie: { secret: cookie.secret } }, { name: 'sync', scopes: ['users.read'] });
      assert.equal(noCsrf.status, 403);
      assert.equal(problemOf(noCsrf).code, 'csrf.invalid');
      const wrongCsrf = await call(
        'POST',
        '/api/v1/tokens',
        { cookie: { secret: cookie.secret, csrf: `${cookie.csrf.slice(0, -1)}x` } },
        { name: 'sync', scopes: ['users.read'] },
      );
      assert.equal(wrongCsrf.status, 403);

      const made = await call('POST', '/api/v1/tokens', { cookie }, { name: 'sync', scopes: ['users.read'], expiresInDays: 30 });
      assert.equal(made.status, 201);
      const { token, info } = made.json<{ token: string; info: { id: string; scopes: string[]; orgId: string; revokedAt: null } }>();
      assert.match(token, /^cta_/);
      assert.deepEqual(info.scopes, ['users.read']);
      assert.equal(info.orgId, 'org-a');
      assert.equal((await call('GET', '/api/v1/organisations/org-a/members', { token })).status, 200);

      const listed = await call('GET', '/api/v1/tokens', { cookie });
      assert.equal(listed.status, 200);
      assert.ok(listed.json<{ tokens: Array<{ id: string }> }>().tokens.some((x) => x.id === info.id));
      assert.ok(!listed.body.includes(token.slice(4)), 'a token’s secret is shown once');

      // A token cannot make, list or revoke tokens, even one holding every permission.
      const bearerMade = await call('POST', '/api/v1/tokens', { token: await tokenOf(adminA) }, { name: 'child', scopes: ['users.read'] });
      assert.equal(bearerMade.status, 403);
      assert.equal(problemOf(bearerMade).code, 'forbidden');
      assert.equal((await call('GET', '/api/v1/tokens', { token })).status, 403);
      assert.equal((await call('DELETE', `/api/v1/tokens/${info.id}`, { token })).status, 403);

      const bad = await call('POST', '/api/v1/tokens?lang=en', { cookie }, { name: '', scopes: ['users.read', 'wizardry'], expiresInDays: 1000 });
      assert.equal(bad.status, 422);
      assert.deepEqual(paths(problemOf(bad)), ['expiresInDays', 'name', 'scopes.1']);
      const beyond = await call('POST', '/api/v1/tokens', { cookie }, { name: 'x', scopes: ['audit.read'] });
      assert.equal(beyond.status, 422);
      assert.equal(problemOf(beyond).errors?.[0]?.code, 'identity.scope_not_held');

      const noCsrfDelete = await call('DELETE', `/api/v1/tokens/${info.id}`, { cookie: { secret: cookie.secret } });
      assert.equal(noCsrfDelete.status, 403);
      const revoked = await call('DELETE', `/api/v1/tokens/${info.id}`, { cookie });
      assert.equal(revoked.status, 204);
      assert.equal(revoked.body, '');
      assert.equal((await call('GET', '/api/v1/me', { token })).status, 401);
      assert.equal((await call('DELETE', `/api/v1/tokens/${info.id}`, { cookie })).status, 404);
    });

    it('lists and ends one’s own sessions', async () => {
      const other = await session(officerA);
      const cookie = await session(officerA);
      const listed = await call('GET', '/api/v1/sessions', { cookie });
      assert.equal(listed.status, 200);
      const sessions = listed.json<{ sessions: Array<{ id: string; current: boolean }> }>().sessions;
      assert.equal(sessions.find((s) => s.current)?.id, cookie.principal.sessionId);
      assert.ok(sessions.some((s) => s.id === other.principal.sessionId));
      assert.equal((await call('DELETE', `/api/v1/sessions/${other.principal.sessionId}`, { cookie: { secret: cookie.secret } })).status, 403);
      assert.equal((await call('DELETE', `/api/v1/sessions/${other.principal.sessionId}`, { cookie })).status, 204);
      assert.equal((await call('GET', '/api/v1/me', { cookie: other })).status, 401);
      // Someone else's session is not found, not ended.
      const b = await session(adminB, 'org-b');
      assert.equal((await call('DELETE', `/api/v1/sessions/${cookie.principal.sessionId}`, { cookie: b })).status, 404);
      assert.equal((await call('GET', '/api/v1/sessions', { token: await tokenOf(adminA) })).status, 403);
    });

    it('shows an auditor their organisation’s audit events, filtered and paged', async () => {
      const token = await tokenOf(auditorA);
      const page = await call('GET', '/api/v1/audit?limit=500', { token });
      assert.equal(page.status, 200);
      const { events } = page.json<{ events: Array<{ index: number; type: string; subjects: string[] }> }>();
      assert.ok(events.some((e) => e.type === 'identity.membership_granted'));
      assert.ok(events.every((e) => e.subjects.includes('org:org-a')));
      const first = await call('GET', `/api/v1/audit?type=identity.login&user=${officerA.userId}&limit=1`, { token });
      const one = first.json<{ events: Array<{ index: number; type: string }>; next?: number }>();
      assert.equal(one.events.length, 1);
      assert.equal(one.events[0]?.type, 'identity.login');
      assert.equal(typeof one.next, 'number');
      const second = (await call('GET', `/api/v1/audit?type=identity.login&user=${officerA.userId}&limit=1&before=${one.next}`, { token })).json<{
        events: Array<{ index: number }>;
      }>();
      assert.ok((second.events[0]?.index ?? Infinity) < (one.events[0]?.index ?? 0));
      const dated = await call(
        'GET',
        `/api/v1/audit?from=${encodeURIComponent('2000-01-01T00:00:00-05:00')}&to=${encodeURIComponent('2000-01-02T00:00:00Z')}`,
        {
          token,
        },
      );
      assert.deepEqual(dated.json<{ events: unknown[] }>().events, []);

      const bad = await call('GET', '/api/v1/audit?limit=0&from=yesterday&user=someone&type=Not%20A%20Type', { token });
      assert.equal(bad.status, 422);
      assert.deepEqual(paths(problemOf(bad)), ['from', 'limit', 'type', 'user']);
      assert.equal((await call('GET', '/api/v1/audit', { token: await tokenOf(adminA) })).status, 403);
    });

    it('keeps need-to-know access lists per case', async () => {
      const supervisor = await tokenOf(supervisorA);
      const kase = await t.app.cases.create(systemActor('test'), { reference: 'CASE-2026-7', orgId: 'org-a', members: [officerA.userId] });
      const opening = (await t.app.cases.access.list(systemActor('test'), 'org-a', kase.id)).map((g) => g.id);
      // A case that does not exist here is not found, and nothing is recorded.
      const entriesBefore = await t.app.ledger.size();
      const missing = await call('POST', '/api/v1/cases/no-such-case/access', { token: supervisor }, { userId: adminA.userId, reason: 'assigned to review' });
      assert.equal(missing.status, 404);
      assert.equal(await t.app.ledger.size(), entriesBefore, 'nothing recorded');
      const granted = await call('POST', `/api/v1/cases/${kase.id}/access`, { token: supervisor }, { userId: adminA.userId, reason: 'assigned to review' });
      assert.equal(granted.status, 201);
      const grant = granted.json<{ id: string; caseId: string; userId: string; orgId: string; revokedAt: null }>();
      assert.equal(grant.caseId, kase.id);
      assert.equal(grant.orgId, 'org-a');
      const twice = await call('POST', `/api/v1/cases/${kase.id}/access`, { token: supervisor }, { userId: adminA.userId, reason: 'assigned to review' });
      assert.equal(twice.status, 409);
      const outsider = await call('POST', `/api/v1/cases/${kase.id}/access`, { token: supervisor }, { userId: crypto.randomUUID(), reason: 'not a member' });
      assert.deepEqual(paths(problemOf(outsider)), ['userId']);
      const bad = await call('POST', '/api/v1/cases/bad%20case%20id/access', { token: supervisor }, { userId: 'nobody', reason: 'no' });
      assert.equal(bad.status, 422);
      assert.deepEqual(paths(problemOf(bad)), ['caseId', 'reason', 'userId']);

      const auditor = await tokenOf(auditorA);
      const list = await call('GET', `/api/v1/cases/${kase.id}/access`, { token: auditor });
      assert.equal(list.status, 200);
      assert.deepEqual(
        list
          .json<{ grants: Array<{ id: string }> }>()
          .grants.map((g) => g.id)
          .sort(),
        [...opening, grant.id].sort(),
      );
      assert.equal(
        (await call('POST', `/api/v1/cases/${kase.id}/access`, { token: auditor }, { userId: officerA.userId, reason: 'auditor tries' })).status,
        403,
      );
      assert.equal((await call('DELETE', `/api/v1/cases/${kase.id}/access/${grant.id}`, { token: auditor })).status, 403);
      // Another organisation's supervisor sees nothing of it.
      const supervisorB = await enrolUser(t.app, clock, { email: 'sup@b.example', orgId: 'org-b', roles: ['supervisor'] });
      const bToken = await tokenOf(supervisorB);
      assert.deepEqual((await call('GET', `/api/v1/cases/${kase.id}/access`, { token: bToken })).json(), { grants: [] });
      assert.equal((await call('DELETE', `/api/v1/cases/${kase.id}/access/${grant.id}`, { token: bToken })).status, 404);

      const revoked = await call('DELETE', `/api/v1/cases/${kase.id}/access/${grant.id}`, { token: supervisor });
      assert.equal(revoked.status, 204);
      const after = (await call('GET', `/api/v1/cases/${kase.id}/access`, { token: auditor })).json<{
        grants: Array<{ id: string; revokedAt: string | null }>;
      }>();
      assert.ok(after.grants.find((g) => g.id === grant.id)?.revokedAt);
      assert.equal((await call('DELETE', `/api/v1/cases/${kase.id}/access/${grant.id}`, { token: supervisor })).status, 404);
    });

    it('documents every identity operation with its security requirement', async () => {
      const doc = (await server.inject('/api/openapi.json')).json() as {
        components: { securitySchemes: Record<string, { type: string }> };
        paths: Record<string, Record<string, { operationId?: string; tags?: string[]; security?: Array<Record<string, string[]>> }>>;
      };
      assert.equal(doc.components.securitySchemes.bearerToken?.type, 'http');
      assert.equal(doc.components.securitySchemes.sessionCookie?.type, 'apiKey');
      const operations = Object.values(doc.paths)
        .flatMap((p) => Object.values(p))
        .filter((o) => o.tags?.includes('identity'));
      const ids = new Set(operations.map((o) => o.operationId));
      for (const id of [
        'identity.me',
        'identity.listOrganisations',
        'identity.createOrganisation',
        'identity.listMembers',
        'identity.addMember',
        'identity.setRoles',
        'identity.reissueEnrolment',
        'identity.listTokens',
        'identity.createToken',
        'identity.revokeToken',
        'identity.listSessions',
        'identity.revokeSession',
        'identity.auditEvents',
        'identity.listCaseAccess',
        'identity.grantCaseAccess',
        'identity.revokeCaseAccess',
      ])
        assert.ok(ids.has(id), `${id} is not documented`);
      for (const operation of operations.filter((o) => o.operationId?.startsWith('identity.')))
        assert.ok(operation.security && operation.security.length > 0, String(operation.operationId));
      assert.deepEqual(doc.paths['/api/v1/tokens']?.post?.security, [{ sessionCookie: [] }]);
    });
  });
}
