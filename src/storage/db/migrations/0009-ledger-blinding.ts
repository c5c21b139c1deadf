import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.ts';

/**
 * Blinded entries (issue 15). From now on the log's leaves hold only the event type, its time, the
 * node and salted commitments; each entry's details and salt live in `ledger_details`, readable by
 * those who may read its subject, and deleted when the entry is crypto-shredded.
 *
 * Entries written before this migration keep their leaves (a log never changes what it has
 * published): their details are copied here, `first_blinded` marks where blinded leaves begin, and
 * entry bundles reaching below it are served only to signed-in readers from now on.
 *
 * The subject index is derived data, not the log: shredding removes an entry's subjects from it,
 * so it loses its append-only triggers.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  const index = pg ? 'bigint' : 'integer';
  await db.schema
    .createTable('ledger_details')
    .addColumn('idx', index, (c) => c.primaryKey())
    // NULL for legacy entries (their leaf is the details) and once shredded.
    .addColumn('salt', pg ? 'bytea' : 'blob')
    // The entry's canonical JSON; NULL once shredded.
    .addColumn('details', 'text')
    .addColumn('shredded_at', 'text')
    // The `ledger.shredded` entry that recorded the shredding.
    .addColumn('shredded_by', 'bigint')
    .execute();
  await sql`INSERT INTO ledger_details (idx, salt, details) SELECT idx, NULL, entry FROM ledger_entries`.execute(db);
  await db.schema
    .createTable('ledger_blinding')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('first_blinded', 'bigint', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO ledger_blinding (id, first_blinded) SELECT 1, COALESCE(MAX(idx) + 1, 0) FROM ledger_entries`.execute(db);
  if (pg) {
    await sql`DROP TRIGGER ledger_subjects_append_only ON ledger_subjects`.execute(db);
    await sql`DROP TRIGGER ledger_subjects_no_truncate ON ledger_subjects`.execute(db);
  } else {
    await sql`DROP TRIGGER ledger_subjects_no_update`.execute(db);
    await sql`DROP TRIGGER ledger_subjects_no_delete`.execute(db);
  }
}

export async function down(): Promise<void> {
  throw new Error('blinded entries cannot be rolled back');
}
