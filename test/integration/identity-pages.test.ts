import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { wallClockToIso } from '../../src/http/web/pages/audit.ts';
import { es } from '../../src/i18n/es.ts';
import { isoWithOffset } from '../../src/lib/time.ts';
import { base32Decode, totp } from '../../src/lib/totp.ts';
import { type Principal, systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { CLIENT, type EnrolledUser, enrolUser, ensureOrganisation, login, ManualClock, PASSWORD } from '../support/identity.ts';
import { decodeHtml } from '../support/web.ts';

type Form = Record<string, string | string[] | undefined>;
interface Browser {
  secret: string;
  csrf: string;
  principal: Principal;
}

/** The keys of the identity pages' own catalog: none may ever reach a page untranslated. */
const PAGE_KEYS = Object.keys(es).filter((k) => /^(account|admin|audit|permission)\./.test(k));

const encode = (form: Form): string => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  }
  return params.toString();
};

const decodeEntities = (s: string) =>
  s.replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'");

/** The text of the element with this id (first match). */
function byId(body: string, id: string): string | undefined {
  const match = new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(body);
  return match ? decodeEntities(match[1] as string) : undefined;
}

/** The event types shown in the audit table, in order. */
const auditTypes = (body: string) => [...body.matchAll(/<td><code>([a-z0-9_.]+)<\/code><\/td>/g)].map((m) => m[1] as string);
const auditIndices = (body: string) => [...body.matchAll(/<th scope="row"><a href="\/ledger\?index=(\d+)&amp;lang=\w\w">/g)].map((m) => Number(m[1]));

describe('datetime-local values are read in the node’s time zone', () => {
  it('gives the instant with the offset in force then, and refuses times that do not exist', () => {
    assert.equal(wallClockToIso('2026-11-24T10:00', 'America/Lima'), '2026-11-24T10:00:00.000-05:00');
    assert.equal(wallClockToIso('2026-11-24T10:00:30', 'America/Lima'), '2026-11-24T10:00:30.000-05:00');
    assert.equal(wallClockToIso('2026-07-01T12:00', 'Europe/Madrid'), '2026-07-01T12:00:00.000+02:00');
    assert.equal(wallClockToIso('2026-01-01T12:00', 'Europe/Madrid'), '2026-01-01T12:00:00.000+01:00');
    assert.equal(wallClockToIso('2026-01-01T12:00', 'UTC'), '2026-01-01T12:00:00.000Z');
    assert.equal(wallClockToIso('2026-02-30T10:00', 'America/Lima'), undefined);
    assert.equal(wallClockToIso('2026-11-24T24:10', 'America/Lima'), undefined);
    assert.equal(wallClockToIso('yesterday', 'America/Lima'), undefined);
  });
});

for (const dialect of DIALECTS) {
  describe(`identity pages on ${dialect}`, () => {
    const clock = new ManualClock();
    let t: TestApp;
    let server: FastifyInstance;
    let operatorAdmin: EnrolledUser;
    let adminA: EnrolledUser;
    let officerA: EnrolledUser;
    let auditorA: EnrolledUser;
    let adminB: EnrolledUser;

    const browser = async (user: EnrolledUser, orgId?: string): Promise<Browser> => {
      const secret = await login(t.app, clock, user, orgId);
      const principal = (await t.app.identity.sessions.authenticate(secret)) as Principal;
      return { secret, csrf: principal.csrfToken as string, principal };
    };
    const get = async (url: string, who?: Browser | { token: string }) => {
      const headers: Record<string, string> = {};
      if (who && 'secret' in who) headers.cookie = `__Host-custodia_session=${who.secret}`;
      if (who && 'token' in who) headers.authorization = `Bearer ${who.token}`;
      return server.inject({ method: 'GET', url, headers });
    };
    /** A form posted as a browser does, with the session's CSRF token unless `csrf: false`. */
    const post = async (url: string, who: Browser | undefined, form: Form = {}, options: { csrf?: boolean } = {}) => {
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      if (who) headers.cookie = `__Host-custodia_session=${who.secret}`;
      const payload = encode({ ...(who && options.csrf !== false ? { _csrf: who.csrf } : {}), ...form });
      return server.inject({ method: 'POST', url, headers, payload });
    };
    const noRawKeys = (body: string) => {
      for (const key of PAGE_KEYS) assert.ok(!body.includes(key), `untranslated ${key}`);
    };

    before(async () => {
      t = await createTestApp({ dialect, clock, load: false });
      server = await buildServer(t.app, { logRequests: false });
      await t.app.identity.directory.createOrganisation(
        systemActor('test'),
        { id: 'operator', name: 'Operador del nodo', kind: 'operator' },
        { operator: true },
      );
      operatorAdmin = await enrolUser(t.app, clock, { email: 'root@node.example', orgId: 'operator', roles: ['admin'] });
      adminA = await enrolUser(t.app, clock, { email: 'admin@a.example', orgId: 'org-a', roles: ['admin'] });
      officerA = await enrolUser(t.app, clock, { email: 'officer@a.example', orgId: 'org-a', roles: ['officer'] });
      auditorA = await enrolUser(t.app, clock, { email: 'auditor@a.example', orgId: 'org-a', roles: ['auditor'] });
      adminB = await enrolUser(t.app, clock, { email: 'admin@b.example', orgId: 'org-b', roles: ['admin'] });
    });
    after(async () => {
      await server?.close();
      await t?.cleanup();
    });

    it('render in Spanish and English for the roles that may see them', async () => {
      const cases: Array<[string, EnrolledUser, string, string]> = [
        ['/account', officerA, 'Mi cuenta', 'My account'],
        ['/admin', adminA, 'Administración', 'Administration'],
        ['/admin/organisations', operatorAdmin, 'Organizaciones del nodo', 'Organisations on this node'],
        ['/admin/erasure', operatorAdmin, 'Suprimir los datos de una persona', 'Erase a person’s data'],
        ['/audit', auditorA, 'Auditoría', 'Audit'],
      ];
      for (const [path, user, spanish, english] of cases) {
        const who = await browser(user);
        for (const [lang, heading] of [
          ['es', spanish],
          ['en', english],
        ] as const) {
          const res = await get(`${path}?lang=${lang}`, who);
          assert.equal(res.statusCode, 200, `${path} ${lang}`);
          assert.match(res.body, new RegExp(`<html lang="${lang}">`));
          assert.ok(res.body.includes(`<h1>${heading}</h1>`), `${path} ${lang} heading`);
          assert.equal(res.headers['cache-control'], 'no-store');
          assert.doesNotMatch(res.body, /<script(?![^>]*\ssrc=)|\sstyle="/, 'no inline script or style');
          noRawKeys(res.body);
        }
      }
      const account = await get('/account?lang=en', await browser(adminA));
      assert.ok(account.body.includes('admin@a.example'));
      assert.ok(account.body.includes('Administrator'), 'roles are translated');
      assert.ok(account.body.includes('This session'));
      assert.match(account.body, /GMT-5/, 'times show their zone');
    });

    it('refuse the wrong role with a 403 page and send anonymous visitors to sign in', async () => {
      const officer = await browser(officerA);
      const admin = await browser(adminA);
      const refusals: Array<[string, Browser]> = [
        ['/admin', officer],
        ['/audit', officer],
        ['/audit', admin],
        ['/admin/organisations', admin],
        ['/admin/erasure', admin],
      ];
      for (const [path, who] of refusals) {
        const res = await get(`${path}?lang=en`, who);
        assert.equal(res.statusCode, 403, path);
        assert.match(res.headers['content-type'] as string, /text\/html/);
        // Never a bare refusal: the page says which permission is missing and which roles give it.
        assert.match(decodeHtml(res.body), /This page needs the permission “[^”]+”, which the roles? .+ give/, path);
      }
      // …and who holds it: the organisation's auditor for its audit log; the node operator's admins for erasure.
      const audit = decodeHtml((await get('/audit?lang=es', admin)).body);
      assert.match(audit, /Esta página necesita el permiso «[^»]+», que da el rol Auditor en la organización en la que usted actúa\./);
      assert.ok(audit.includes('auditor@a.example'), 'the auditor of org-a is named');
      const erasure = decodeHtml((await get('/admin/erasure?lang=en', admin)).body);
      assert.match(erasure, /which the role Administrator gives in the organisation operating the node/);
      assert.ok(erasure.includes('root@node.example') && !erasure.includes('admin@b.example'), 'the operator’s admins, nobody of another organisation');
      for (const path of ['/account', '/admin', '/admin/organisations', '/admin/erasure', '/audit']) {
        const res = await get(path);
        assert.equal(res.statusCode, 303, path);
        assert.equal(res.headers.location, `/login?next=${encodeURIComponent(path)}`);
      }
      // Anonymous POSTs and refused roles change nothing.
      assert.equal((await post('/admin/members', undefined, { email: 'x@a.example', name: 'X', roles: 'officer' })).statusCode, 401);
      assert.equal((await post('/admin/members', officer, { email: 'x@a.example', name: 'X', roles: 'officer' })).statusCode, 403);
      assert.equal((await post('/admin/organisations', admin, { id: 'sneaky', name: 'Sneaky', kind: 'other' })).statusCode, 403);
      assert.equal(await t.app.identity.directory.organisation('sneaky'), undefined);
      // The account pages are for people, not for API tokens.
      const { token } = await t.app.identity.tokens.create(admin.principal, { name: 'api', scopes: ['users.read'], expiresInDays: 1 });
      assert.equal((await get('/account', { token })).statusCode, 403);
    });

    it('adds a member with a one-time enrolment link that works, and issues a new one on request', async () => {
      const admin = await browser(adminA);
      const res = await post('/admin/members?lang=en', admin, {
        email: 'New.Person@A.example',
        name: 'New Person',
        roles: ['officer', 'supervisor'],
        locale: 'en',
      });
      assert.equal(res.statusCode, 201);
      const link = byId(res.body, 'enrolment-link');
      assert.match(link ?? '', /^http:\/\/localhost(:80)?\/enrol\/cte_[A-Za-z0-9_-]+$/);
      assert.ok(res.body.includes('new.person@a.example'));
      const path = new URL(link as string).pathname;
      const enrol = await get(path);
      assert.equal(enrol.statusCode, 200);
      assert.ok(enrol.body.includes('new.person@a.example'));

      const list = await get('/admin?lang=en', admin);
      assert.match(
        list.body,
        /new\.person@a\.example<\/th>\s*<td>New Person<\/td>\s*<td>Invited \(not enrolled\)<\/td>\s*<td>Prosecutor or investigator, Supervisor \(approver\)<\/td>/,
      );

      const member = (await t.app.identity.directory.members(systemActor('test'), 'org-a')).find((m) => m.email === 'new.person@a.example');
      assert.ok(member);
      const again = await post(`/admin/members/${member.userId}/enrolment?lang=en`, admin);
      assert.equal(again.statusCode, 201);
      const second = byId(again.body, 'enrolment-link') as string;
      assert.notEqual(second, link);
      assert.equal((await get(path)).statusCode, 410, 'the earlier link stops working');
      assert.equal((await get(new URL(second).pathname)).statusCode, 200);

      // An enrolled member gets no new link.
      const refused = await post(`/admin/members/${officerA.userId}/enrolment?lang=en`, admin);
      assert.equal(refused.statusCode, 409);
      assert.ok(refused.body.includes('That person has already activated their account.'));
    });

    it('re-renders the add-member form with an error summary linked to each field', async () => {
      const admin = await browser(adminA);
      const res = await post('/admin/members?lang=es', admin, { email: 'not an email', name: '', locale: 'es' });
      assert.equal(res.statusCode, 422);
      assert.match(res.body, /<title>Error: /);
      assert.match(res.body, /class="error-summary"/);
      assert.match(res.body, /<a href="#email">/);
      assert.match(res.body, /<a href="#name">/);
      assert.match(res.body, /<a href="#roles-officer">/);
      assert.match(res.body, /id="email"[^>]*aria-invalid="true"/);
      assert.ok(res.body.includes('value="not an email"'), 'what was typed is kept');
      const duplicate = await post('/admin/members?lang=en', admin, { email: officerA.email, name: 'Again', roles: 'officer' });
      assert.equal(duplicate.statusCode, 409);
      assert.ok(duplicate.body.includes('already a member'));
    });

    it('shows and changes only the acting organisation’s members', async () => {
      const a = await browser(adminA);
      const b = await browser(adminB);
      const pageA = await get('/admin?lang=en', a);
      assert.ok(pageA.body.includes(officerA.email));
      assert.ok(!pageA.body.includes(adminB.email));
      const pageB = await get('/admin?lang=en', b);
      assert.ok(pageB.body.includes(adminB.email));
      assert.ok(!pageB.body.includes(adminA.email) && !pageB.body.includes(officerA.email));

      const across = await post(`/admin/members/${adminB.userId}/roles?lang=en`, a, { roles: 'officer' });
      assert.equal(across.statusCode, 404);
      const rolesB = (await t.app.identity.directory.members(systemActor('test'), 'org-b')).find((m) => m.userId === adminB.userId)?.roles;
      assert.deepEqual(rolesB, ['admin']);
    });

    it('changes roles, keeps the last admin, and removes a membership with no roles', async () => {
      const admin = await browser(adminA);
      const last = await post(`/admin/members/${adminA.userId}/roles?lang=en`, admin, { roles: 'officer' });
      assert.equal(last.statusCode, 409);
      assert.ok(last.body.includes('An organisation must keep at least one admin'));
      assert.match(last.body, new RegExp(`<a href="#member-${adminA.userId}-roles-officer">`));
      assert.match(last.body, /<details open>/);

      const someone = await enrolUser(t.app, clock, { email: 'temp@a.example', orgId: 'org-a', roles: ['officer'] });
      const changed = await post(`/admin/members/${someone.userId}/roles?lang=en`, admin, { roles: ['officer', 'evidence_custodian'] });
      assert.equal(changed.statusCode, 303);
      assert.equal(changed.headers.location, '/admin?lang=en&done=roles');
      const roles = (await t.app.identity.directory.members(systemActor('test'), 'org-a')).find((m) => m.userId === someone.userId)?.roles;
      assert.deepEqual(roles, ['evidence_custodian', 'officer']);

      const removed = await post(`/admin/members/${someone.userId}/roles?lang=en`, admin, {});
      assert.equal(removed.statusCode, 303);
      assert.ok(!(await get('/admin?lang=en', admin)).body.includes('temp@a.example'));
    });

    it('asks for a fresh confirmation before granting power, and comes back to the form', async () => {
      const stale = await browser(adminA);
      clock.advance(11 * 60);
      const res = await server.inject({
        method: 'POST',
        url: '/admin/members',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: `__Host-custodia_session=${stale.secret}`,
          referer: 'http://localhost/admin?lang=en',
          host: 'localhost',
        },
        payload: encode({ _csrf: stale.csrf, email: 'late@a.example', name: 'Late', roles: 'officer' }),
      });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, `/reauth?lang=es&next=${encodeURIComponent('/admin?lang=en')}`);
      assert.ok(!(await get('/admin?lang=en', await browser(adminA))).body.includes('late@a.example'), 'nothing was done');
    });

    it('lets an operator admin create organisations, refusing a duplicate identifier', async () => {
      const root = await browser(operatorAdmin);
      const created = await post('/admin/organisations?lang=en', root, { id: 'csirt-pe', name: 'CSIRT Perú', kind: 'csirt' });
      assert.equal(created.statusCode, 303);
      const list = await get(created.headers.location as string, root);
      assert.ok(list.body.includes('The organisation CSIRT Perú was created.'));
      assert.match(list.body, /<code>csirt-pe<\/code><\/th><td>CSIRT Perú<\/td>\s*<td>CSIRT<\/td>/);
      const again = await post('/admin/organisations?lang=en', root, { id: 'csirt-pe', name: 'Other', kind: 'csirt' });
      assert.equal(again.statusCode, 409);
      assert.match(again.body, /<a href="#id">/);
      const invalid = await post('/admin/organisations?lang=en', root, { id: 'No Spaces', name: 'X', kind: '' });
      assert.equal(invalid.statusCode, 422);
      assert.match(invalid.body, /<a href="#id">/);
      assert.match(invalid.body, /<a href="#kind">/);
      // With a first admin: the one-time link is shown, and a bad email is marked on its own field.
      const withAdmin = await post('/admin/organisations?lang=en', root, {
        id: 'uif-pe',
        name: 'UIF Perú',
        kind: 'other',
        adminEmail: 'jefa@uif.example',
        adminName: 'Jefa',
      });
      assert.equal(withAdmin.statusCode, 201);
      const link = /\/enrol\/(cte_[A-Za-z0-9_-]{43})/.exec(withAdmin.body)?.[1] as string;
      assert.equal((await t.app.identity.directory.enrolment(link)).email, 'jefa@uif.example');
      const badAdmin = await post('/admin/organisations?lang=en', root, {
        id: 'uif-two',
        name: 'UIF Two',
        kind: 'other',
        adminEmail: 'not-an-email',
        adminName: 'X',
      });
      assert.equal(badAdmin.statusCode, 422);
      assert.match(badAdmin.body, /<a href="#adminEmail">/);
      assert.equal(await t.app.identity.directory.organisation('uif-two'), undefined, 'nothing half-written');
    });

    it('revokes one of one’s sessions, and never someone else’s', async () => {
      const here = await browser(officerA);
      const there = await browser(officerA);
      const page = await get('/account?lang=en', here);
      assert.ok(page.body.includes(`action="/account/sessions/${there.principal.sessionId}/revoke"`));
      const res = await post(`/account/sessions/${there.principal.sessionId}/revoke?lang=en`, here);
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/account?lang=en&done=session_revoked');
      assert.equal(await t.app.identity.sessions.authenticate(there.secret), undefined);
      assert.equal((await get('/account', there)).statusCode, 303, 'the revoked session is signed out');
      assert.ok(!(await get('/account', here)).body.includes(`/account/sessions/${there.principal.sessionId}/revoke`));

      const admin = await browser(adminA);
      const other = await post(`/account/sessions/${admin.principal.sessionId}/revoke?lang=en`, here);
      assert.equal(other.statusCode, 404);
      assert.ok(await t.app.identity.sessions.authenticate(admin.secret), 'someone else’s session stays open');

      const self = await post(`/account/sessions/${here.principal.sessionId}/revoke`, here);
      assert.equal(self.statusCode, 303);
      assert.match(self.headers.location as string, /^\/login\?/);
      assert.equal(await t.app.identity.sessions.authenticate(here.secret), undefined);
    });

    it('creates an API token shown only once, limited to the maker’s permissions, and revokes it', async () => {
      const auditor = await browser(auditorA);
      const page = await get('/account?lang=en', auditor);
      assert.match(page.body, /name="scopes" value="audit\.read"/);
      assert.match(page.body, /name="scopes" value="users\.read"/);
      assert.doesNotMatch(page.body, /name="scopes" value="users\.manage"/);
      assert.match(page.body, /<fieldset id="scopes"[^>]*>\s*<legend>Permissions<\/legend>/);

      const beyond = await post('/account/tokens?lang=en', auditor, { name: 'Too much', scopes: 'users.manage', expiresInDays: '30' });
      assert.equal(beyond.statusCode, 422);
      assert.ok(beyond.body.includes('users.manage'));
      assert.match(beyond.body, /<a href="#scopes-audit-read">/);
      const badDays = await post('/account/tokens?lang=en', auditor, { name: 'Forever', scopes: 'audit.read', expiresInDays: '999' });
      assert.equal(badDays.statusCode, 422);
      assert.match(badDays.body, /<a href="#expiresInDays">/);
      assert.ok(badDays.body.includes('value="Forever"'));

      const created = await post('/account/tokens?lang=en', auditor, { name: 'SIEM export', scopes: 'audit.read', expiresInDays: '30' });
      assert.equal(created.statusCode, 201);
      const token = byId(created.body, 'new-token') as string;
      assert.match(token, /^cta_/);
      const principal = await t.app.identity.tokens.authenticate(token);
      assert.deepEqual([...(principal?.permissions ?? [])], ['audit.read']);

      const listed = await get('/account?lang=en', auditor);
      assert.ok(listed.body.includes('SIEM export'));
      assert.ok(!listed.body.includes(token), 'the token is never shown again');
      const info = (await t.app.identity.tokens.list(auditor.principal)).find((x) => x.name === 'SIEM export');
      assert.ok(info);
      const revoked = await post(`/account/tokens/${info.id}/revoke?lang=en`, auditor);
      assert.equal(revoked.statusCode, 303);
      assert.equal(await t.app.identity.tokens.authenticate(token), undefined);
      const after = await get('/account?lang=en&done=token_revoked', auditor);
      assert.ok(after.body.includes('The token was revoked.'));
      assert.ok(!after.body.includes(`/account/tokens/${info.id}/revoke`));
      assert.equal((await post(`/account/tokens/${info.id}/revoke?lang=en`, auditor)).statusCode, 404);
    });

    it('refuses a POST without its CSRF token', async () => {
      const auditor = await browser(auditorA);
      const admin = await browser(adminA);
      const before = (await t.app.identity.tokens.list(auditor.principal)).length;
      const res = await post('/account/tokens', auditor, { name: 'Forged', scopes: 'audit.read', expiresInDays: '5' }, { csrf: false });
      assert.equal(res.statusCode, 403);
      assert.equal((await t.app.identity.tokens.list(auditor.principal)).length, before);
      const wrong = await post('/account/tokens', auditor, { _csrf: admin.csrf, name: 'Forged', scopes: 'audit.read', expiresInDays: '5' }, { csrf: false });
      assert.equal(wrong.statusCode, 403, 'another session’s token does not do');
      assert.equal((await post('/admin/members', admin, { email: 'forged@a.example', name: 'F', roles: 'officer' }, { csrf: false })).statusCode, 403);
      assert.equal((await post(`/account/sessions/${admin.principal.sessionId}/revoke`, admin, {}, { csrf: false })).statusCode, 403);
      assert.ok(await t.app.identity.sessions.authenticate(admin.secret));
    });

    it('filters the audit log by type, person and time, pages back, and refuses bad filters', async () => {
      const auditor = await browser(auditorA);
      for (let i = 0; i < 55; i++) await t.app.identity.tokens.create(auditor.principal, { name: `bulk ${i}`, scopes: ['audit.read'], expiresInDays: 1 });

      const logins = await get('/audit?lang=en&type=identity.login', auditor);
      assert.equal(logins.statusCode, 200);
      const types = auditTypes(logins.body);
      assert.ok(types.length > 0);
      assert.ok(
        types.every((ty) => ty.startsWith('identity.login')),
        types.join(),
      );
      assert.ok(auditIndices(logins.body).length === types.length, 'each event links to its ledger entry');

      const first = await get('/audit?lang=en&type=identity.token_created', auditor);
      const firstIndices = auditIndices(first.body);
      assert.equal(firstIndices.length, 50);
      assert.ok(auditTypes(first.body).every((ty) => ty === 'identity.token_created'));
      const older = /<a href="([^"]+)" rel="next">/.exec(first.body)?.[1];
      assert.ok(older);
      const second = await get(decodeEntities(older), auditor);
      const secondIndices = auditIndices(second.body);
      assert.ok(secondIndices.length >= 5);
      assert.ok(Math.max(...secondIndices) < Math.min(...firstIndices), 'older events only');
      assert.ok(auditTypes(second.body).every((ty) => ty === 'identity.token_created'));

      const byOfficer = await get(`/audit?lang=en&user=${officerA.userId}`, auditor);
      assert.equal(byOfficer.statusCode, 200);
      assert.ok(auditTypes(byOfficer.body).length > 0);
      assert.ok(!auditTypes(byOfficer.body).includes('identity.token_created'), 'only events naming that person');
      assert.match(byOfficer.body, new RegExp(`<option value="${officerA.userId}" selected>`));

      const now = clock.now();
      const wall = (offsetMinutes: number) => isoWithOffset(new Date(now.getTime() + offsetMinutes * 60_000), 'America/Lima').slice(0, 16);
      const recent = await get(`/audit?lang=en&type=identity.token_created&from=${wall(-5)}`, auditor);
      assert.equal(auditIndices(recent.body).length, 50);
      const future = await get(`/audit?lang=en&from=${wall(60)}`, auditor);
      assert.equal(future.statusCode, 200);
      assert.equal(auditIndices(future.body).length, 0);
      assert.ok(future.body.includes('No event matches the filter.'));

      const bad = await get('/audit?lang=en&type=NOT%20A%20TYPE!&from=tomorrow', auditor);
      assert.equal(bad.statusCode, 422);
      assert.match(bad.body, /<a href="#from">/);
      const badType = await get('/audit?lang=es&type=NOT%20A%20TYPE!', auditor);
      assert.equal(badType.statusCode, 422);
      assert.match(badType.body, /<a href="#type">Tipo de evento no válido\.<\/a>/);
      assert.match(badType.body, /id="type"[^>]*aria-invalid="true"/);
      const reversed = await get(`/audit?lang=en&from=${wall(0)}&to=${wall(-60)}`, auditor);
      assert.equal(reversed.statusCode, 422);
      assert.match(reversed.body, /<a href="#to">/);
    });

    it('switches organisation with a new session cookie', async () => {
      const both = await enrolUser(t.app, clock, { email: 'both@a.example', orgId: 'org-a', roles: ['officer'] });
      await ensureOrganisation(t.app, 'org-c', 'Org C');
      await t.app.identity.directory.createUser(systemActor('test'), { email: both.email, name: 'both', orgId: 'org-c', roles: ['supervisor'] });
      const who = await browser(both, 'org-a');
      const page = await get('/account?lang=en', who);
      assert.match(page.body, /<option value="org-c">Org C<\/option>/);
      const res = await post('/account/organisation?lang=en', who, { orgId: 'org-c' });
      assert.equal(res.statusCode, 303);
      const cookie = res.cookies.find((c) => c.name === '__Host-custodia_session');
      assert.ok(cookie?.value && cookie.value !== who.secret);
      assert.equal(cookie.httpOnly, true);
      assert.equal((await t.app.identity.sessions.authenticate(cookie.value))?.orgId, 'org-c');
      assert.equal(await t.app.identity.sessions.authenticate(who.secret), undefined);

      const stranger = await browser(both, 'org-a');
      const refused = await post('/account/organisation?lang=en', stranger, { orgId: 'org-b' });
      assert.equal(refused.statusCode, 403);
      assert.equal((await t.app.identity.sessions.authenticate(stranger.secret))?.orgId, 'org-a');
    });

    it('asks to confirm identity before changing the authenticator or recovery codes once the login is old', async () => {
      const person = await enrolUser(t.app, clock, { email: 'totp@a.example', orgId: 'org-a', roles: ['officer'] });
      const stale = await browser(person);
      clock.advance(11 * 60);
      const change = await post('/account/totp/new?lang=en', stale);
      assert.equal(change.statusCode, 303);
      assert.equal(change.headers.location, `/reauth?lang=en&next=${encodeURIComponent('/account')}`);
      const codes = await post('/account/recovery-codes?lang=en', stale);
      assert.equal(codes.statusCode, 303);
      assert.match(codes.headers.location as string, /^\/reauth\?/);
      assert.equal(await t.app.identity.sessions.recoveryCodesLeft(person.userId), 10);

      // Within ten minutes of signing in: the new key, confirmed by a code from it.
      const fresh = await browser(person);
      const seed = await post('/account/totp/new?lang=en', fresh);
      assert.equal(seed.statusCode, 200);
      const otpauth = decodeEntities(/href="(otpauth:[^"]+)"/.exec(seed.body)?.[1] ?? '');
      const secret = new URL(otpauth).searchParams.get('secret') as string;
      assert.match(secret, /^[A-Z2-7]{32}$/);
      assert.notEqual(secret, person.secret);
      const sealed = decodeEntities(/name="sealed" value="([^"]+)"/.exec(seed.body)?.[1] ?? '');
      const wrong = await post('/account/totp/confirm?lang=en', fresh, { sealed, code: '000000' });
      assert.equal(wrong.statusCode, 422);
      assert.equal(decodeEntities(/name="sealed" value="([^"]+)"/.exec(wrong.body)?.[1] ?? ''), sealed, 'the new key is kept for another try');
      clock.advance(30);
      const newCode = totp(base32Decode(secret), clock.now().getTime() / 1000);
      const confirmed = await post('/account/totp/confirm?lang=en', fresh, { sealed, code: newCode });
      assert.equal(confirmed.statusCode, 303);
      assert.equal(confirmed.headers.location, '/account?lang=en&done=totp_changed');
      clock.advance(30);
      const { challenge } = await t.app.identity.sessions.beginLogin({ email: person.email, password: PASSWORD }, CLIENT);
      const session = await t.app.identity.sessions.completeLogin({ challenge, code: totp(base32Decode(secret), clock.now().getTime() / 1000) }, CLIENT);
      assert.match(session.token, /^cts_/, 'the new key signs in');

      const regenerated = await post('/account/recovery-codes?lang=en', fresh);
      assert.equal(regenerated.statusCode, 200);
      const shown = [...regenerated.body.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]);
      assert.equal(shown.length, 10);
      assert.ok(!shown.includes(person.recoveryCodes[0]));
      assert.ok((await get('/account?lang=en', fresh)).body.includes('You have 10 unused recovery codes left.'));
    });
  });
}
