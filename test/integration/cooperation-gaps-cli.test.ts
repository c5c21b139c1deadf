import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app.ts';
import { loadConfig, PROJECT_ROOT } from '../../src/config/config.ts';
import { createLogger } from '../../src/lib/log.ts';
import { asActor, type Principal, systemActor } from '../../src/modules/identity/index.ts';
import { createTestDatabase } from '../support/app.ts';
import { ART_29_2_CONTENT, preservationToSpain } from '../support/cooperation.ts';
import { DIALECTS } from '../support/dialects.ts';
import { enrolUser, login, ManualClock } from '../support/identity.ts';

/**
 * `custodia request gaps` answers by the request's state (issue 17): a request already sent is not
 * told it "can go for approval and be sent". The requests are moved by people in-process (the
 * operator cannot approve: four eyes), then the CLI reads them.
 */
for (const dialect of DIALECTS) {
  describe(`custodia request gaps by state on ${dialect}`, () => {
    let drop: () => Promise<void>;
    let env: NodeJS.ProcessEnv;
    const refs: Record<string, string> = {};

    function gaps(reference: string, ...extra: string[]) {
      const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'src', 'main.ts'), 'request', 'gaps', reference, '--org', 'fiscalia', ...extra], {
        env,
        encoding: 'utf8',
        cwd: PROJECT_ROOT,
      });
      return { code: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
    }

    before(async () => {
      const database = await createTestDatabase(dialect);
      drop = database.drop;
      const config = loadConfig({ ...database.overrides, logLevel: 'silent' }, {});
      // The CLI runs on the real clock: the steps recorded here must not lie ahead of it.
      const clock = new ManualClock(new Date(Date.now() - 60_000).toISOString());
      const app = await createApp(config, { log: createLogger('silent'), clock });
      try {
        await app.knowledge.ensureLoaded(config.kbDir, 'test');
        const fiscal = await enrolUser(app, clock, { email: 'fiscal@pe.example', orgId: 'fiscalia', roles: ['officer'] });
        const jefa = await enrolUser(app, clock, { email: 'jefa@pe.example', orgId: 'fiscalia', roles: ['supervisor'] });
        const ac = await enrolUser(app, clock, { email: 'ac@pe.example', orgId: 'fiscalia', roles: ['central_authority'] });
        await app.cases.create(systemActor('test'), { reference: 'GAPS-1', orgId: 'fiscalia', members: [fiscal.userId, jefa.userId, ac.userId] });
        const as = async (user: typeof fiscal) => asActor((await app.identity.sessions.authenticate(await login(app, clock, user))) as Principal);
        const [p, s, a] = [await as(fiscal), await as(jefa), await as(ac)];

        const awaiting = await app.cooperation.create(p, 'fiscalia', preservationToSpain('GAPS-1'));
        await app.cooperation.step(p, 'fiscalia', awaiting.reference, { to: 'pending_approval' });
        refs.awaiting = awaiting.reference;

        const sent = await app.cooperation.create(p, 'fiscalia', preservationToSpain('GAPS-1'));
        await app.cooperation.step(p, 'fiscalia', sent.reference, { to: 'pending_approval' });
        await app.cooperation.step(s, 'fiscalia', sent.reference, { to: 'approved' });
        await app.cooperation.step(a, 'fiscalia', sent.reference, { to: 'sent' });
        refs.sent = sent.reference;

        const unsent = await app.cooperation.create(p, 'fiscalia', preservationToSpain('GAPS-1', { content: { ...ART_29_2_CONTENT, necessity: '' } }));
        await app.cooperation.step(p, 'fiscalia', unsent.reference, { to: 'withdrawn', reason: 'duplicada' });
        refs.unsent = unsent.reference;

        const incoming = await app.cooperation.create(a, 'fiscalia', {
          ...preservationToSpain('GAPS-1', { requestingState: 'ES', requestedState: 'PE', content: { ...ART_29_2_CONTENT, necessity: '' } }),
          direction: 'incoming',
        });
        refs.incoming = incoming.reference;
      } finally {
        await app.close();
      }
      const { LANG: _lang, LC_ALL: _all, CUSTODIA_CONFIG: _config, ...rest } = process.env;
      env = { ...rest, CUSTODIA_DATA_DIR: database.overrides.dataDir, DATABASE_URL: database.overrides.databaseUrl ?? '', LOG_LEVEL: 'warn' };
    });
    after(() => drop());

    it('a sent request is not told it can go for approval and be sent', () => {
      const en = gaps(refs.sent as string, '--lang', 'en');
      assert.equal(en.code, 0, en.stderr);
      assert.match(en.stdout, new RegExp(`^Request ${refs.sent} was sent on \\S+ \\(state sent\\); by today’s knowledge base it lacks nothing\\.$`));
      const es = gaps(refs.sent as string);
      assert.match(es.stdout, /^La solicitud SOL-\d{4}-\d{5} se envió el \S+ \(estado sent\); según la base de conocimiento actual no le falta nada\.$/);
      const json = JSON.parse(gaps(refs.sent as string, '--json').stdout);
      assert.deepEqual([json.state, json.stage, json.complete], ['sent', 'sent', true]);
    });

    it('awaiting approval, a complete request can be approved', () => {
      const r = gaps(refs.awaiting as string, '--lang', 'en');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `Request ${refs.awaiting} lacks nothing: it can be approved, then sent.`);
    });

    it('withdrawn unsent and incoming requests: the gaps are named, with what they mean there', () => {
      const unsent = gaps(refs.unsent as string, '--lang', 'en');
      assert.equal(unsent.code, 5, 'something is still missing');
      const [head, ...lines] = unsent.stdout.split('\n');
      assert.equal(
        head,
        `Request ${refs.unsent} was withdrawn before it was sent; it lacks the following, which no longer stops anything since it will not be sent:`,
      );
      assert.deepEqual(
        lines.map((l) => l.split(':')[0]),
        ['  - content.necessity'],
      );
      const incoming = gaps(refs.incoming as string, '--lang', 'en');
      assert.equal(incoming.code, 5);
      assert.match(
        incoming.stdout,
        /^Incoming request SOL-\d{4}-\d{5} \(state received\), as received, lacks what its legal basis requires; the requesting State can be asked to supply it:\n {2}- content\.necessity: /,
      );
      assert.equal(JSON.parse(gaps(refs.incoming as string, '--json').stdout).stage, 'incoming');
    });
  });
}
