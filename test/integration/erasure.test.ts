import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { PROJECT_ROOT } from '../../src/config/config.ts';
import { buildServer } from '../../src/http/server.ts';
import { type Principal, systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { type EnrolledUser, enrolUser, login, ManualClock } from '../support/identity.ts';
import { decodeHtml, sessionCookie, signIn } from '../support/web.ts';

/**
 * Erasure under data-protection law (issue 15, crypto-shredding): a person who left every
 * organisation is erased by the operator's admins through the page, the API or the CLI; their ledger
 * entries lose details and salts (the log stays verifiable and holds nothing linkable to them), their
 * account keeps nothing that identifies them, and anyone else is refused with what is missing.
 */
for (const dialect of DIALECTS) {
  describe(`erasing a person's data on ${dialect}`, () => {
    const clock = new ManualClock();
    let t: TestApp;
    let server: FastifyInstance;
    let root: EnrolledUser;
    let tenantAdmin: EnrolledUser;

    const leave = async (user: EnrolledUser, orgId: string) => t.app.identity.directory.setRoles(systemActor('test'), orgId, user.userId, []);
    const ledgerMentions = async (userId: string) => {
      const db = t.app.db.kysely;
      const rows = [
        ...(await db.selectFrom('ledger_entries').select('entry as text').execute()),
        ...(await db.selectFrom('ledger_entries').select('details as text').execute()),
        ...(await db.selectFrom('ledger_subjects').select('subject as text').execute()),
      ];
      return rows.filter((r) => r.text?.includes(`user:${userId}`)).length;
    };
    const tokenOf = async (user: EnrolledUser) => {
      const p = (await t.app.identity.sessions.authenticate(await login(t.app, clock, user))) as Principal;
      return (await t.app.identity.tokens.create(p, { name: 'erasure', scopes: [...p.permissions], expiresInDays: 1 })).token;
    };

    before(async () => {
      t = await createTestApp({ dialect, clock, load: false });
      server = await buildServer(t.app, { logRequests: false });
      await t.app.identity.ensureFirstAdmin({ email: 'bootstrap@node.example', organisationName: 'Operador del nodo' });
      root = await enrolUser(t.app, clock, { email: 'root@node.example', orgId: 'operator', roles: ['admin'] });
      tenantAdmin = await enrolUser(t.app, clock, { email: 'admin@fiscalia.example', orgId: 'fiscalia', roles: ['admin'] });
    });
    after(async () => {
      await server.close();
      await t.cleanup();
    });

    it('erases through the page: refuses a current member and an unconfirmed form, then shreds and strips', async () => {
      const leaver = await enrolUser(t.app, clock, { email: 'ex.fiscal@fiscalia.example', orgId: 'fiscalia', roles: ['officer'] });
      await login(t.app, clock, leaver);
      await t.app.ledger.settle();
      assert.ok((await ledgerMentions(leaver.userId)) > 0);
      const admin = await signIn(t.app, clock, root);
      const form = (fields: Record<string, string>) =>
        server.inject({
          method: 'POST',
          url: '/admin/erasure?lang=en',
          headers: { cookie: sessionCookie(admin), 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ _csrf: admin.csrf, ...fields }).toString(),
        });
      const page = await server.inject({ url: '/admin/erasure?lang=es', headers: { cookie: sessionCookie(admin) } });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<h1>Suprimir los datos de una persona<\/h1>/);
      assert.equal(page.headers['cache-control'], 'no-store');
      const unconfirmed = await form({ email: leaver.email, basis: 'Solicitud ARCO 2026-114' });
      assert.equal(unconfirmed.statusCode, 422);
      assert.match(unconfirmed.body, /Tick the confirmation/);
      const member = await form({ email: leaver.email, basis: 'Solicitud ARCO 2026-114', confirm: 'yes' });
      assert.equal(member.statusCode, 409);
      assert.match(decodeHtml(member.body), /still belongs to an organisation: remove them from each one first \(fiscalia\)/);
      assert.ok((await ledgerMentions(leaver.userId)) > 0, 'nothing changed after a refusal');
      const unknown = await form({ email: 'nadie@ninguna.example', basis: 'Solicitud ARCO 2026-114', confirm: 'yes' });
      assert.equal(unknown.statusCode, 404);
      assert.match(decodeHtml(unknown.body), /No one on this node has that e-mail address/);

      await leave(leaver, 'fiscalia');
      const done = await form({ email: leaver.email, basis: 'Solicitud ARCO 2026-114', confirm: 'yes' });
      assert.equal(done.statusCode, 200);
      assert.match(done.body, /Data erased: \d+ ledger entries crypto-shredded \(recorded in entry \d+\)/);
      await t.app.ledger.settle();
      assert.equal(await ledgerMentions(leaver.userId), 0);
      const user = await t.app.db.kysely.selectFrom('users').selectAll().where('id', '=', leaver.userId).executeTakeFirstOrThrow();
      assert.equal(user.email, `erased-${leaver.userId}@erased.invalid`);
      assert.equal(user.password_hash, null);
      assert.equal(user.totp_secret, null);
      assert.equal(user.status, 'disabled');
      // The shredding is on record for the operator, with its basis; the log still audits clean.
      const [record] = await t.app.ledger.findEntries({ subjects: ['org:operator'], typePrefix: 'ledger.shredded', limit: 1 });
      assert.equal(record?.entry.data.reason, 'data-protection');
      assert.equal(record?.entry.data.basis, 'Solicitud ARCO 2026-114');
      const audit = await t.app.ledger.audit();
      assert.equal(audit.ok, true, audit.finding?.message ?? '');
      assert.equal(audit.shredded, Number(record?.entry.data.count));
    });

    it('erases through the API, for the operator’s admins only', async () => {
      const leaver = await enrolUser(t.app, clock, { email: 'ex.perito@fiscalia.example', orgId: 'fiscalia', roles: ['evidence_custodian'] });
      await leave(leaver, 'fiscalia');
      const refused = await server.inject({
        method: 'POST',
        url: '/api/v1/erasures',
        headers: { authorization: `Bearer ${await tokenOf(tenantAdmin)}` },
        payload: { email: leaver.email, basis: 'pedido' },
      });
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(refused.json().code, 'forbidden');
      assert.ok((await ledgerMentions(leaver.userId)) > 0);
      const erased = await server.inject({
        method: 'POST',
        url: '/api/v1/erasures',
        headers: { authorization: `Bearer ${await tokenOf(root)}` },
        payload: { email: leaver.email, basis: 'Solicitud ARCO 2026-115' },
      });
      assert.equal(erased.statusCode, 201);
      assert.equal(erased.json().userId, leaver.userId);
      assert.ok(erased.json().shredded >= 3);
      await t.app.ledger.settle();
      assert.equal(await ledgerMentions(leaver.userId), 0);
    });

    it('erases through the CLI', async () => {
      const leaver = await enrolUser(t.app, clock, { email: 'ex.analista@fiscalia.example', orgId: 'fiscalia', roles: ['auditor'] });
      await leave(leaver, 'fiscalia');
      await t.app.ledger.settle();
      const { LANG: _l, LC_ALL: _a, ...env } = process.env;
      const result = spawnSync(
        process.execPath,
        [join(PROJECT_ROOT, 'src', 'main.ts'), 'user', 'erase', leaver.email, '--basis', 'Solicitud ARCO 2026-116', '--lang', 'en'],
        {
          env: { ...env, CUSTODIA_DATA_DIR: t.config.dataDir, DATABASE_URL: t.config.databaseUrl ?? '', LOG_LEVEL: 'warn' },
          encoding: 'utf8',
          cwd: PROJECT_ROOT,
        },
      );
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /The person’s data is erased: \d+ ledger entries crypto-shredded/);
      assert.equal(await ledgerMentions(leaver.userId), 0);
    });
  });
}
