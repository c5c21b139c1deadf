import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app.ts';
import { loadConfig, PROJECT_ROOT } from '../../src/config/config.ts';
import { createLogger } from '../../src/lib/log.ts';
import { prng } from '../../src/lib/tlog/testing-prng.ts';
import { systemActor } from '../../src/modules/identity/index.ts';
import { createTestDatabase } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { ensureOrganisation } from '../support/identity.ts';
import { runAndKill } from '../support/kill.ts';

const KILLS = Number(process.env.CUSTODIA_EVIDENCE_CRASH_KILLS ?? 20);

const ingester = join(PROJECT_ROOT, 'test', 'support', 'evidence-crash-child.ts');
const ack = (line: string): [string, string] | undefined => {
  const m = /^ack (\S+) ([0-9a-f]{64})$/.exec(line);
  return m ? [m[1] as string, m[2] as string] : undefined;
};

for (const dialect of DIALECTS) {
  describe(`evidence ingest survives SIGKILL on ${dialect}`, () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    before(async () => {
      database = await createTestDatabase(dialect);
      const app = await createApp(loadConfig({ ...database.overrides, logLevel: 'silent' }, {}), { log: createLogger('silent') });
      await ensureOrganisation(app, 'fiscalia');
      const custodian = await app.identity.directory.createUser(systemActor('test'), {
        email: 'custodio@pe.example',
        name: 'Custodio',
        orgId: 'fiscalia',
        roles: ['evidence_custodian'],
      });
      await app.cases.create(systemActor('test'), { reference: 'CASO-CRASH', orgId: 'fiscalia', members: [custodian.userId] });
      await app.close();
    });
    after(() => database.drop());

    it(`never leaves a record pointing at a missing or corrupt blob, over ${KILLS} kills`, { timeout: 600_000 }, async () => {
      const env = {
        ...process.env,
        CUSTODIA_DATA_DIR: database.overrides.dataDir as string,
        DATABASE_URL: (database.overrides.databaseUrl as string | undefined) ?? '',
        LOG_LEVEL: 'silent',
      };
      const random = prng(20261125);
      const acknowledged = new Map<string, string>();
      for (let round = 0; round < KILLS; round++) {
        for (const [id, hash] of await runAndKill(ingester, env, 150 + random.int(700), ack)) acknowledged.set(id, hash);
        const app = await createApp(loadConfig({ ...database.overrides, logLevel: 'silent' }, {}), { log: createLogger('silent') });
        try {
          const operator = systemActor('crash-check');
          const items = await app.evidence.list(operator, 'fiscalia', 'CASO-CRASH');
          const ids = new Set(items.map((i) => i.id));
          for (const id of acknowledged.keys()) assert.ok(ids.has(id), `round ${round}: acknowledged item ${id} lost`);
          // Every record, acknowledged or not, has its complete blob: fixity passes on each.
          // Items checked in an earlier round are immutable since; each round checks the new ones.
          for (const item of items.filter((i) => i.lastFixity === undefined)) {
            const result = await app.evidence.verify(operator, 'fiscalia', item.id);
            assert.equal(result.ok, true, `round ${round}: item ${item.exhibit} ${JSON.stringify(result)}`);
            const expected = acknowledged.get(item.id);
            if (expected) assert.equal(item.sha256, expected);
          }
          // What a kill left behind without a record is swept (here without the grace period), never a recorded blob.
          await app.evidence.sweepOrphanBlobs(0);
          const keys: string[] = [];
          for await (const key of app.blobs.list?.('vault/') ?? []) keys.push(key);
          const recorded = await app.db.kysely.selectFrom('evidence_items').select('blob_key').distinct().execute();
          assert.deepEqual(keys.sort(), recorded.map((r) => r.blob_key).sort(), `round ${round}: blobs are exactly the recorded ones`);
          const audit = await app.ledger.audit();
          assert.equal(audit.ok, true, `round ${round}: ledger ${JSON.stringify(audit.finding)}`);
        } finally {
          await app.close();
        }
      }
      assert.ok(acknowledged.size >= KILLS / 2, `only ${acknowledged.size} items were acknowledged`);
    });
  });
}
