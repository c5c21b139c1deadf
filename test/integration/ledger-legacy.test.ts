import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Migrator } from 'kysely';
import { type App, createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { buildServer } from '../../src/http/server.ts';
import { createLogger } from '../../src/lib/log.ts';
import { CompactRange, leafHash } from '../../src/lib/tlog/merkle.ts';
import { OPERATOR_ORGANISATION } from '../../src/modules/identity/index.ts';
import { encodeEntry, type LedgerEntry } from '../../src/modules/ledger/index.ts';
import { connectDatabase } from '../../src/storage/db/connect.ts';
import { migrationProvider } from '../../src/storage/db/migrations/index.ts';
import { createTestDatabase } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { enrolUser, login, ManualClock } from '../support/identity.ts';

/**
 * A log written before blinding (its leaves are the full entries) goes through migration 0009: its
 * entries stay verifiable, their details are kept for those who may read them, their bundles stop
 * being public, and what is appended from then on is blinded.
 */
for (const dialect of DIALECTS) {
  describe(`a log written before blinding, migrated, on ${dialect}`, () => {
    const clock = new ManualClock();
    let app: App;
    let server: FastifyInstance;
    let drop: () => Promise<void>;
    const LEGACY = 300; // more than one full tile of entries
    const legacy: LedgerEntry[] = Array.from({ length: LEGACY }, (_, i) => ({
      type: 'evidence.downloaded',
      subjects: [`evidence:item-${i}`, 'case:caso-antiguo', 'org:fiscalia'],
      actor: 'user:perito',
      at: '2026-10-01T10:00:00-05:00',
      hashes: { content: `sha256:${'ab'.repeat(32)}` },
      refs: [],
      data: { reason: `peritaje ${i} del caso antiguo` },
    }));

    before(async () => {
      const database = await createTestDatabase(dialect);
      drop = database.drop;
      const config = loadConfig({ ...database.overrides, logLevel: 'silent' }, {});
      // The schema as it was before blinding, and a log written the old way.
      const old = connectDatabase(config);
      const { error } = await new Migrator({ db: old.kysely, provider: migrationProvider }).migrateTo('0008-cooperation');
      assert.equal(error, undefined);
      const bytes = legacy.map((e) => encodeEntry(e));
      const leaves = bytes.map((b) => leafHash(b));
      // The tiles as the old ledger stored them (tlog-tiles, height 8): level 0 holds the 300 leaf
      // hashes in a full tile and a partial one; level 1 the root of the full one.
      const full = CompactRange.fromHashes(0, []);
      for (const leaf of leaves.slice(0, 256)) full.append(leaf);
      const tiles = [
        { level: 0, idx: 0, width: 256, hashes: Buffer.concat(leaves.slice(0, 256)) },
        { level: 0, idx: 1, width: LEGACY - 256, hashes: Buffer.concat(leaves.slice(256)) },
        { level: 1, idx: 0, width: 1, hashes: full.root() },
      ];
      await old.kysely.transaction().execute(async (trx) => {
        for (let i = 0; i < LEGACY; i += 100) {
          await trx
            .insertInto('ledger_entries')
            .values(
              bytes.slice(i, i + 100).map((b, j) => ({
                idx: i + j,
                type: 'evidence.downloaded',
                entry: b.toString('utf8'),
                leaf_hash: leaves[i + j] as Buffer,
                recorded_at: '2026-10-01T15:00:00.000Z',
              })),
            )
            .execute();
          await trx
            .insertInto('ledger_subjects')
            .values(bytes.slice(i, i + 100).map((_, j) => ({ subject: `evidence:item-${i + j}`, idx: i + j })))
            .execute();
        }
        await trx.insertInto('ledger_tiles').values(tiles).execute();
        await trx.updateTable('ledger_subject_progress').set({ indexed_size: LEGACY }).where('id', '=', 1).execute();
      });
      await old.close();
      app = await createApp(config, { log: createLogger('silent'), clock });
      // The node's operator organisation, as first start creates it.
      await app.identity.ensureFirstAdmin({ email: 'admin@operador.example', organisationName: 'Operador del nodo' });
      server = await buildServer(app, { logRequests: false });
    });
    after(async () => {
      await server.close();
      await app.close();
      await drop();
    });

    it('keeps the old entries verifiable, with their details, and blinds what comes next', async () => {
      assert.equal(await app.ledger.publicFrom(), LEGACY);
      const old = await app.ledger.entry(7);
      assert.equal(old.leaf.kind, 'legacy');
      assert.deepEqual(old.entry, legacy[7]);
      assert.equal(old.salt, undefined);
      // First start's own entries (the operator organisation, its admin) came after the migration: blinded.
      const size = await app.ledger.size();
      assert.ok(size > LEGACY);
      for (let i = LEGACY; i < size; i++) assert.equal((await app.ledger.entry(i)).leaf.kind, 'blinded');
      await app.ledger.append(
        Array.from({ length: 3 * 256 - size }, (_, i) => ({ type: 'test.after', subjects: [`case:nuevo-${i}`, 'org:fiscalia'], actor: 'tester' })),
      );
      await app.ledger.settle();
      const audit = await app.ledger.audit();
      assert.equal(audit.ok, true, audit.finding?.message ?? '');
      assert.equal(audit.legacy, LEGACY);
      assert.equal(audit.entries, 3 * 256);
    });

    it('serves the bundles of old entries to the operator’s auditors only, and new bundles to anyone', async () => {
      const anonymous = await server.inject('/ledger/tile/entries/000');
      assert.equal(anonymous.statusCode, 401);
      assert.equal(anonymous.headers['content-type'], 'application/problem+json; charset=utf-8');
      // The partial bundle holding both old and new entries is not public either.
      assert.equal((await server.inject(`/ledger/tile/entries/001.p/${LEGACY + 1 - 256}`)).statusCode, 401);
      assert.equal((await server.inject(`/api/v1/ledger/entries/7/proof-bundle`)).statusCode, 401);
      // The third tile holds blinded entries only: public, and cacheable for ever.
      const blinded = await server.inject('/ledger/tile/entries/002');
      assert.equal(blinded.statusCode, 200);
      assert.match(String(blinded.headers['cache-control']), /immutable/);
      const publicEntry = (await server.inject('/api/v1/ledger/entries/7')).json();
      assert.equal(publicEntry.leaf, null);
      assert.equal(publicEntry.blinded, false);
      assert.equal(publicEntry.inclusion.verified, true);

      const bearer = async (orgId: string, roles: ['auditor']) => {
        const user = await enrolUser(app, clock, { email: `auditor@${orgId}.example`, orgId, roles });
        const principal = await app.identity.sessions.authenticate(await login(app, clock, user));
        assert.ok(principal);
        return {
          authorization: `Bearer ${(await app.identity.tokens.create(principal, { name: 'audit', scopes: [...principal.permissions], expiresInDays: 1 })).token}`,
        };
      };
      const tenant = await server.inject({ url: '/ledger/tile/entries/000', headers: await bearer('fiscalia', ['auditor']) });
      assert.equal(tenant.statusCode, 403);
      assert.equal(tenant.json().code, 'ledger.details_restricted');
      assert.match(tenant.json().detail, /auditor/);
      const operator = await server.inject({ url: '/ledger/tile/entries/000', headers: await bearer(OPERATOR_ORGANISATION, ['auditor']) });
      assert.equal(operator.statusCode, 200);
      assert.equal(operator.headers['cache-control'], 'private, no-store');
    });
  });
}
