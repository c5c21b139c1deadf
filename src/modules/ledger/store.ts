import { CompiledQuery, type Kysely, sql } from 'kysely';
import type { DialectName } from '../../storage/db/dialect.ts';
import type { Database } from '../../storage/db/schema.ts';

/** Entries are numbered from 0 without gaps, so the tree size is the next index. */
export async function treeSize(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('ledger_entries')
    .select((eb) => eb.fn.max('idx').as('last'))
    .executeTakeFirst();
  return row?.last === null || row?.last === undefined ? 0 : Number(row.last) + 1;
}

export interface StoredCheckpoint {
  size: number;
  root: Buffer;
  note: string;
  signedAt: string;
}

export async function latestCheckpoint(db: Kysely<Database>): Promise<StoredCheckpoint | undefined> {
  const row = await db.selectFrom('ledger_checkpoints').selectAll().orderBy('size', 'desc').limit(1).executeTakeFirst();
  return row ? { size: Number(row.size), root: Buffer.from(row.root), note: row.note, signedAt: row.signed_at } : undefined;
}

export async function allCheckpoints(db: Kysely<Database>): Promise<StoredCheckpoint[]> {
  const rows = await db.selectFrom('ledger_checkpoints').selectAll().orderBy('size', 'asc').execute();
  return rows.map((row) => ({ size: Number(row.size), root: Buffer.from(row.root), note: row.note, signedAt: row.signed_at }));
}

export async function cosignatureLines(db: Kysely<Database>, size: number): Promise<string[]> {
  const rows = await db.selectFrom('ledger_cosignatures').select('line').where('size', '=', size).orderBy('witness').execute();
  return rows.map((r) => r.line);
}

/** PostgreSQL: one sequencer at a time across processes, held until the transaction ends. */
export async function lockSequencer(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  // SQLite serialises writers itself (one connection, one writer).
  if (dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(7220261124)`.execute(db);
}

/** A plain parameterised multi-row insert: the hot paths skip building a query tree per value. */
export async function insertRows(trx: Kysely<Database>, dialect: DialectName, table: string, columns: string[], values: unknown[][]): Promise<void> {
  if (values.length === 0) return;
  let n = 0;
  const placeholder = dialect === 'postgres' ? () => `$${++n}` : () => '?';
  const tuples = values.map((row) => `(${row.map(placeholder).join(',')})`).join(',');
  await trx.executeQuery(CompiledQuery.raw(`INSERT INTO ${table} (${columns.join(',')}) VALUES ${tuples}`, values.flat()));
}
