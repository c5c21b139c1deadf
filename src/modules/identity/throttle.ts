import type { Kysely } from 'kysely';
import { AppError } from '../../lib/errors.ts';
import type { Database } from '../../storage/db/schema.ts';

/**
 * Login throttling that slows guessing without locking anyone out for good: after a few free
 * failures each further one doubles the wait, capped at 15 minutes, and one success on the account
 * clears it. Counted per account and per source address; a source gets more room because offices
 * share addresses.
 */
const FREE_FAILURES = { account: 5, source: 20 } as const;
const MAX_DELAY_SECONDS = 15 * 60;
/** Failures older than this are forgotten. */
const WINDOW_SECONDS = 24 * 60 * 60;

export type ThrottleKind = keyof typeof FREE_FAILURES;
export const throttleKey = (kind: ThrottleKind, value: string) => `${kind}:${value.toLowerCase()}`;

/** Refuses at once (without checking any password) while a key is blocked. */
export async function checkThrottle(db: Kysely<Database>, keys: string[], now: Date): Promise<void> {
  if (keys.length === 0) return;
  const rows = await db.selectFrom('login_throttle').selectAll().where('key', 'in', keys).execute();
  let until = 0;
  for (const row of rows) until = Math.max(until, Date.parse(row.blocked_until));
  if (until > now.getTime()) {
    const seconds = Math.ceil((until - now.getTime()) / 1000);
    throw new AppError('identity.throttled', {
      message: `too many failed attempts; try again in ${seconds} s`,
      params: { seconds },
      details: { retryAfter: seconds },
    });
  }
}

export function delayAfter(kind: ThrottleKind, failures: number): number {
  const over = failures - FREE_FAILURES[kind];
  return over < 0 ? 0 : Math.min(MAX_DELAY_SECONDS, 2 ** over);
}

export async function recordFailure(db: Kysely<Database>, key: string, now: Date): Promise<void> {
  const kind = key.split(':')[0] as ThrottleKind;
  const row = await db.selectFrom('login_throttle').selectAll().where('key', '=', key).executeTakeFirst();
  const fresh = row && now.getTime() - Date.parse(row.updated_at) < WINDOW_SECONDS * 1000;
  const failures = (fresh ? row.failures : 0) + 1;
  const blockedUntil = new Date(now.getTime() + delayAfter(kind, failures) * 1000).toISOString();
  const values = { failures, blocked_until: blockedUntil, updated_at: now.toISOString() };
  await db
    .insertInto('login_throttle')
    .values({ key, ...values })
    .onConflict((oc) => oc.column('key').doUpdateSet(values))
    .execute();
}

export async function clearThrottle(db: Kysely<Database>, key: string): Promise<void> {
  await db.deleteFrom('login_throttle').where('key', '=', key).execute();
}
