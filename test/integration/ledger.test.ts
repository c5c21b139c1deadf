import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { loadMasterKey } from '../../src/config/config.ts';
import { AppError } from '../../src/lib/errors.ts';
import { parseCheckpoint } from '../../src/lib/tlog/checkpoint.ts';
import { leafHash, memoryHashSource, rootHash, verifyConsistency, verifyInclusion } from '../../src/lib/tlog/merkle.ts';
import { openNote } from '../../src/lib/tlog/note.ts';
import { verifyTlogProof } from '../../src/lib/tlog/proof-bundle.ts';
import { buildTile, TILE_WIDTH } from '../../src/lib/tlog/tiles.ts';
import { createLedgerService } from '../../src/modules/ledger/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';

const event = (i: number) => ({ type: 'test.event', subjects: [`case:${i % 7}`, `item:${i}`], actor: 'tester', data: { n: i } });

for (const dialect of DIALECTS) {
  describe(`custody ledger on ${dialect}`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp({ dialect });
    });
    after(() => t.cleanup());

    it('records every knowledge-base import, naming the data hash', async () => {
      const versions = await t.app.knowledge.versions();
      const first = await t.app.ledger.entry(0);
      assert.equal(first.entry?.type, 'kb.import');
      assert.equal(first.entry?.hashes.data, `sha256:${versions.at(-1)?.dataHash}`);
      assert.deepEqual(await t.app.ledger.entriesFor(`kb-version:${versions.at(-1)?.id}`), [0]);
      assert.match(first.entry?.at, /[+-]\d{2}:\d{2}$|Z$/);
    });

    it('stamps the time on its own copy, and refuses an invalid entry with the field named', async () => {
      const input = event(-1);
      const [appended] = await t.app.ledger.append([input]);
      assert.equal('at' in input, false);
      assert.match((await t.app.ledger.entry(appended?.index as number)).entry?.at ?? '', /^\d{4}-/);
      await assert.rejects(
        t.app.ledger.append([{ ...event(-2), type: 'NotAType', subjects: [] }]),
        (e: unknown) => e instanceof AppError && e.fields.some((f) => f.path === 'entries[0].type') && e.fields.some((f) => f.path === 'entries[0].subjects'),
      );
    });

    it('groups concurrent appends, numbers them without gaps, and keeps tiles equal to an independent rebuild', async () => {
      const before = await t.app.ledger.size();
      const results = await Promise.all(Array.from({ length: 600 }, (_, i) => t.app.ledger.append([event(i)])));
      const indices = results.map((r) => r[0]?.index as number).sort((a, b) => a - b);
      assert.deepEqual(
        indices,
        Array.from({ length: 600 }, (_, i) => before + i),
      );
      // A second wave in larger batches, crossing more tile boundaries.
      for (let b = 0; b < 3; b++) await t.app.ledger.append(Array.from({ length: 300 }, (_, i) => event(1000 + b * 300 + i)));
      const size = await t.app.ledger.size();
      assert.equal(size, before + 1500);

      const leaves: Buffer[] = [];
      for (let i = 0; i < size; i++) leaves.push(leafHash((await t.app.ledger.entry(i)).bytes));
      const memory = memoryHashSource(leaves);
      for (let index = 0; index * TILE_WIDTH < size; index++) {
        const width = Math.min(TILE_WIDTH, size - index * TILE_WIDTH);
        assert.deepEqual(await t.app.ledger.tile(0, index, width), await buildTile(memory, 0, index, width), `tile 0/${index}`);
      }
      assert.deepEqual(await t.app.ledger.tile(1, 0, Math.floor(size / TILE_WIDTH)), await buildTile(memory, 1, 0, Math.floor(size / TILE_WIDTH)));
      assert.equal(await t.app.ledger.tile(0, 99, 1), undefined);

      const checkpoint = await t.app.ledger.publish();
      assert.equal(checkpoint?.size, size);
      assert.deepEqual(checkpoint?.root, await rootHash(memory, size));
    });

    it('proves inclusion of any entry and consistency between any two checkpoints', async () => {
      const checkpoints = await t.app.ledger.checkpoints();
      const last = checkpoints.at(-1)!;
      for (const index of [0, 1, 255, 256, 257, 700, last.size - 1]) {
        const proof = await t.app.ledger.inclusion(index, last.size);
        verifyInclusion(proof.leafHash, index, last.size, proof.proof, last.root);
      }
      for (let i = 1; i < checkpoints.length; i++) {
        const a = checkpoints[i - 1]!;
        const b = checkpoints[i]!;
        verifyConsistency(a.size, b.size, (await t.app.ledger.consistency(a.size, b.size)).proof, a.root, b.root);
      }
      await assert.rejects(
        t.app.ledger.inclusion(last.size, last.size),
        (e: unknown) => e instanceof AppError && e.fields[0]?.code === 'ledger.index_out_of_range',
      );
      await assert.rejects(t.app.ledger.consistency(2, last.size + 5), (e: unknown) => e instanceof AppError && e.fields[0]?.path === 'to');
    });

    it('signs checkpoints as C2SP signed notes that verify with the published key', async () => {
      const signed = await t.app.ledger.signedCheckpoint();
      const opened = openNote(signed!.note, [t.app.ledger.vkey()]);
      assert.ok(opened.signatures.some((s) => s.verified));
      const body = parseCheckpoint(opened.text);
      assert.equal(body.origin, t.app.ledger.origin);
      assert.equal(body.size, signed!.checkpoint.size);
      assert.match(t.app.ledger.vkey(), new RegExp(`^${t.app.ledger.origin.replaceAll('/', '\\/')}\\+[0-9a-f]{8}\\+`));
    });

    it('gives an offline proof bundle per entry that verifies with the key alone', async () => {
      const bundle = await t.app.ledger.proofBundle(300);
      const result = verifyTlogProof(bundle, { entry: (await t.app.ledger.entry(300)).bytes }, t.app.ledger.vkey());
      assert.equal(result.index, 300);
      assert.throws(() => verifyTlogProof(bundle, { entry: Buffer.from('{}') }, t.app.ledger.vkey()));
    });

    it('keeps the subject index complete: in bulk under load, on lookup, and from the entries after a restart', async () => {
      const { app } = t;
      const db = app.db.kysely;
      const progress = async () => Number((await db.selectFrom('ledger_subject_progress').select('indexed_size').executeTakeFirstOrThrow()).indexed_size);
      // A second sequencer process on the same database, indexing in bulk every 40 entries.
      const other = await createLedgerService({
        db,
        dialect,
        clock: app.clock,
        timeZone: app.config.timeZone,
        log: app.log,
        kek: loadMasterKey(app.config),
        subjectIndexBatch: 40,
      });
      const before = await progress();
      // Five waves of twenty: each append transaction past 40 unindexed entries indexes the oldest 20.
      for (let wave = 0; wave < 5; wave++) await Promise.all(Array.from({ length: 20 }, (_, i) => other.append([event(5000 + wave * 20 + i)])));
      const after = await progress();
      assert.ok(after >= before + 40, `the append transactions indexed in bulk, before any lookup (${before} → ${after})`);
      // Entries this process never saw (the first one's), found by reading them back.
      const unseen = await app.ledger.append([0, 1, 2].map((i) => ({ ...event(6000 + i), subjects: ['case:restart', 'case:restart', `item:r${i}`] })));
      assert.deepEqual(
        await other.entriesFor('case:restart'),
        unseen.map((a) => a.index),
      );
      assert.equal(await progress(), await app.ledger.size());
      // The index is exactly what the entries say, each subject once per entry.
      const size = await app.ledger.size();
      const expected: string[] = [];
      for (let i = 0; i < size; i++) for (const subject of new Set((await app.ledger.entry(i)).entry?.subjects ?? [])) expected.push(`${subject} ${i}`);
      const indexed = (await db.selectFrom('ledger_subjects').select(['subject', 'idx']).execute()).map((r) => `${r.subject} ${Number(r.idx)}`);
      assert.deepEqual(indexed.sort(), expected.sort());
    });

    it('refuses to update or delete entries (database triggers)', async () => {
      await assert.rejects(sql`UPDATE ledger_entries SET entry = '{}' WHERE idx = 1`.execute(t.app.db.kysely), /append-only/);
      await assert.rejects(sql`DELETE FROM ledger_entries WHERE idx = 1`.execute(t.app.db.kysely), /append-only/);
      await assert.rejects(sql`DELETE FROM ledger_checkpoints`.execute(t.app.db.kysely), /append-only/);
      if (dialect === 'postgres') await assert.rejects(sql`TRUNCATE ledger_entries`.execute(t.app.db.kysely), /append-only/);
    });

    it('audits the whole log, and names the first changed byte in an entry or a tile', async () => {
      const clean = await t.app.ledger.audit();
      assert.equal(clean.ok, true, JSON.stringify(clean.finding));
      assert.equal(clean.entries, await t.app.ledger.size());

      // Someone with direct database access bypasses the triggers and changes one byte.
      const db = t.app.db.kysely;
      const withoutTriggers = async (run: () => Promise<unknown>) => {
        if (dialect === 'postgres') {
          await sql`ALTER TABLE ledger_entries DISABLE TRIGGER USER`.execute(db);
          await run();
          await sql`ALTER TABLE ledger_entries ENABLE TRIGGER USER`.execute(db);
        } else {
          // Dropped and put back exactly as the migrations wrote them.
          const { rows } = await sql<{
            name: string;
            sql: string;
          }>`SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'ledger_entries'`.execute(db);
          for (const trigger of rows) await sql`DROP TRIGGER ${sql.id(trigger.name)}`.execute(db);
          await run();
          for (const trigger of rows) await sql.raw(trigger.sql).execute(db);
        }
      };
      const original = (await t.app.ledger.entry(777)).bytes.toString('utf8');
      await withoutTriggers(() => sql`UPDATE ledger_entries SET entry = ${original.replace('"type":', '"type" :')} WHERE idx = 777`.execute(db));
      const canonicalBroken = await t.app.ledger.audit();
      assert.equal(canonicalBroken.ok, false);
      assert.equal(canonicalBroken.finding?.index, 777);
      // One hex digit of the leaf's commitment (a blinded leaf holds no clear text to change).
      const flipped = original.replace(/"commitment":"sha256:(.)/, (_, c: string) => `"commitment":"sha256:${c === '0' ? '1' : '0'}`);
      assert.notEqual(flipped, original);
      await withoutTriggers(() => sql`UPDATE ledger_entries SET entry = ${flipped} WHERE idx = 777`.execute(db));
      const changed = await t.app.ledger.audit();
      assert.equal(changed.finding?.kind, 'entry');
      assert.equal(changed.finding?.index, 777);
      assert.ok(changed.finding?.expected && changed.finding.found && changed.finding.expected !== changed.finding.found);
      await withoutTriggers(() => sql`UPDATE ledger_entries SET entry = ${original} WHERE idx = 777`.execute(db));
      assert.equal((await t.app.ledger.audit()).ok, true);

      // The database lets details only be shredded: changing them, or putting them back, is refused.
      const details = await db.selectFrom('ledger_entries').select(['details', 'salt']).where('idx', '=', 777).executeTakeFirstOrThrow();
      assert.ok(details.details?.includes('tester'));
      const forged = (details.details as string).replace('tester', 'testes');
      await assert.rejects(db.updateTable('ledger_entries').set({ details: forged }).where('idx', '=', 777).execute(), /only be shredded/);
      await assert.rejects(
        db
          .updateTable('ledger_entries')
          .set({ salt: Buffer.alloc(32) })
          .where('idx', '=', 777)
          .execute(),
        /only be shredded/,
      );
      await assert.rejects(db.deleteFrom('ledger_entries').where('idx', '=', 777).execute(), /append-only/);

      // Past the database, the audit: details changed, gone without a shredding, or marked shredded by an
      // entry that is not a shredding. Each is named; a real shredding is counted, not reported.
      const setDetails = (values: { details?: string | null; salt?: Uint8Array | null; shredded_at?: string | null; shredded_by?: number | null }) =>
        withoutTriggers(() => db.updateTable('ledger_entries').set(values).where('idx', '=', 777).execute());
      await setDetails({ details: forged });
      const detailsChanged = await t.app.ledger.audit();
      assert.equal(detailsChanged.finding?.kind, 'details');
      assert.equal(detailsChanged.finding?.index, 777);
      assert.match(detailsChanged.finding?.message ?? '', /commitment/);
      const otherSalt = Buffer.from(details.salt as Uint8Array);
      otherSalt[0] = (otherSalt[0] as number) ^ 0x01;
      await setDetails({ details: details.details, salt: otherSalt });
      assert.equal((await t.app.ledger.audit()).finding?.kind, 'details');
      await setDetails({ details: null, salt: null });
      const lost = await t.app.ledger.audit();
      assert.equal(lost.finding?.kind, 'details');
      assert.match(lost.finding?.message ?? '', /missing, not shredded/);
      await setDetails({ shredded_at: '2026-12-01T00:00:00Z', shredded_by: 778 });
      assert.match((await t.app.ledger.audit()).finding?.message ?? '', /not a ledger.shredded entry/);
      await setDetails({ details: details.details, salt: details.salt, shredded_at: null, shredded_by: null });
      assert.equal((await t.app.ledger.audit()).ok, true);

      // One byte of a stored tile.
      const row = await db.selectFrom('ledger_tiles').select('hashes').where('level', '=', 0).where('idx', '=', 2).executeTakeFirstOrThrow();
      const tampered = Buffer.from(row.hashes);
      tampered[5 * 32 + 3] = (tampered[5 * 32 + 3] as number) ^ 0x01;
      await db.updateTable('ledger_tiles').set({ hashes: tampered }).where('level', '=', 0).where('idx', '=', 2).execute();
      const tileReport = await t.app.ledger.audit();
      assert.equal(tileReport.finding?.kind, 'tile');
      assert.equal(tileReport.finding?.tile, 2);
      assert.equal(tileReport.finding?.index, 2 * 256 + 5);
      await db
        .updateTable('ledger_tiles')
        .set({ hashes: Buffer.from(row.hashes) })
        .where('level', '=', 0)
        .where('idx', '=', 2)
        .execute();
    });
  });
}
