import { createApp } from './app.ts';
import { type Config, loadConfig, recordServingAddress } from './config/config.ts';
import { maskUrl } from './lib/log.ts';
import { isoWithOffset } from './lib/time.ts';
import { scheduleFixity } from './modules/evidence/index.ts';
import { LocalBlobStore } from './storage/blobs/local.ts';

/** Starts the node: migrations, knowledge base at first start, HTTP, graceful shutdown on SIGINT/SIGTERM. */
export async function serve(overrides: Partial<Config> = {}): Promise<void> {
  // Whatever the node writes (the database, keys, blobs, staged uploads, export jobs) is its own:
  // set once, before any file is created; each of those paths also sets its mode itself.
  process.umask(0o077);
  const config = loadConfig(overrides);
  const app = await createApp(config);
  const loaded = await app.knowledge.ensureLoaded(config.kbDir, 'system:first-start');
  if (loaded) app.log.info({ version: loaded.version.id, records: loaded.version.recordCount }, 'knowledge base loaded at first start');
  // Loaded only to serve: the other commands (evidence intake among them) stay lean.
  const { buildServer } = await import('./http/server.ts');
  const server = await buildServer(app);
  const address = await server.listen({ port: config.port, host: config.host });
  app.log.info({ address, database: config.databaseUrl ? maskUrl(config.databaseUrl) : config.sqlitePath }, 'Custodia is serving');
  const bound = server.server.address();
  const port = typeof bound === 'object' && bound ? bound.port : config.port;
  const enrolment = await app.identity.ensureFirstAdmin({ email: config.adminEmail, organisationName: config.operatorName });
  const base = (config.publicUrl ?? `http://localhost:${port}`).replace(/\/$/, '');
  // Where this node listens, for the enrolment links the CLI prints from another shell (which may not
  // share this one's PORT): CUSTODIA_PUBLIC_URL, when set, still comes first.
  recordServingAddress(config, `http://localhost:${port}`);
  process.stderr.write(
    `\nCustodia is serving at http://localhost:${port}/ (database: ${app.db.dialect}; knowledge base ${loaded ? 'loaded' : 'already loaded'})\nCustody ledger ${app.ledger.origin}; verifier key: ${app.ledger.vkey()}\n`,
  );
  // Printed to the operator's terminal only, never to the log: the link is a one-time secret.
  if (enrolment) {
    process.stderr.write(
      `\nFirst administrator: ${config.adminEmail} (organisation "${config.operatorName}").\nEnrol with this one-time link before ${isoWithOffset(new Date(enrolment.expiresAt), config.timeZone)} (a new link is printed at each start until then):\n  ${base}/enrol/${enrolment.token}\n\n`,
    );
  }
  const stopFixity = scheduleFixity(app.evidence.fixityRound, app.log, config.fixityIntervalMinutes);
  // Expired uploads, leftover staging, blobs an interrupted intake left without a record and the
  // partial `.tmp-*` files of a killed intake: once now (in the background, start-up does not wait)
  // and then hourly. Each sweep keeps what is younger than its grace period, so the files of an
  // intake still running in another process (a CLI intake) are left alone.
  const sweep = () => {
    app.uploads.sweepExpired().catch((err: unknown) => app.log.error({ err }, 'upload sweep failed'));
    app.evidence.sweepOrphanBlobs().catch((err: unknown) => app.log.error({ err }, 'orphan blob sweep failed'));
    if (app.blobs instanceof LocalBlobStore) {
      app.blobs
        .removeStaleTemporaries()
        .then((removed) => {
          if (removed > 0) app.log.warn({ removed }, 'removed partial blob files left by an interrupted intake');
        })
        .catch((err: unknown) => app.log.error({ err }, 'temporary blob sweep failed'));
    }
  };
  sweep();
  const housekeeping = setInterval(sweep, 60 * 60_000);
  housekeeping.unref();
  // By the minute: the job queue (deadline reminders and escalations), the refused-access windows
  // whose minute is over (each one ledger entry), and the rate-limit windows that are over.
  const minutely = () => {
    app.identity.flushDenied().catch((err: unknown) => app.log.error({ err }, 'could not write the refused-access summaries'));
    app.identity.rateLimiter.sweep().catch((err: unknown) => app.log.error({ err }, 'rate-limit sweep failed'));
  };
  minutely();
  const jobs = setInterval(() => {
    app.cooperation.runDueJobs().catch((err: unknown) => app.log.error({ err }, 'job run failed'));
    minutely();
  }, 60_000);
  jobs.unref();
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    stopFixity();
    clearInterval(housekeeping);
    clearInterval(jobs);
    await server.close();
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}
