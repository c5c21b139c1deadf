import type { Logger } from 'pino';
import { type Config, loadMasterKey } from './config/config.ts';
import { type Clock, systemClock } from './lib/clock.ts';
import { createLogger } from './lib/log.ts';
import { type Cases, createCases } from './modules/cooperation/index.ts';
import { createIdentityService, type IdentityService } from './modules/identity/index.ts';
import { createKnowledgeService, type KnowledgeService } from './modules/knowledge/index.ts';
import { createLedgerService, type LedgerService } from './modules/ledger/index.ts';
import { connectDatabase, type Db, migrateToLatest } from './storage/db/connect.ts';

/** Everything a running node holds; adapters (HTTP, CLI) receive it and call its services. */
export interface App {
  config: Config;
  log: Logger;
  clock: Clock;
  db: Db;
  ledger: LedgerService;
  knowledge: KnowledgeService;
  identity: IdentityService;
  cases: Cases;
  close(): Promise<void>;
}

/** The composition root: the only place concrete adapters are wired together. */
export async function createApp(config: Config, options: { clock?: Clock; log?: Logger; fetch?: typeof fetch } = {}): Promise<App> {
  const log = options.log ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const db = connectDatabase(config);
  const kek = loadMasterKey(config);
  await migrateToLatest(db);
  const ledger = await createLedgerService({
    db: db.kysely,
    dialect: db.dialect,
    clock,
    timeZone: config.timeZone,
    log,
    kek,
    origin: config.logOrigin,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const knowledge = createKnowledgeService({ db: db.kysely, clock, timeZone: config.timeZone, ledger });
  const identityDeps = { db: db.kysely, dialect: db.dialect, clock, timeZone: config.timeZone, log, ledger, kek };
  const identity = createIdentityService({ ...identityDeps, auditReader: ledger });
  const cases = createCases(identityDeps, identity);
  return {
    config,
    log,
    clock,
    db,
    ledger,
    knowledge,
    identity,
    cases,
    close: async () => {
      await ledger.settle().catch(() => undefined);
      await db.close();
    },
  };
}
