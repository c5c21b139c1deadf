import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../src/lib/errors.ts';
import { asActor, type Principal, systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { CLIENT, type EnrolledUser, enrolUser, login, ManualClock, PASSWORD } from '../support/identity.ts';

const code = (c: string) => (e: unknown) => e instanceof AppError && e.code === c;
const fieldCode = (c: string) => (e: unknown) => e instanceof AppError && e.fields.some((f) => f.code === c);

for (const dialect of DIALECTS) {
  describe(`identity on ${dialect}`, () => {
    let t: TestApp;
    const clock = new ManualClock();
    let adminA: EnrolledUser;
    let officerA: EnrolledUser;
    let adminB: EnrolledUser;
    const principal = async (user: EnrolledUser, orgId?: string): Promise<Principal> =>
      (await t.app.identity.sessions.authenticate(await login(t.app, clock, user, orgId))) as Principal;

    before(async () => {
      t = await createTestApp({ dialect, clock, load: false });
      adminA = await enrolUser(t.app, clock, { email: 'admin@a.example', orgId: 'org-a', roles: ['admin'] });
      officerA = await enrolUser(t.app, clock, { email: 'officer@a.example', orgId: 'org-a', roles: ['officer'] });
      adminB = await enrolUser(t.app, clock, { email: 'admin@b.example', orgId: 'org-b', roles: ['admin'] });
    });
    after(() => t.cleanup());

    it('prints a first-admin enrolment once, replaces it on each start until used, and never a password', async () => {
      const first = await t.app.identity.ensureFirstAdmin({ email: 'root@node.example', organisationName: 'Operador' });
      assert.ok(first?.token.startsWith('cte_'));
      const second = await t.app.identity.ensureFirstAdmin({ email: 'root@node.example', organisationName: 'Operador' });
      assert.notEqual(second?.token, first?.token);
      await assert.rejects(t.app.identity.directory.enrolment(first?.token as string), code('identity.enrolment_invalid'));
      const { totpSecret } = await t.app.identity.directory.enrolment(second?.token as string);
      assert.match(totpSecret, /^[A-Z2-7]{32}$/);
    });

    it('logs in with password and TOTP, and refuses a replayed code, a wrong password and an unknown account alike', async () => {
      clock.advance(30);
      const { challenge } = await t.app.identity.sessions.beginLogin({ email: 'OFFICER@a.example ', password: PASSWORD }, CLIENT);
      const c = officerA.code();
      const session = await t.app.identity.sessions.completeLogin({ challenge, code: c }, CLIENT);
      assert.match(session.token, /^cts_/);
      const again = await t.app.identity.sessions.beginLogin({ email: officerA.email, password: PASSWORD }, CLIENT);
      // Replayed: refused, and said to be a spent code rather than a wrong one.
      await assert.rejects(t.app.identity.sessions.completeLogin({ challenge: again.challenge, code: c }, CLIENT), fieldCode('identity.code_reused'));
      await assert.rejects(t.app.identity.sessions.beginLogin({ email: officerA.email, password: 'wrong password!!' }, CLIENT), code('identity.login_failed'));
      await assert.rejects(t.app.identity.sessions.beginLogin({ email: 'nobody@a.example', password: PASSWORD }, CLIENT), code('identity.login_failed'));
      await assert.rejects(t.app.identity.sessions.beginLogin({ email: officerA.email, password: 'x'.repeat(10_000) }, CLIENT), code('identity.login_failed'));
      // A used challenge cannot open a second session.
      await assert.rejects(t.app.identity.sessions.completeLogin({ challenge, code: officerA.code() }, CLIENT), code('identity.challenge_invalid'));
    });

    it('accepts each recovery code once', async () => {
      clock.advance(30);
      const recovery = officerA.recoveryCodes[0] as string;
      const { challenge } = await t.app.identity.sessions.beginLogin({ email: officerA.email, password: PASSWORD }, CLIENT);
      await t.app.identity.sessions.completeLogin({ challenge, code: recovery.toUpperCase() }, CLIENT);
      const next = await t.app.identity.sessions.beginLogin({ email: officerA.email, password: PASSWORD }, CLIENT);
      await assert.rejects(
        t.app.identity.sessions.completeLogin({ challenge: next.challenge, code: recovery }, CLIENT),
        fieldCode('identity.recovery_code_used'),
      );
      await assert.rejects(
        t.app.identity.sessions.completeLogin({ challenge: next.challenge, code: 'abcd-efgh-jkmn' }, CLIENT),
        fieldCode('identity.code_invalid'),
      );
      assert.equal(await t.app.identity.sessions.recoveryCodesLeft(officerA.userId), 9);
    });

    it('slows guessing per account, with growing waits that end, and lets the real user in afterwards', async () => {
      const victim = await enrolUser(t.app, clock, { email: 'victim@a.example', orgId: 'org-a', roles: ['officer'] });
      const attacker = { ip: '198.51.100.7', userAgent: 'x' };
      for (let i = 0; i < 5; i++)
        await assert.rejects(
          t.app.identity.sessions.beginLogin({ email: victim.email, password: `guess number ${i}` }, attacker),
          code('identity.login_failed'),
        );
      // Past five failures, each further one doubles the wait; while it lasts even the right password is refused unread.
      await assert.rejects(t.app.identity.sessions.beginLogin({ email: victim.email, password: PASSWORD }, CLIENT), code('identity.throttled'));
      clock.advance(1);
      await assert.rejects(t.app.identity.sessions.beginLogin({ email: victim.email, password: 'guess number 6' }, attacker), code('identity.login_failed'));
      await assert.rejects(
        t.app.identity.sessions.beginLogin({ email: victim.email, password: PASSWORD }, CLIENT),
        (e: unknown) => e instanceof AppError && e.code === 'identity.throttled' && e.params.seconds === 2,
      );
      clock.advance(2);
      const token = await login(t.app, clock, victim);
      assert.ok(await t.app.identity.sessions.authenticate(token));
    });

    it('ends sessions on logout, revocation, idle and absolute timeouts; a login never reuses a token', async () => {
      const token = await login(t.app, clock, officerA);
      const other = await login(t.app, clock, officerA);
      assert.notEqual(token, other);
      const p = (await t.app.identity.sessions.authenticate(token)) as Principal;
      const list = await t.app.identity.sessions.list(p);
      assert.ok(list.some((s) => s.current));
      const otherId = list.find((s) => !s.current)?.id as string;
      await t.app.identity.sessions.revoke(p, otherId);
      assert.equal(await t.app.identity.sessions.authenticate(other), undefined);
      // Someone else's session id is not found, rather than revoked.
      const b = await principal(adminB);
      await assert.rejects(t.app.identity.sessions.revoke(b, p.sessionId as string), code('not_found'));
      clock.advance(31 * 60);
      assert.equal(await t.app.identity.sessions.authenticate(token), undefined, 'idle');
      const fresh = await login(t.app, clock, officerA);
      for (let i = 0; i < 26; i++) {
        clock.advance(29 * 60);
        if (i < 24) assert.ok(await t.app.identity.sessions.authenticate(fresh), `still active after ${(i + 1) * 29} min`);
      }
      assert.equal(await t.app.identity.sessions.authenticate(fresh), undefined, 'absolute');
      const last = await login(t.app, clock, officerA);
      await t.app.identity.sessions.logout((await t.app.identity.sessions.authenticate(last)) as Principal);
      assert.equal(await t.app.identity.sessions.authenticate(last), undefined);
      assert.equal(await t.app.identity.sessions.authenticate('cts_forged'), undefined);
    });

    it('lets an admin manage only their own organisation, and keeps one admin', async () => {
      const a = await principal(adminA);
      const created = await t.app.identity.directory.createUser(asActor(a), { email: 'new@a.example', name: 'New', orgId: 'org-a', roles: ['officer'] });
      assert.ok(created.enrolment?.token.startsWith('cte_'));
      await assert.rejects(
        t.app.identity.directory.createUser(asActor(a), { email: 'x@b.example', name: 'X', orgId: 'org-b', roles: ['admin'] }),
        code('forbidden'),
      );
      await assert.rejects(t.app.identity.directory.members(asActor(a), 'org-b'), code('forbidden'));
      await assert.rejects(t.app.identity.directory.setRoles(asActor(a), 'org-b', adminB.userId, ['officer']), code('forbidden'));
      await assert.rejects(t.app.identity.directory.setRoles(asActor(a), 'org-a', adminA.userId, ['officer']), code('identity.last_admin'));
      const o = await principal(officerA);
      await assert.rejects(
        t.app.identity.directory.createUser(asActor(o), { email: 'y@a.example', name: 'Y', orgId: 'org-a', roles: ['admin'] }),
        code('forbidden'),
      );
      await assert.rejects(t.app.identity.directory.createOrganisation(asActor(a), { id: 'org-c', name: 'C' }), code('forbidden'));
      await assert.rejects(
        t.app.identity.directory.createUser(asActor(a), { email: 'not an email', name: '', orgId: 'org-a', roles: ['wizard'] }),
        (e: unknown) => e instanceof AppError && ['email', 'name', 'roles.0'].every((p) => e.fields.some((f) => f.path === p)),
      );
    });

    it('creates an organisation with its first admin, who alone gets power there', async () => {
      const org = await t.app.identity.directory.createOrganisation(systemActor('test'), {
        id: 'csirt-pe',
        name: 'CSIRT',
        kind: 'csirt',
        admin: { email: 'jefe@csirt.example', name: 'Jefe' },
      });
      assert.ok(org.admin?.enrolment?.token.startsWith('cte_'));
      const members = await t.app.identity.directory.members(systemActor('test'), 'csirt-pe');
      assert.deepEqual(
        members.map((m) => [m.email, m.roles]),
        [['jefe@csirt.example', ['admin']]],
      );
      await assert.rejects(
        t.app.identity.directory.createOrganisation(systemActor('test'), { id: 'bad-admin', name: 'Bad admin', admin: { email: 'nope', name: '' } }),
        (e: unknown) => e instanceof AppError && e.fields.some((f) => f.path === 'admin.email') && e.fields.some((f) => f.path === 'admin.name'),
      );
      assert.equal(await t.app.identity.directory.organisation('bad-admin'), undefined, 'nothing half-written');
    });

    it('changing roles ends the sessions that acted with the old ones, and is audited', async () => {
      const officerToken = await login(t.app, clock, officerA);
      const a = await principal(adminA);
      assert.deepEqual(await t.app.identity.directory.setRoles(asActor(a), 'org-a', officerA.userId, ['officer', 'supervisor']), ['officer', 'supervisor']);
      assert.equal(await t.app.identity.sessions.authenticate(officerToken), undefined);
      const members = await t.app.identity.directory.members(asActor(a), 'org-a');
      assert.deepEqual(members.find((m) => m.userId === officerA.userId)?.roles, ['officer', 'supervisor']);
    });

    it('issues scoped, expiring, revocable API tokens, shown once and stored hashed', async () => {
      const a = await principal(adminA);
      await assert.rejects(t.app.identity.tokens.create(a, { name: 'x', scopes: ['audit.read'] }), fieldCode('identity.scope_not_held'));
      const { token, info } = await t.app.identity.tokens.create(a, { name: 'sync', scopes: ['users.read'], expiresInDays: 1 });
      const stored = await t.app.db.kysely.selectFrom('api_tokens').selectAll().where('id', '=', info.id).executeTakeFirstOrThrow();
      assert.notEqual(stored.token_hash, token);
      assert.ok(!JSON.stringify(stored).includes(token.slice(4)));
      const p = (await t.app.identity.tokens.authenticate(token)) as Principal;
      assert.deepEqual([...p.permissions], ['users.read']);
      assert.equal(p.orgId, 'org-a');
      clock.advance(86_401);
      assert.equal(await t.app.identity.tokens.authenticate(token), undefined, 'expired');
      const second = await t.app.identity.tokens.create(await principal(adminA), { name: 'sync2', scopes: ['users.read', 'users.manage'] });
      await t.app.identity.tokens.revoke(await principal(adminA), second.info.id);
      assert.equal(await t.app.identity.tokens.authenticate(second.token), undefined, 'revoked');
    });

    it('need-to-know: only people granted a case see it, in the organisation of the grant', async () => {
      const supervisorA = await enrolUser(t.app, clock, { email: 'sup@a.example', orgId: 'org-a', roles: ['supervisor'] });
      const sup = await principal(supervisorA);
      const kase = await t.app.cases.create(systemActor('test'), { reference: 'CASE-2026-1', orgId: 'org-a', members: [supervisorA.userId] });
      const otherOrgsCase = await t.app.cases.create(systemActor('test'), { reference: 'CASE-2026-1', orgId: 'org-b', members: [adminB.userId] });
      const grant = await t.app.cases.access.grant(asActor(sup), 'org-a', {
        caseId: kase.id,
        userId: officerA.userId,
        reason: 'assigned investigator',
      });
      // A case that does not exist, or that belongs to another organisation, is not found; nothing is recorded.
      const before = await t.app.ledger.findEntries({ subjects: [`user:${adminA.userId}`], limit: 100 });
      for (const caseId of ['no-such-case', otherOrgsCase.id]) {
        await assert.rejects(t.app.cases.access.grant(asActor(sup), 'org-a', { caseId, userId: adminA.userId, reason: 'not a case here' }), code('not_found'));
      }
      assert.equal((await t.app.ledger.findEntries({ subjects: [`user:${adminA.userId}`], limit: 100 })).length, before.length, 'nothing recorded');
      const o = await principal(officerA);
      assert.equal(await t.app.cases.access.canAccessCase(o, kase.id), true);
      assert.equal(await t.app.cases.access.canAccessCase(await principal(adminA), kase.id), false, 'an admin is not on the list');
      assert.equal(await t.app.cases.access.canAccessCase(await principal(adminB), kase.id), false);
      await assert.rejects(t.app.cases.access.requireCaseAccess(await principal(adminB), kase.id), code('not_found'));
      await assert.rejects(
        t.app.cases.access.grant(asActor(await principal(adminA)), 'org-a', { caseId: kase.id, userId: adminA.userId, reason: 'curiosity' }),
        code('forbidden'),
      );
      await assert.rejects(
        t.app.cases.access.grant(asActor(sup), 'org-a', { caseId: kase.id, userId: adminB.userId, reason: 'other org' }),
        fieldCode('identity.not_a_member'),
      );
      await assert.rejects(
        t.app.cases.access.revoke(asActor(sup), 'org-a', 'CASE-OTHER', grant.id),
        code('not_found'),
        'a grant is revoked only under its own case',
      );
      await t.app.cases.access.revoke(asActor(sup), 'org-a', kase.id, grant.id);
      assert.equal(await t.app.cases.access.canAccessCase(o, kase.id), false);
    });

    it('records every security event in the ledger, and shows an auditor only their organisation', async () => {
      const auditorA = await enrolUser(t.app, clock, { email: 'audit@a.example', orgId: 'org-a', roles: ['auditor'] });
      const au = await principal(auditorA);
      await t.app.identity.recordDenied(asActor(await principal(officerA)), { method: 'GET', route: '/admin', permission: 'users.manage' });
      const { events } = await t.app.identity.auditLog.events(asActor(au), 'org-a', { limit: 500 });
      const types = new Set(events.map((e) => e.type));
      for (const type of [
        'identity.user_created',
        'identity.membership_granted',
        'identity.login',
        'identity.login_failed',
        'identity.second_factor_failed',
        'identity.roles_changed',
        'identity.token_created',
        'identity.token_revoked',
        'identity.case_access_granted',
        'identity.case_access_revoked',
        'identity.session_revoked',
        'identity.access_denied',
      ])
        assert.ok(types.has(type), `${type} missing`);
      assert.ok(events.every((e) => e.subjects.includes('org:org-a')));
      assert.ok(!events.some((e) => e.subjects.includes('org:org-b')));
      const logins = await t.app.identity.auditLog.events(asActor(au), 'org-a', { type: 'identity.login', user: officerA.userId, limit: 2 });
      assert.equal(logins.events.length, 2);
      assert.ok(logins.next !== undefined);
      assert.ok(logins.events.every((e) => e.type.startsWith('identity.login') && e.subjects.includes(`user:${officerA.userId}`)));
      await assert.rejects(t.app.identity.auditLog.events(asActor(au), 'org-b', {}), code('forbidden'));
      await assert.rejects(t.app.identity.auditLog.events(asActor(await principal(adminA)), 'org-a', {}), code('forbidden'));
      // No secret ever reaches the ledger.
      const size = await t.app.ledger.size();
      for (let i = 0; i < size; i++) assert.doesNotMatch((await t.app.ledger.entry(i)).bytes.toString(), /cts_|cta_|cte_|correct horse|\$argon2/);
    });

    it("shows attempts on unknown accounts to the node operator's auditors", async () => {
      await assert.rejects(
        t.app.identity.sessions.beginLogin({ email: 'ghost@nowhere.example', password: PASSWORD }, { ip: '192.0.2.99', userAgent: 't' }),
        code('identity.login_failed'),
      );
      const auditor = await enrolUser(t.app, clock, { email: 'node-audit@op.example', orgId: 'operator', roles: ['auditor'] });
      const { events } = await t.app.identity.auditLog.events(asActor(await principal(auditor)), 'operator', { type: 'identity.login_failed' });
      assert.ok(events.some((e) => e.data.reason === 'unknown_account' && e.actor === 'anonymous'));
    });

    it('switches organisation with a new token, only into organisations one belongs to', async () => {
      await t.app.identity.directory.createUser(systemActor('test'), { email: adminA.email, name: 'x', orgId: 'org-b', roles: ['officer'] });
      const a = await principal(adminA, 'org-a');
      const switched = await t.app.identity.sessions.switchOrganisation(a, 'org-b', CLIENT);
      const p = (await t.app.identity.sessions.authenticate(switched.token)) as Principal;
      assert.equal(p.orgId, 'org-b');
      assert.deepEqual(p.roles, ['officer']);
      assert.equal(p.permissions.has('users.manage'), false, 'admin of org-a has no power in org-b');
      await assert.rejects(t.app.identity.sessions.switchOrganisation(await principal(officerA), 'org-b', CLIENT), code('forbidden'));
    });
  });
}
