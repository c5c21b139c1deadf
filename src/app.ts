import type { Logger } from 'pino';
import { type Config, loadMasterKey, prepareDataDir } from './config/config.ts';
import { type Clock, systemClock } from './lib/clock.ts';
import { createLogger } from './lib/log.ts';
import { reminderMailer } from './mail/reminder-mail.ts';
import { type SendMail, smtpSender } from './mail/smtp.ts';
import { type Cases, createCases } from './modules/cases/index.ts';
import { type Cooperation, createCooperation } from './modules/cooperation/index.ts';
import { createEvidenceVault, createUploads, type EvidenceVault, type Uploads } from './modules/evidence/index.ts';
import { createIdentityService, type IdentityService } from './modules/identity/index.ts';
import { createKnowledgeService, type KnowledgeService } from './modules/knowledge/index.ts';
import { createLedgerService, type LedgerService } from './modules/ledger/index.ts';
import { LocalBlobStore } from './storage/blobs/local.ts';
import type { BlobStore } from './storage/blobs/port.ts';
import { S3BlobStore } from './storage/blobs/s3.ts';
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
  /** Case records and need-to-know: who may see each case. */
  cases: Cases;
  /** Requests under the instruments, their deadlines, documents and statistics. */
  cooperation: Cooperation;
  blobs: BlobStore;
  evidence: EvidenceVault;
  /** tus uploads in progress, staged encrypted on the node's disk until the vault takes them. */
  uploads: Uploads;
  close(): Promise<void>;
}

/** The evidence blob store the configuration names (the S3 client's own warnings go to `log`). */
export function blobStoreFor(config: Config, log?: Logger): BlobStore {
  if (config.blobStore === 's3') {
    return new S3BlobStore({
      endpoint: config.s3Endpoint as string,
      region: config.s3Region,
      bucket: config.s3Bucket as string,
      accessKeyId: config.s3AccessKeyId as string,
      secretAccessKey: config.s3SecretAccessKey as string,
      ...(config.s3Prefix ? { prefix: config.s3Prefix } : {}),
      ...(log ? { log: log.child({ module: 'blobs.s3' }) } : {}),
    });
  }
  return new LocalBlobStore({ root: config.blobDir });
}

/** The composition root: the only place concrete adapters are wired together. */
export async function createApp(
  config: Config,
  options: { clock?: Clock; log?: Logger; fetch?: typeof fetch; blobs?: BlobStore; sendMail?: SendMail } = {},
): Promise<App> {
  const log = options.log ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  prepareDataDir(config.dataDir);
  const db = connectDatabase(config, (err) => log.warn({ err }, 'an idle database connection was closed by the server'));
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
  const identity = createIdentityService({
    ...identityDeps,
    auditReader: ledger,
    rateLimits: { perCredential: config.rateLimitPerCredential, perSource: config.rateLimitPerSource },
  });
  const cases = createCases({ ...identityDeps, identity, ledgerReader: ledger });
  const send = options.sendMail ?? smtpSender(config);
  const mailer = send ? reminderMailer(send, { publicUrl: config.publicUrl, timeZone: config.timeZone }) : undefined;
  const cooperation = createCooperation({ ...identityDeps, identity, cases, knowledge, logOrigin: ledger.origin }, mailer ? { mailer } : {});
  const blobs = options.blobs ?? blobStoreFor(config, log);
  const evidence = createEvidenceVault({ ...identityDeps, identity, cases, ledgerService: ledger, store: blobs });
  const uploads = createUploads({
    db: db.kysely,
    clock,
    log,
    kek,
    intake: evidence.intake,
    uploadDir: config.uploadDir,
    expiryHours: config.uploadExpiryHours,
    maxBytes: config.maxUploadBytes,
  });
  return {
    config,
    log,
    clock,
    db,
    ledger,
    knowledge,
    identity,
    cases,
    cooperation,
    blobs,
    evidence,
    uploads,
    close: async () => {
      // Refusal windows whose minute is over go into the ledger now; one still open stays in the
      // database for the next flush (another process's, or this node's at its next start).
      await identity.flushDenied().catch((err: unknown) => log.error({ err }, 'could not write the refused-access summaries'));
      await identity.rateLimiter.close();
      await ledger.settle().catch(() => undefined);
      await db.close();
    },
  };
}
