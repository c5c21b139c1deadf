import type { DialectName } from '../../src/storage/db/dialect.ts';

/**
 * The database dialects storage tests run on. SQLite always; PostgreSQL when CUSTODIA_TEST_DIALECTS
 * names it (CI does), against CUSTODIA_TEST_PG_URL (default: the local trust-auth server).
 */
export const DIALECTS: DialectName[] = (process.env.CUSTODIA_TEST_DIALECTS ?? 'sqlite')
  .split(',')
  .map((d) => d.trim())
  .filter((d): d is DialectName => d === 'sqlite' || d === 'postgres');

export const PG_ADMIN_URL = process.env.CUSTODIA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
