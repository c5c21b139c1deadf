import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.ts';

/**
 * Blinded entries (issue 15). From now on a leaf (`ledger_entries.entry`) holds only the event type,
 * its time, the node and salted commitments; the entry's details and salt sit beside it in the same
 * row (`details`, `salt`), never served publicly, readable by those who may read its subject. The
 * leaf, its hash, index, type and time stay immutable; the details and salt may only be deleted
 * (crypto-shredding, with `shredded_at` and the `ledger.shredded` entry that recorded it), never
 * changed or put back — the database refuses anything else.
 *
 * Entries written before this migration keep their leaves (a log never changes what it published):
 * their details are the leaf itself, with no salt; `first_blinded` marks where blinded leaves begin,
 * and entry bundles reaching below it are served only to the operator's auditors from now on.
 *
 * The subject index is derived data, not the log: shredding removes an entry's subjects from it,
 * so it loses its append-only triggers.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  await sql`ALTER TABLE ledger_entries ADD COLUMN salt ${sql.raw(pg ? 'bytea' : 'blob')}`.execute(db);
  await sql`ALTER TABLE ledger_entries ADD COLUMN details text`.execute(db);
  await sql`ALTER TABLE ledger_entries ADD COLUMN shredded_at text`.execute(db);
  await sql`ALTER TABLE ledger_entries ADD COLUMN shredded_by bigint`.execute(db);
  await db.schema
    .createTable('ledger_blinding')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('first_blinded', 'bigint', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO ledger_blinding (id, first_blinded) SELECT 1, COALESCE(MAX(idx) + 1, 0) FROM ledger_entries`.execute(db);

  if (pg) {
    await sql`DROP TRIGGER ledger_entries_append_only ON ledger_entries`.execute(db);
    await sql`UPDATE ledger_entries SET details = entry`.execute(db);
    await sql`CREATE FUNCTION ledger_entries_shred_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'ledger tables are append-only: DELETE on ledger_entries'; END IF;
        IF NEW.idx IS DISTINCT FROM OLD.idx OR NEW.type IS DISTINCT FROM OLD.type OR NEW.entry IS DISTINCT FROM OLD.entry
          OR NEW.leaf_hash IS DISTINCT FROM OLD.leaf_hash OR NEW.recorded_at IS DISTINCT FROM OLD.recorded_at THEN
          RAISE EXCEPTION 'ledger tables are append-only: UPDATE on ledger_entries';
        END IF;
        IF (NEW.details IS NOT NULL AND NEW.details IS DISTINCT FROM OLD.details) OR (NEW.salt IS NOT NULL AND NEW.salt IS DISTINCT FROM OLD.salt) THEN
          RAISE EXCEPTION 'ledger details can only be shredded, never changed';
        END IF;
        RETURN NEW;
      END $$`.execute(db);
    await sql`CREATE TRIGGER ledger_entries_shred_only BEFORE UPDATE OR DELETE ON ledger_entries
      FOR EACH ROW EXECUTE FUNCTION ledger_entries_shred_only()`.execute(db);
    await sql`DROP TRIGGER ledger_subjects_append_only ON ledger_subjects`.execute(db);
    await sql`DROP TRIGGER ledger_subjects_no_truncate ON ledger_subjects`.execute(db);
  } else {
    await sql`DROP TRIGGER ledger_entries_no_update`.execute(db);
    await sql`UPDATE ledger_entries SET details = entry`.execute(db);
    await sql`CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE OF idx, type, entry, leaf_hash, recorded_at ON ledger_entries
      BEGIN SELECT RAISE(ABORT, 'ledger tables are append-only: UPDATE on ledger_entries'); END`.execute(db);
    await sql`CREATE TRIGGER ledger_entries_shred_only BEFORE UPDATE OF details, salt ON ledger_entries
      WHEN (NEW.details IS NOT NULL AND NEW.details IS NOT OLD.details) OR (NEW.salt IS NOT NULL AND NEW.salt IS NOT OLD.salt)
      BEGIN SELECT RAISE(ABORT, 'ledger details can only be shredded, never changed'); END`.execute(db);
    await sql`DROP TRIGGER ledger_subjects_no_update`.execute(db);
    await sql`DROP TRIGGER ledger_subjects_no_delete`.execute(db);
  }
}

export async function down(): Promise<void> {
  throw new Error('blinded entries cannot be rolled back');
}
