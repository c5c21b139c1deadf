import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app.ts';
import { loadConfig, PROJECT_ROOT } from '../../src/config/config.ts';
import { createLogger } from '../../src/lib/log.ts';
import { prng } from '../../src/lib/tlog/testing-prng.ts';
import { createTestDatabase } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { runAndKill } from '../support/kill.ts';

const KILLS = Number(process.env.CUSTODIA_CRASH_KILLS ?? 50);

const appender = join(PROJECT_ROOT, 'test', 'support', 'ledger-crash-child.ts');
const ack = (line: string): [number, string] | undefined => {
  const m = /^ack (\d+) ([0-9a-f]{64})$/.exec(line);
  return m ? [Number(m[1]), m[2] as string] : undefined;
};

for (const dialect of DIALECTS) {
  describe(`ledger survives SIGKILL on ${dialect}`, () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    before(async () => {
      database = await createTestDatabase(dialect);
    });
    after(() => database.drop());

    it(`loses no acknowledged append and always audits clean, over ${KILLS} kills`, { timeout: 600_000 }, async () => {
      const env = {
        ...process.env,
        CUSTODIA_DATA_DIR: database.overrides.dataDir as string,
        DATABASE_URL: (database.overrides.databaseUrl as string | undefined) ?? '',
        LOG_LEVEL: 'silent',
      };
      const random = prng(20261124);
      const acknowledged = new Map<number, string>();
      for (let round = 0; round < KILLS; round++) {
        const acked = await runAndKill(appender, env, 20 + random.int(300), ack);
        for (const [index, hash] of acked) acknowledged.set(index, hash);
        const app = await createApp(loadConfig({ ...database.overrides, logLevel: 'silent' }, {}), { log: createLogger('silent') });
        try {
          const report = await app.ledger.audit();
          assert.equal(report.ok, true, `round ${round}: ${JSON.stringify(report.finding)}`);
          const size = await app.ledger.size();
          for (const index of acknowledged.keys()) {
            assert.ok(index < size, `round ${round}: acknowledged entry ${index} lost (size ${size})`);
          }
          // Spot-check the content of what was acknowledged this round.
          for (const [index, hash] of [...acked].slice(-20)) assert.equal((await app.ledger.entry(index)).leafHash.toString('hex'), hash);
          // The subject index, written in bulk and lost with the process, is rebuilt from the entries.
          const last = [...acked.keys()].at(-1);
          if (last !== undefined) assert.ok((await app.ledger.entriesFor((await app.ledger.entry(last)).entry?.subjects[0] as string, 1e9)).includes(last));
          // A lookup brings the index up to date; a round that acknowledged nothing made none, so ask.
          await app.ledger.indexSubjects();
          const rows = await app.db.kysely
            .selectFrom('ledger_subjects')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow();
          assert.equal(Number(rows.n), size, `round ${round}: subject index rows`);
        } finally {
          await app.close();
        }
      }
      assert.ok(acknowledged.size > KILLS, `only ${acknowledged.size} appends were acknowledged`);
    });
  });
}
