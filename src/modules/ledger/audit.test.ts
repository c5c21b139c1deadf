import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { DIALECTS } from '../../../test/support/dialects.ts';
import { loadMasterKey } from '../../config/config.ts';
import { formatCheckpoint } from '../../lib/tlog/checkpoint.ts';
import { generateSignerKey, signNote } from '../../lib/tlog/note.ts';
import type { Database } from '../../storage/db/schema.ts';
import { auditLedger } from './audit.ts';
import { allVerifierKeys, currentKey } from './keys.ts';
import { TileStore } from './tiles.ts';

// Each test forges exactly one thing a crafted attack would change, with every earlier layer left
// consistent, and asserts that the audit names exactly that finding (and nothing earlier).

const event = (i: number) => ({ type: 'test.event', subjects: [`case:${i % 5}`, `item:${i}`], actor: 'tester', data: { n: i } });

for (const dialect of DIALECTS) {
  describe(`ledger audit against a crafted tampering on ${dialect}`, () => {
    let t: TestApp;
    let db: Kysely<Database>;
    /** The checkpoint sizes stored, ascending. */
    let sizes: number[];

    /** Runs `change` with the append-only triggers of `table` out of the way, as an attacker with database access would. */
    async function withoutTriggers(table: 'ledger_entries' | 'ledger_checkpoints', change: () => Promise<unknown>): Promise<void> {
      if (dialect === 'postgres') {
        await sql`ALTER TABLE ${sql.table(table)} DISABLE TRIGGER USER`.execute(db);
        try {
          await change();
        } finally {
          await sql`ALTER TABLE ${sql.table(table)} ENABLE TRIGGER USER`.execute(db);
        }
        return;
      }
      const triggers = await sql<{ name: string; sql: string }>`SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ${table}`.execute(db);
      assert.ok(triggers.rows.length > 0, `the append-only triggers of ${table}`);
      for (const trigger of triggers.rows) await sql`DROP TRIGGER ${sql.id(trigger.name)}`.execute(db);
      try {
        await change();
      } finally {
        for (const trigger of triggers.rows) await sql.raw(trigger.sql).execute(db);
      }
    }

    const checkpointRow = (size: number) => db.selectFrom('ledger_checkpoints').select(['note', 'root']).where('size', '=', size).executeTakeFirstOrThrow();
    const setCheckpoint = (size: number, values: { note?: string; root?: Buffer }) =>
      withoutTriggers('ledger_checkpoints', () => db.updateTable('ledger_checkpoints').set(values).where('size', '=', size).execute());

    /** Tampers, audits, restores, and checks the restored log audits clean again. */
    async function auditTampered(tamper: () => Promise<() => Promise<unknown>>) {
      const restore = await tamper();
      try {
        return await t.app.ledger.audit();
      } finally {
        await restore();
        const clean = await t.app.ledger.audit();
        assert.equal(clean.ok, true, `restored: ${JSON.stringify(clean.finding)}`);
      }
    }

    before(async () => {
      t = await createTestApp({ dialect });
      db = t.app.db.kysely;
      // Several checkpoints, at sizes off tile and power-of-two boundaries, the last one past a full tile.
      for (const count of [150, 170, 290]) {
        await t.app.ledger.append(Array.from({ length: count }, (_, i) => event(count * 10 + i)));
        await t.app.ledger.settle();
      }
      sizes = (await t.app.ledger.checkpoints()).map((c) => c.size).filter((s) => s > 0);
      assert.ok(sizes.length >= 3, `several checkpoints (${sizes.join(', ')})`);
      assert.ok((sizes.at(-1) as number) > 256);
    });
    after(() => t.cleanup());

    it('audits the untouched log clean', async () => {
      const report = await t.app.ledger.audit();
      assert.equal(report.ok, true, JSON.stringify(report.finding));
      assert.equal(report.checkpoints, (await t.app.ledger.checkpoints()).length);
    });

    it('finds a checkpoint re-signed with the log’s own key over a wrong root (checkpoint-root)', async () => {
      const size = sizes[1] as number;
      const key = await currentKey(db, loadMasterKey(t.app.config), 'log', t.app.ledger.origin, new Date());
      const wrongRoot = (await checkpointRow(sizes[0] as number)).root;
      const report = await auditTampered(async () => {
        const original = await checkpointRow(size);
        // The signature is the log's and valid; the root column still holds the true root.
        const forged = signNote(formatCheckpoint({ origin: t.app.ledger.origin, size, root: Buffer.from(wrongRoot) }), [{ skey: key.skey }]);
        await setCheckpoint(size, { note: forged });
        return () => setCheckpoint(size, { note: original.note });
      });
      assert.equal(report.ok, false);
      assert.equal(report.finding?.kind, 'checkpoint-root', JSON.stringify(report.finding));
      assert.equal(report.finding?.size, size);
      assert.equal(report.finding?.found, Buffer.from(wrongRoot).toString('hex'));
      assert.notEqual(report.finding?.expected, report.finding?.found);

      // The stored root column alone changed, the signed note left as it was.
      const column = await auditTampered(async () => {
        const original = await checkpointRow(size);
        await setCheckpoint(size, { root: Buffer.from(wrongRoot) });
        return () => setCheckpoint(size, { root: Buffer.from(original.root) });
      });
      assert.equal(column.finding?.kind, 'checkpoint-root', JSON.stringify(column.finding));
      assert.equal(column.finding?.size, size);
    });

    it('finds a checkpoint over the true root signed by a key that is not the log’s (checkpoint-signature)', async () => {
      const size = sizes[1] as number;
      const report = await auditTampered(async () => {
        const original = await checkpointRow(size);
        // Same key name, same body, a different key: only the signature check can tell.
        const impostor = generateSignerKey(t.app.ledger.origin);
        const body = formatCheckpoint({ origin: t.app.ledger.origin, size, root: Buffer.from(original.root) });
        await setCheckpoint(size, { note: signNote(body, [{ skey: impostor.skey }]) });
        return () => setCheckpoint(size, { note: original.note });
      });
      assert.equal(report.ok, false);
      assert.equal(report.finding?.kind, 'checkpoint-signature', JSON.stringify(report.finding));
      assert.equal(report.finding?.size, size);

      // The log's own signature with one byte of it changed.
      const flipped = await auditTampered(async () => {
        const original = await checkpointRow(size);
        const lines = original.note.split('\n');
        const at = lines.findIndex((line) => line.startsWith('\u2014 '));
        const line = lines[at] as string;
        const [dash, name, b64] = line.split(' ') as [string, string, string];
        const sig = Buffer.from(b64, 'base64');
        sig[sig.length - 1] = (sig[sig.length - 1] as number) ^ 0x01;
        lines[at] = `${dash} ${name} ${sig.toString('base64')}`;
        await setCheckpoint(size, { note: lines.join('\n') });
        return () => setCheckpoint(size, { note: original.note });
      });
      assert.equal(flipped.finding?.kind, 'checkpoint-signature', JSON.stringify(flipped.finding));
      assert.equal(flipped.finding?.size, size);
    });

    it('finds an entry index missing (gap)', async () => {
      const missing = 200;
      const report = await auditTampered(async () => {
        const row = await db.selectFrom('ledger_entries').selectAll().where('idx', '=', missing).executeTakeFirstOrThrow();
        await withoutTriggers('ledger_entries', () => db.deleteFrom('ledger_entries').where('idx', '=', missing).execute());
        return () => db.insertInto('ledger_entries').values(row).execute();
      });
      assert.equal(report.ok, false);
      assert.equal(report.finding?.kind, 'gap', JSON.stringify(report.finding));
      assert.equal(report.finding?.index, missing);
      assert.equal(report.entries, missing);
    });

    it('finds checkpoints no longer consistent when a tile is rewritten after the tile pass (checkpoint-consistency)', async () => {
      // The tiles table is not append-only (open tiles are rewritten as they fill). Here the rows change
      // after the audit compared them with the entries, just before it proves consistency from them.
      const original = await db.selectFrom('ledger_tiles').select(['level', 'idx', 'hashes']).execute();
      let rewritten = false;
      class RacingTiles extends TileStore {
        override async node(d: Kysely<Database>, level: number, index: number, height: number, position: number) {
          if (!rewritten) {
            rewritten = true;
            for (const row of original) {
              const hashes = Buffer.from(row.hashes);
              for (let i = 0; i < hashes.length; i += 32) hashes[i] = (hashes[i] as number) ^ 0x01;
              await d.updateTable('ledger_tiles').set({ hashes }).where('level', '=', row.level).where('idx', '=', row.idx).execute();
            }
          }
          return super.node(d, level, index, height, position);
        }
      }
      try {
        const report = await auditLedger({
          db,
          tiles: new RacingTiles(),
          origin: t.app.ledger.origin,
          verifierKeys: () => allVerifierKeys(db, 'log'),
        });
        assert.equal(rewritten, true);
        assert.equal(report.ok, false);
        assert.equal(report.finding?.kind, 'checkpoint-consistency', JSON.stringify(report.finding));
        assert.ok(sizes.includes(report.finding?.size as number));
      } finally {
        for (const row of original) {
          await db
            .updateTable('ledger_tiles')
            .set({ hashes: Buffer.from(row.hashes) })
            .where('level', '=', row.level)
            .where('idx', '=', row.idx)
            .execute();
        }
      }
      assert.equal((await t.app.ledger.audit()).ok, true);
    });
  });
}
