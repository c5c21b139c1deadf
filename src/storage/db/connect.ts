import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import { AppError } from '../../lib/errors.ts';
import type { DialectName } from './dialect.ts';
import { migrationProvider } from './migrations/index.ts';
import { nodeSqliteDialect } from './node-sqlite.ts';
import type { Database } from './schema.ts';

export interface DatabaseTarget {
  databaseUrl?: string | undefined;
  sqlitePath: string;
  dataDir: string;
}

export interface Db {
  kysely: Kysely<Database>;
  dialect: DialectName;
  close(): Promise<void>;
}

/**
 * `onIdleError`: an idle pooled connection the server closes (a restart, a failover, an administrator)
 * is an 'error' event on the pool; unhandled, it would end the process. The pool replaces the client.
 */
export function connectDatabase(target: DatabaseTarget, onIdleError: (error: Error) => void = () => undefined): Db {
  if (target.databaseUrl) {
    const connectionString = target.databaseUrl;
    // The driver loads with the first query: a node on SQLite (every CLI command there) never needs it.
    const pool = async () => {
      const { default: pg } = await import('pg');
      const created = new pg.Pool({ connectionString, max: 10 });
      created.on('error', onIdleError);
      return created;
    };
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { kysely, dialect: 'postgres', close: () => kysely.destroy() };
  }
  mkdirSync(target.dataDir, { recursive: true, mode: 0o700 });
  ownerOnly(target.sqlitePath);
  const kysely = new Kysely<Database>({ dialect: nodeSqliteDialect(target.sqlitePath) });
  return { kysely, dialect: 'sqlite', close: () => kysely.destroy() };
}

/**
 * The SQLite file is created 0600 before SQLite opens it, and SQLite gives its -wal and -shm files
 * the database file's mode. A file an older version created 0644 is narrowed to 0600, with its -wal
 * and -shm, so that no other user of the machine can read the database.
 */
function ownerOnly(sqlitePath: string): void {
  closeSync(openSync(sqlitePath, 'a', 0o600));
  for (const path of [sqlitePath, `${sqlitePath}-wal`, `${sqlitePath}-shm`]) {
    try {
      if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/** Applies every pending migration; returns the names applied. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db: db.kysely, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    throw new AppError('storage.migration_failed', { message: `migration failed: ${String(error)}`, cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Readiness: the database answers a trivial query. */
export async function ping(db: Db): Promise<boolean> {
  try {
    await db.kysely.selectFrom('kb_versions').select('id').limit(1).execute();
    return true;
  } catch {
    return false;
  }
}
