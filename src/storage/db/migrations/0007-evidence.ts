import type { Kysely } from 'kysely';
import { dialectOf } from '../dialect.ts';

/**
 * The evidence vault: its encryption keys, evidence items, resumable uploads, legal holds and the
 * retention of cases. Custody history is not here: it is the ledger's.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const bigint = dialectOf(db) === 'postgres' ? 'bigint' : 'integer';
  // X25519 identities the vault encrypts to; retired ones stay to open older blobs.
  await db.schema
    .createTable('vault_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('sealed_identity', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('retired_at', 'text')
    .execute();
  await db.schema
    .createTable('evidence_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('exhibit', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('acquisition', 'text', (c) => c.notNull())
    .addColumn('bytes', bigint, (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('md5', 'text')
    .addColumn('sha1', 'text')
    // Several items may share one blob (internal deduplication by content); see evidence/vault.ts.
    .addColumn('blob_key', 'text', (c) => c.notNull())
    .addColumn('stored_bytes', bigint, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('fixity_at', 'text')
    .addColumn('fixity_ok', 'integer')
    .addColumn('destroyed_at', 'text')
    .addUniqueConstraint('evidence_items_case_exhibit', ['case_id', 'exhibit'])
    .execute();
  await db.schema.createIndex('evidence_items_sha256').on('evidence_items').column('sha256').execute();
  await db.schema.createIndex('evidence_items_blob').on('evidence_items').column('blob_key').execute();
  await db.schema.createIndex('evidence_items_fixity').on('evidence_items').columns(['state', 'fixity_at']).execute();
  // tus uploads in progress: bytes are staged encrypted on the node's disk until complete.
  await db.schema
    .createTable('evidence_uploads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('length', bigint, (c) => c.notNull())
    .addColumn('sealed_file_key', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('item_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('evidence_uploads_expiry').on('evidence_uploads').columns(['state', 'expires_at']).execute();
  // Holds on a whole case (item_id null) or one item; lifting keeps the row.
  await db.schema
    .createTable('legal_holds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
    .addColumn('item_id', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('set_by', 'text', (c) => c.notNull())
    .addColumn('set_at', 'text', (c) => c.notNull())
    .addColumn('lifted_by', 'text')
    .addColumn('lifted_at', 'text')
    .addColumn('lift_reason', 'text')
    .execute();
  await db.schema.createIndex('legal_holds_case').on('legal_holds').column('case_id').execute();
  // Retention: until when the case's evidence must be kept, and why (the statute of limitation).
  await db.schema
    .createTable('case_retention')
    .addColumn('case_id', 'text', (c) => c.primaryKey().references('cases.id'))
    .addColumn('keep_until', 'text', (c) => c.notNull())
    .addColumn('basis', 'text', (c) => c.notNull())
    .addColumn('set_by', 'text', (c) => c.notNull())
    .addColumn('set_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['case_retention', 'legal_holds', 'evidence_uploads', 'evidence_items', 'vault_keys']) await db.schema.dropTable(table).execute();
}
