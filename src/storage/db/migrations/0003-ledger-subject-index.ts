import { type Kysely, sql } from 'kysely';

/**
 * The subject index is derived from the entries and written in large batches off the append path;
 * this row says how many entries it covers, so a restart resumes from there.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ledger_subject_progress')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('indexed_size', 'bigint', (c) => c.notNull())
    .execute();
  // Until now every append indexed its subjects in its own transaction: the index covers the whole log.
  await sql`INSERT INTO ledger_subject_progress (id, indexed_size) SELECT 1, COALESCE(MAX(idx) + 1, 0) FROM ledger_entries`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ledger_subject_progress').execute();
}
