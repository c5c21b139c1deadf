import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { PROJECT_ROOT } from '../../src/config/config.ts';
import { AppError } from '../../src/lib/errors.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';

const KB_DIR = join(PROJECT_ROOT, 'kb');

for (const dialect of DIALECTS) {
  describe(`knowledge-base storage on ${dialect}`, () => {
    let t: TestApp;
    const scratch = mkdtempSync(join(tmpdir(), 'custodia-kb-'));
    before(async () => {
      t = await createTestApp({ dialect });
    });
    after(async () => {
      await t.cleanup();
      rmSync(scratch, { recursive: true, force: true });
    });

    it('loads the shipped knowledge base once, at first start', async () => {
      const versions = await t.app.knowledge.versions();
      assert.equal(versions.length, 1);
      assert.equal(await t.app.knowledge.ensureLoaded(KB_DIR, 'test'), undefined);
      const snap = await t.app.knowledge.snapshot();
      assert.ok(snap.instruments.has('ETS185'));
      assert.ok(snap.states.has('PE'));
    });

    it('exports and re-imports to the same knowledge base, with no change recorded', async () => {
      const out = join(scratch, 'export');
      const exported = await t.app.knowledge.exportDirectory(out);
      const reimport = await t.app.knowledge.importDirectory(out, 'test');
      assert.equal(reimport.changed, false);
      assert.equal(reimport.version.dataHash, exported.hash);
      const again = await t.app.knowledge.exportDirectory(join(scratch, 'export2'));
      assert.equal(again.hash, exported.hash);
      assert.equal(readFileSync(join(out, 'states.json'), 'utf8'), readFileSync(join(scratch, 'export2', 'states.json'), 'utf8'));
    });

    it('rejects a malformed or inconsistent dataset whole, listing every problem, and writes nothing', async () => {
      const bad = join(scratch, 'bad');
      cpSync(KB_DIR, bad, { recursive: true });
      const states = JSON.parse(readFileSync(join(bad, 'states.json'), 'utf8')) as Array<Record<string, unknown>>;
      states[0] = { ...states[0], code: 'pe' };
      writeFileSync(join(bad, 'states.json'), JSON.stringify(states));
      const es = JSON.parse(readFileSync(join(bad, 'status', 'ETS185.json'), 'utf8')) as Array<Record<string, unknown>>;
      es.push({ ...es[0], state: 'ZZ', date: '2019-02-30' });
      writeFileSync(join(bad, 'status', 'ETS185.json'), JSON.stringify(es));
      const before = await t.app.knowledge.versions();
      await assert.rejects(t.app.knowledge.importDirectory(bad, 'test'), (error: unknown) => {
        assert.ok(error instanceof AppError);
        assert.equal(error.code, 'kb.invalid');
        const paths = error.fields.map((f) => f.path).join('\n');
        assert.match(paths, /states\.json\[0\]:code/);
        assert.match(paths, /status\/ETS185\.json\[\d+\]:date/);
        return true;
      });
      assert.equal((await t.app.knowledge.versions()).length, before.length);
    });

    it('imports a depositary status table as new claims and keeps the older ones', async () => {
      const csv = [
        'instrument,state,event,date,source',
        'UNCC,PE,ratification,2026-06-30,https://treaties.un.org/doc/Publication/MTDSG/Volume%20II/Chapter%20XVIII/XVIII-16.en.xml',
        '"UNCC",CL,ratification,2026-07-15,"Chile, deposit notified in C.N.123.2026"',
      ].join('\r\n');
      const result = await t.app.knowledge.importStatusCsv(csv, 'test', 'status.csv');
      assert.equal(result.events, 2);
      assert.equal(result.version.addedCount, 4);
      const snap = await t.app.knowledge.snapshot();
      const pe = snap.events('UNCC', 'PE');
      assert.ok(pe.some((e) => e.event === 'signature'));
      assert.ok(pe.some((e) => e.event === 'ratification' && e.confidence === 'verified'));
      assert.equal(snap.events('UNCC', 'CL').find((e) => e.event === 'ratification')?.confidence, 'secondary');
      // The same table again adds nothing.
      assert.equal((await t.app.knowledge.importStatusCsv(csv, 'test', 'status.csv')).version.addedCount, 0);
      // A later full import of the shipped files does not drop claims that came from status tables.
      await t.app.knowledge.importDirectory(KB_DIR, 'test');
      assert.ok((await t.app.knowledge.snapshot()).events('UNCC', 'PE').some((e) => e.event === 'ratification'));
    });

    it('rejects a bad status table with every problem and its line, importing nothing', async () => {
      const csv = [
        'instrument,state,event,date,source',
        'UNCC,PE,ratification,2026-02-30,https://treaties.un.org/x',
        'NOPE,XX,ratified,2026-01-01,',
        'ETS185,pe,entry-into-force,2001-01-01,https://coe.int/x',
        'UNCC,CL,ratification,2999-01-01,src',
        'UNCC,CL',
      ].join('\n');
      const before = await t.app.knowledge.versions();
      await assert.rejects(t.app.knowledge.importStatusCsv(csv, 'test', 'bad.csv'), (error: unknown) => {
        assert.ok(error instanceof AppError);
        assert.equal(error.code, 'kb.invalid_status_csv');
        const got = error.fields.map((f) => `${f.path} ${f.code}`);
        for (const expected of [
          'line 2: date kb.invalid_date',
          'line 3: instrument kb.unknown_instrument',
          'line 3: state kb.unknown_state',
          'line 3: event kb.unknown_event',
          'line 3: source kb.missing_source',
          'line 5: date kb.future_date',
          'line 6 kb.csv_field_count',
        ]) {
          assert.ok(got.includes(expected), `missing ${expected} in ${got.join(' | ')}`);
        }
        return true;
      });
      await assert.rejects(t.app.knowledge.importStatusCsv('state,instrument\nPE,UNCC\n', 'test', 'h.csv'), /header|problem/);
      // An entry into force before the State's consent is inconsistent with the records.
      await assert.rejects(
        t.app.knowledge.importStatusCsv('instrument,state,event,date,source\nETS185,PE,entry-into-force,2019-01-01,https://coe.int/x\n', 'test', 'i.csv'),
        (error: unknown) => error instanceof AppError && error.fields.some((f) => f.code === 'kb.inconsistent_status'),
      );
      assert.equal((await t.app.knowledge.versions()).length, before.length);
    });

    it('keeps the history of a claim that a later import changed', async () => {
      const changed = join(scratch, 'changed');
      cpSync(KB_DIR, changed, { recursive: true });
      const facts = JSON.parse(readFileSync(join(changed, 'profiles', 'PE.json'), 'utf8')) as Array<Record<string, unknown>>;
      const first = facts[0]!;
      facts[0] = { ...first, asOf: '2026-01-01' };
      writeFileSync(join(changed, 'profiles', 'PE.json'), JSON.stringify(facts));
      const result = await t.app.knowledge.importDirectory(changed, 'test');
      assert.equal(result.version.retiredCount, 1);
      const history = await t.app.knowledge.history('profile-fact', String(first.id));
      assert.equal(history.length, 2);
      assert.notEqual(history[0]?.retiredVersionId, null);
      assert.equal(history[1]?.retiredVersionId, null);
      // The key is a literal prefix: LIKE wildcards do not widen it.
      assert.equal((await t.app.knowledge.history('profile-fact', '%')).length, 0);
      assert.equal((await t.app.knowledge.history('profile-fact', 'pe_budapest')).length, 0);
      await t.app.knowledge.importDirectory(KB_DIR, 'test');
    });

    it('stores claims in one transaction: a failure midway leaves no new version', async () => {
      const count = async () => Number((await sql<{ n: number }>`select count(*) as n from kb_records`.execute(t.app.db.kysely)).rows[0]?.n);
      const beforeRecords = await count();
      const beforeVersions = (await t.app.knowledge.versions()).length;
      await assert.rejects(
        t.app.db.kysely.transaction().execute(async (trx) => {
          await trx
            .insertInto('kb_versions')
            .values({
              id: 'x',
              seq: 9999,
              kind: 'dataset',
              data_hash: 'h',
              label: 'l',
              record_count: 0,
              added_count: 0,
              retired_count: 0,
              imported_at: 'now',
              imported_by: 't',
            })
            .execute();
          throw new Error('boom');
        }),
      );
      assert.equal(await count(), beforeRecords);
      assert.equal((await t.app.knowledge.versions()).length, beforeVersions);
    });
  });
}
