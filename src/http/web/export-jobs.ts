import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';

/**
 * Export packages being written for people in the browser: the package of a large case takes
 * minutes, so it is written in the background while a page shows its progress, then downloaded
 * once. Packages are written under the node's data directory (they hold decrypted evidence: never
 * in a shared temporary directory), in a private folder removed after the download or an hour.
 */
export interface ExportJob {
  id: string;
  userId: string;
  orgId: string;
  reference: string;
  dir: string;
  state: 'running' | 'done' | 'failed';
  bytes: number;
  totalBytes: number;
  error?: unknown;
  startedAt: number;
}

const KEEP_MS = 60 * 60_000;

export function createExportJobs(dataDir: string, log: Logger) {
  const jobs = new Map<string, ExportJob>();

  async function remove(job: ExportJob): Promise<void> {
    jobs.delete(job.id);
    await rm(join(job.dir, '..'), { recursive: true, force: true }).catch((err: unknown) =>
      log.error({ err, job: job.id }, 'could not remove an export folder'),
    );
  }

  const sweeper = setInterval(() => {
    for (const job of jobs.values()) if (job.state !== 'running' && Date.now() - job.startedAt > KEEP_MS) void remove(job);
  }, 5 * 60_000);
  sweeper.unref();

  return {
    /**
     * Starts writing a package and settles once it is under way (first bytes written), finished, or
     * refused: a refusal before any byte (bad input, no access) is thrown here, for the form to show.
     */
    async start(
      owner: { userId: string; orgId: string; reference: string },
      write: (outDir: string, onProgress: (p: { totalBytes: number; totalExpected: number }) => void) => Promise<unknown>,
    ): Promise<ExportJob> {
      const root = join(dataDir, 'exports');
      await mkdir(root, { recursive: true, mode: 0o700 });
      const parent = await mkdtemp(join(root, 'job-'));
      const job: ExportJob = { id: randomUUID(), ...owner, dir: join(parent, 'package'), state: 'running', bytes: 0, totalBytes: 0, startedAt: Date.now() };
      let underway: () => void = () => undefined;
      const started = new Promise<void>((resolve) => {
        underway = resolve;
      });
      const finished = write(job.dir, (p) => {
        job.bytes = p.totalBytes;
        job.totalBytes = p.totalExpected;
        underway();
      }).then(
        () => {
          job.state = 'done';
          job.bytes = job.totalBytes;
        },
        (error: unknown) => {
          job.state = 'failed';
          job.error = error;
        },
      );
      await Promise.race([started, finished]);
      if (job.state === 'failed' && job.bytes === 0) {
        await rm(parent, { recursive: true, force: true });
        throw job.error;
      }
      jobs.set(job.id, job);
      return job;
    },

    /** A job of this person in this organisation; anyone else's is not found. */
    get(id: string, owner: { userId: string; orgId: string }): ExportJob | undefined {
      const job = jobs.get(id);
      return job && job.userId === owner.userId && job.orgId === owner.orgId ? job : undefined;
    },

    /** Forgets the job and deletes its package (after the download). */
    finish: remove,

    close(): void {
      clearInterval(sweeper);
    },
  };
}

export type ExportJobs = ReturnType<typeof createExportJobs>;
