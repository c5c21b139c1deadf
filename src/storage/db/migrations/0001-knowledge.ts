import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('kb_versions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('data_hash', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('record_count', 'integer', (c) => c.notNull())
    .addColumn('added_count', 'integer', (c) => c.notNull())
    .addColumn('retired_count', 'integer', (c) => c.notNull())
    .addColumn('imported_at', 'text', (c) => c.notNull())
    .addColumn('imported_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('kb_records')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text')
    .addColumn('as_of', 'text')
    .addColumn('confidence', 'text')
    .addColumn('recorded_on', 'text', (c) => c.notNull())
    .addColumn('version_id', 'text', (c) => c.notNull().references('kb_versions.id'))
    .addColumn('retired_version_id', 'text', (c) => c.references('kb_versions.id'))
    .execute();
  await db.schema.createIndex('kb_records_current').on('kb_records').columns(['retired_version_id', 'kind']).execute();
  await db.schema.createIndex('kb_records_key').on('kb_records').columns(['kind', 'key']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('kb_records').execute();
  await db.schema.dropTable('kb_versions').execute();
}
