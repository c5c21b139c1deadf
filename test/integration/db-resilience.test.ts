import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../../src/config/config.ts';
import { connectDatabase } from '../../src/storage/db/connect.ts';
import { createTestDatabase } from '../support/app.ts';
import { DIALECTS, PG_ADMIN_URL } from '../support/dialects.ts';

describe('database connections', { skip: !DIALECTS.includes('postgres') && 'PostgreSQL is not among CUSTODIA_TEST_DIALECTS' }, () => {
  it('survive the server closing idle connections (a restart, a failover): reported, replaced, and the node goes on', async () => {
    const database = await createTestDatabase('postgres');
    const config = loadConfig({ ...database.overrides, logLevel: 'silent' }, {});
    const errors: Error[] = [];
    const db = connectDatabase(config, (error) => errors.push(error));
    try {
      // Several idle connections in the pool.
      await Promise.all(Array.from({ length: 3 }, () => sql`select pg_sleep(0.05)`.execute(db.kysely)));
      const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
      await admin.connect();
      const name = new URL(config.databaseUrl as string).pathname.slice(1);
      const killed = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
      await admin.end();
      assert.ok((killed.rowCount ?? 0) >= 1);
      // Each idle client hears of its end on its own: wait for all, or the next query may pick a dead one.
      const ended = killed.rowCount ?? 0;
      for (let i = 0; i < 250 && errors.length < ended; i++) await sleep(20);
      assert.equal(errors.length, ended, 'every idle client reported its end');
      const row = await sql<{ one: number }>`select 1 as one`.execute(db.kysely);
      assert.equal(row.rows[0]?.one, 1);
    } finally {
      await db.close();
      await database.drop();
    }
  });
});
