import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.ts';

/** Tables whose rows are never changed or removed once written (ledger_subjects until 0009 made it a plain index). */
export const APPEND_ONLY_TABLES = ['ledger_entries', 'ledger_subjects', 'ledger_checkpoints', 'ledger_cosignatures'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  const blob = pg ? 'bytea' : 'blob';
  // In SQLite only INTEGER PRIMARY KEY is the row id itself (one B-tree instead of table + index).
  const index = pg ? 'bigint' : 'integer';
  await db.schema
    .createTable('ledger_entries')
    .addColumn('idx', index, (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('entry', 'text', (c) => c.notNull())
    .addColumn('leaf_hash', blob, (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('ledger_subjects')
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('idx', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ledger_subjects_pk', ['subject', 'idx'])
    .$call((t) => (pg ? t : t.modifyEnd(sql`WITHOUT ROWID`)))
    .execute();
  // Tiles are derived from the entries (the audit rebuilds them); a partial tile grows until full.
  await db.schema
    .createTable('ledger_tiles')
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('idx', 'bigint', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('hashes', blob, (c) => c.notNull())
    .addPrimaryKeyConstraint('ledger_tiles_pk', ['level', 'idx'])
    .$call((t) => (pg ? t : t.modifyEnd(sql`WITHOUT ROWID`)))
    .execute();
  await db.schema
    .createTable('ledger_checkpoints')
    .addColumn('size', index, (c) => c.primaryKey())
    .addColumn('root', blob, (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('signed_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('ledger_cosignatures')
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('witness', 'text', (c) => c.notNull())
    .addColumn('line', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('ledger_cosignatures_pk', ['size', 'witness'])
    .execute();
  await db.schema
    .createTable('ledger_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('vkey', 'text', (c) => c.notNull())
    .addColumn('sealed_skey', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('retired_at', 'text')
    .execute();
  // The witnesses this log asks for cosignatures, and how far each has cosigned.
  await db.schema
    .createTable('ledger_witness_peers')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('vkey', 'text', (c) => c.notNull())
    .addColumn('cosigned_size', 'bigint', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // The logs this node witnesses: the latest checkpoint it cosigned for each (never moves back).
  await db.schema
    .createTable('witnessed_logs')
    .addColumn('origin', 'text', (c) => c.primaryKey())
    .addColumn('vkey', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('root', blob, (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  // INVARIANT: ledger rows are never updated or deleted; enforced by the database itself.
  if (pg) {
    await sql`CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'ledger tables are append-only: % on %', TG_OP, TG_TABLE_NAME; END $$`.execute(db);
    for (const table of APPEND_ONLY_TABLES) {
      await sql`CREATE TRIGGER ${sql.raw(`${table}_append_only`)} BEFORE UPDATE OR DELETE ON ${sql.table(table)}
        FOR EACH ROW EXECUTE FUNCTION ledger_append_only()`.execute(db);
      await sql`CREATE TRIGGER ${sql.raw(`${table}_no_truncate`)} BEFORE TRUNCATE ON ${sql.table(table)}
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()`.execute(db);
    }
  } else {
    for (const table of APPEND_ONLY_TABLES) {
      for (const op of ['UPDATE', 'DELETE']) {
        await sql`CREATE TRIGGER ${sql.raw(`${table}_no_${op.toLowerCase()}`)} BEFORE ${sql.raw(op)} ON ${sql.table(table)}
          BEGIN SELECT RAISE(ABORT, ${sql.lit(`ledger tables are append-only: ${op} on ${table}`)}); END`.execute(db);
      }
    }
  }
}

export async function down(): Promise<void> {
  throw new Error('the ledger cannot be rolled back');
}
