import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type App, createApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config/config.ts';
import type { Clock } from '../../src/lib/clock.ts';
import { createLogger } from '../../src/lib/log.ts';
import type { BlobStore } from '../../src/storage/blobs/port.ts';
import type { DialectName } from '../../src/storage/db/dialect.ts';
import { PG_ADMIN_URL } from './dialects.ts';

export interface TestApp {
  app: App;
  config: Config;
  cleanup(): Promise<void>;
}

/** A throw-away database of the given dialect: a temp SQLite file, or a fresh PostgreSQL database. */
export async function createTestDatabase(dialect: DialectName): Promise<{ overrides: Partial<Config>; drop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'custodia-test-'));
  if (dialect === 'sqlite') {
    return { overrides: { dataDir }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `custodia_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    overrides: { dataDir, databaseUrl: url.toString() },
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An App on a fresh database with the shipped knowledge base loaded. */
export async function createTestApp(
  options: { dialect?: DialectName; clock?: Clock; kbDir?: string; load?: boolean; blobs?: BlobStore; config?: Partial<Config> } = {},
): Promise<TestApp> {
  const database = await createTestDatabase(options.dialect ?? 'sqlite');
  const config = loadConfig({ ...database.overrides, logLevel: 'silent', ...(options.kbDir ? { kbDir: options.kbDir } : {}), ...options.config }, {});
  const app = await createApp(config, {
    log: createLogger('silent'),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.blobs ? { blobs: options.blobs } : {}),
  });
  if (options.load !== false) await app.knowledge.ensureLoaded(config.kbDir, 'test');
  return {
    app,
    config,
    cleanup: async () => {
      await app.close();
      await database.drop();
    },
  };
}
