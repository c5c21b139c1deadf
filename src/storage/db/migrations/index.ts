import type { Migration, MigrationProvider } from 'kysely';
import * as knowledge from './0001-knowledge.ts';
import * as ledger from './0002-ledger.ts';

/** A static list: migrations are part of the code, never discovered from the file system at run time. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-knowledge': knowledge,
  '0002-ledger': ledger,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
