import type { Kysely } from 'kysely';

/**
 * Two kinds of short-lived counters, shared by every process of a node through the database:
 * - `access_denied_windows`: refused requests of one principal (or one hashed source address) in one
 *   minute, summarised into one `identity.access_denied` ledger entry once the minute is over;
 * - `rate_limit_windows`: requests counted per credential or source in fixed one-minute windows.
 * Rows live for a minute or two: flushes and sweeps delete them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('access_denied_windows')
    // `principal:<user>:<org>` or `source:<HMAC of the address>` (never the address itself).
    .addColumn('key', 'text', (c) => c.notNull())
    // The minute's start, ISO 8601 UTC.
    .addColumn('minute', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    // JSON array of the entry's subjects.
    .addColumn('subjects', 'text', (c) => c.notNull())
    .addColumn('anonymous', 'integer', (c) => c.notNull())
    // Refusals counted here and not yet in the ledger, their first and last times.
    .addColumn('pending', 'integer', (c) => c.notNull())
    .addColumn('first_at', 'text', (c) => c.notNull())
    .addColumn('last_at', 'text', (c) => c.notNull())
    // Distinct "METHOD route" and permissions, each framed by newlines ("\nA\nB\n"), capped in length.
    .addColumn('routes', 'text', (c) => c.notNull())
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('truncated', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('access_denied_windows_pk', ['key', 'minute'])
    .execute();
  await db.schema.createIndex('access_denied_windows_minute').on('access_denied_windows').column('minute').execute();
  await db.schema
    .createTable('rate_limit_windows')
    // `token:<id>`, `session:<id>` or `source:<HMAC of the address>`.
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('window_start', 'text', (c) => c.notNull())
    .addColumn('hits', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limit_windows_pk', ['key', 'window_start'])
    .execute();
  await db.schema.createIndex('rate_limit_windows_start').on('rate_limit_windows').column('window_start').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rate_limit_windows').execute();
  await db.schema.dropTable('access_denied_windows').execute();
}
