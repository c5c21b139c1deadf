import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../src/config/config.ts';
import { AppError } from '../../src/lib/errors.ts';
import { asActor, type Principal, systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { type EnrolledUser, enrolUser, login, ManualClock } from '../support/identity.ts';

const code = (c: string) => (e: unknown) => e instanceof AppError && e.code === c;

for (const dialect of DIALECTS) {
  describe(`cases (the minimal record) on ${dialect}`, () => {
    const clock = new ManualClock();
    let t: TestApp;
    let officer: EnrolledUser;
    let colleague: EnrolledUser;
    let outsider: EnrolledUser;
    const principal = async (user: EnrolledUser) => (await t.app.identity.sessions.authenticate(await login(t.app, clock, user))) as Principal;

    before(async () => {
      t = await createTestApp({ dialect, clock, load: false });
      officer = await enrolUser(t.app, clock, { email: 'fiscal@pe.example', orgId: 'fiscalia', roles: ['officer'] });
      colleague = await enrolUser(t.app, clock, { email: 'colega@pe.example', orgId: 'fiscalia', roles: ['officer', 'admin'] });
      outsider = await enrolUser(t.app, clock, { email: 'otro@cl.example', orgId: 'fiscalia-cl', roles: ['officer'] });
    });
    after(() => t.cleanup());

    it('opens a case with its creator on the access list, in one transaction with its ledger events', async () => {
      const p = await principal(officer);
      const record = await t.app.cases.create(asActor(p), { reference: 'CASO-2026-001', orgId: 'fiscalia', title: 'Fraude informático' });
      assert.equal(await t.app.cases.access.canAccessCase(p, record.id), true);
      assert.deepEqual(
        (await t.app.cases.list(asActor(p), 'fiscalia')).map((c) => c.reference),
        ['CASO-2026-001'],
      );
      // An admin of the same organisation who is not on the list neither sees nor finds it.
      const admin = await principal(colleague);
      assert.deepEqual(await t.app.cases.list(asActor(admin), 'fiscalia'), []);
      await assert.rejects(t.app.cases.byReference(asActor(admin), 'fiscalia', 'CASO-2026-001'), code('not_found'));
      await assert.rejects(t.app.cases.list(asActor(await principal(outsider)), 'fiscalia'), code('forbidden'));
      const events = await t.app.ledger.findEntries({ subjects: [`case:${record.id}`], limit: 10 });
      assert.deepEqual(events.map((e) => e.entry.type).sort(), ['cooperation.case_created', 'identity.case_access_granted']);
    });

    it('refuses a duplicate reference, people outside the organisation, and bad input, writing nothing', async () => {
      const p = await principal(officer);
      await assert.rejects(t.app.cases.create(asActor(p), { reference: 'CASO-2026-001', orgId: 'fiscalia' }), code('cooperation.case_exists'));
      await assert.rejects(
        t.app.cases.create(asActor(p), { reference: 'CASO-2026-002', orgId: 'fiscalia', members: [outsider.userId] }),
        (e: unknown) => e instanceof AppError && e.fields.some((f) => f.code === 'identity.not_a_member'),
      );
      await assert.rejects(
        t.app.cases.create(asActor(p), { reference: ' bad ref ', orgId: 'fiscalia', title: 'x'.repeat(400) }),
        (e: unknown) => e instanceof AppError && ['reference', 'title'].every((path) => e.fields.some((f) => f.path === path)),
      );
      await assert.rejects(t.app.cases.create(asActor(p), { reference: 'OTRA', orgId: 'fiscalia-cl' }), code('forbidden'));
      await assert.rejects(
        t.app.cases.create(systemActor('test'), { reference: 'NADIE', orgId: 'fiscalia' }),
        (e: unknown) => e instanceof AppError && e.fields.some((f) => f.code === 'cooperation.case_unseen'),
      );
      assert.equal((await t.app.cases.list(systemActor('test'), 'fiscalia')).length, 1, 'nothing half-written');
    });

    it('never shows a person a case of one organisation while they act in another they belong to', async () => {
      // The officer also belongs to the Chilean prosecution service, and is on the access list of a case there.
      await t.app.identity.directory.createUser(systemActor('test'), { email: officer.email, name: 'fiscal', orgId: 'fiscalia-cl', roles: ['officer'] });
      const chileanCase = await t.app.cases.create(systemActor('test'), {
        reference: 'CL-2026-9',
        orgId: 'fiscalia-cl',
        members: [officer.userId, outsider.userId],
      });
      const inPeru = (await t.app.identity.sessions.authenticate(await login(t.app, clock, officer, 'fiscalia'))) as Principal;
      const inChile = (await t.app.identity.sessions.authenticate(await login(t.app, clock, officer, 'fiscalia-cl'))) as Principal;
      assert.equal(inPeru.orgId, 'fiscalia');
      assert.equal(await t.app.cases.access.canAccessCase(inChile, chileanCase.id), true);
      assert.equal(await t.app.cases.access.canAccessCase(inPeru, chileanCase.id), false);
      await assert.rejects(t.app.cases.byReference(asActor(inPeru), 'fiscalia-cl', 'CL-2026-9'), code('not_found'));
      await assert.rejects(t.app.cases.require(asActor(inPeru), 'requests.read', 'fiscalia-cl', 'CL-2026-9'), code('forbidden'));
      await assert.rejects(t.app.cases.list(asActor(inPeru), 'fiscalia-cl'), code('forbidden'));
      assert.ok(!(await t.app.cases.list(asActor(inPeru), 'fiscalia')).some((c) => c.id === chileanCase.id));
      // Acting in Chile, the Peruvian case is out of sight in the same way.
      await assert.rejects(t.app.cases.byReference(asActor(inChile), 'fiscalia', 'CASO-2026-001'), code('not_found'));
      assert.deepEqual(
        (await t.app.cases.list(asActor(inChile), 'fiscalia-cl')).map((c) => c.reference),
        ['CL-2026-9'],
      );
    });
  });
}

describe('custodia case create|list', () => {
  let t: TestApp;
  before(async () => {
    const clock = new ManualClock();
    t = await createTestApp({ clock, load: false });
    await enrolUser(t.app, clock, { email: 'fiscal@pe.example', orgId: 'fiscalia', roles: ['officer'] });
  });
  after(() => t.cleanup());

  const custodia = (args: string[]) => {
    const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'src', 'main.ts'), ...args], {
      env: { ...process.env, CUSTODIA_DATA_DIR: t.config.dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      cwd: PROJECT_ROOT,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('opens a case for members of the organisation and lists it; refuses an outsider with the field named', () => {
    const created = custodia(['case', 'create', 'CASO-7', '--org', 'fiscalia', '--title', 'Acceso ilícito', '--member', 'fiscal@pe.example', '--json']);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).reference, 'CASO-7');
    const listed = custodia(['case', 'list', '--org', 'fiscalia', '--lang', 'en']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /CASO-7 · Acceso ilícito · opened \d{4}-\d{2}-\d{2}T[\d:.]+-05:00/);
    const refused = custodia(['case', 'create', 'CASO-8', '--org', 'fiscalia', '--member', 'nadie@pe.example']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /members/);
  });
});
