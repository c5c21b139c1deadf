import type { Migration, MigrationProvider } from 'kysely';
import * as knowledge from './0001-knowledge.ts';
import * as ledger from './0002-ledger.ts';
import * as subjectIndex from './0003-ledger-subject-index.ts';
import * as identity from './0004-identity.ts';
import * as passkeys from './0005-passkeys.ts';
import * as cases from './0006-cases.ts';
import * as evidence from './0007-evidence.ts';
import * as cooperation from './0008-cooperation.ts';
import * as ledgerBlinding from './0009-ledger-blinding.ts';
import * as accessDeniedWindow from './0010-access-denied-window.ts';

/** A static list: migrations are part of the code, never discovered from the file system at run time. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-knowledge': knowledge,
  '0002-ledger': ledger,
  '0003-ledger-subject-index': subjectIndex,
  '0004-identity': identity,
  '0005-passkeys': passkeys,
  '0006-cases': cases,
  '0007-evidence': evidence,
  '0008-cooperation': cooperation,
  '0009-ledger-blinding': ledgerBlinding,
  '0010-access-denied-window': accessDeniedWindow,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
