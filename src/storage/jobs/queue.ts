import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/**
 * A durable job queue in the database: jobs are written in the same transaction as the change that
 * needs them (a deadline computed → its reminders queued), so a crash never loses or invents one.
 * Each job is claimed by one worker with a lease; a worker that dies leaves it to be claimed again
 * once the lease expires, so handlers must be idempotent (reminders check they are still due).
 */
export interface NewJob {
  kind: string;
  runAt: string;
  payload: Record<string, unknown>;
  /** Jobs that belong together (one request's reminders) and are cancelled together. */
  group?: string;
}

export interface Job {
  id: string;
  kind: string;
  runAt: string;
  payload: Record<string, unknown>;
  attempts: number;
}

export type JobHandler = (job: Job) => Promise<void>;

const LEASE_MS = 5 * 60_000;
const MAX_ATTEMPTS = 8;

export async function enqueueWithin(trx: Kysely<Database>, now: string, jobs: readonly NewJob[]): Promise<void> {
  if (jobs.length === 0) return;
  await trx
    .insertInto('jobs')
    .values(
      jobs.map((j) => ({
        id: randomUUID(),
        kind: j.kind,
        run_at: j.runAt,
        payload: JSON.stringify(j.payload),
        group_key: j.group ?? '',
        state: 'queued',
        created_at: now,
        done_at: null,
        last_error: null,
        locked_until: null,
      })),
    )
    .execute();
}

/**
 * Cancels what a group has queued for later (the reminders of deadlines that were just recomputed).
 * A job already due at `now` but not yet run is left to run: cancelling it would lose it, as what is
 * requeued is only what is still ahead; its handler checks that it still applies.
 */
export async function cancelGroupWithin(trx: Kysely<Database>, group: string, now: string): Promise<void> {
  await trx
    .updateTable('jobs')
    .set({ state: 'cancelled', done_at: now })
    .where('group_key', '=', group)
    .where('state', '=', 'queued')
    .where('run_at', '>', now)
    .execute();
}

/**
 * Runs every job due at `now` (up to `limit`), one at a time. Returns how many ran. A failing job
 * is retried later with exponential backoff and given up after MAX_ATTEMPTS, its error kept.
 */
export async function runDueJobs(db: Kysely<Database>, now: Date, handlers: Readonly<Record<string, JobHandler>>, limit = 100): Promise<number> {
  const at = now.toISOString();
  const due = await db
    .selectFrom('jobs')
    .selectAll()
    .where((eb) => eb.or([eb('state', '=', 'queued'), eb.and([eb('state', '=', 'running'), eb('locked_until', '<', at)])]))
    .where('run_at', '<=', at)
    .orderBy('run_at')
    .limit(limit)
    .execute();
  let ran = 0;
  for (const row of due) {
    const lease = new Date(now.getTime() + LEASE_MS).toISOString();
    const claimed = await db
      .updateTable('jobs')
      .set({ state: 'running', locked_until: lease, attempts: row.attempts + 1 })
      .where('id', '=', row.id)
      .where('state', '=', row.state)
      .where('attempts', '=', row.attempts)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) continue; // another worker has it
    const handler = handlers[row.kind];
    try {
      if (!handler) throw new Error(`no handler for job kind ${row.kind}`);
      await handler({ id: row.id, kind: row.kind, runAt: row.run_at, payload: JSON.parse(row.payload) as Record<string, unknown>, attempts: row.attempts + 1 });
      await db.updateTable('jobs').set({ state: 'done', done_at: at, locked_until: null }).where('id', '=', row.id).execute();
      ran++;
    } catch (error) {
      const attempts = row.attempts + 1;
      const retryAt = new Date(now.getTime() + 60_000 * 2 ** Math.min(attempts, 10)).toISOString();
      await db
        .updateTable('jobs')
        .set({
          state: attempts >= MAX_ATTEMPTS ? 'failed' : 'queued',
          run_at: retryAt,
          locked_until: null,
          last_error: String(error instanceof Error ? error.message : error).slice(0, 1000),
        })
        .where('id', '=', row.id)
        .execute();
    }
  }
  return ran;
}
