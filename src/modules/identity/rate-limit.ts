import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import type { Database } from '../../storage/db/schema.ts';
import type { Principal } from './context.ts';

/** Requests a minute; 0 turns a limit off. */
export interface RateLimits {
  /** Per API token and per browser session. */
  perCredential: number;
  /** Per source address, for requests that carry no valid credential. */
  perSource: number;
}

export const WINDOW_MS = 60_000;

/** The start of the fixed one-minute window holding `at`, ISO 8601 UTC. */
export const minuteOf = (at: Date): string => new Date(Math.floor(at.getTime() / WINDOW_MS) * WINDOW_MS).toISOString();

/**
 * A source address as the node keeps it in its short-lived counters: a keyed hash, so that the
 * database never holds the address itself (and no table of them can be reversed without the key).
 */
export function sourceKey(kek: Buffer, ip: string): string {
  return `source:${createHmac('sha256', kek).update(`custodia-source-address\u0000${ip}`).digest('base64url').slice(0, 32)}`;
}

/**
 * The general request limit (the login throttle, throttle.ts, is separate): fixed one-minute windows.
 * An authenticated request counts against its credential (API token or session); one without a
 * valid credential against its source address. Authenticated requests are not also counted per
 * address: offices and reverse proxies put many people behind one, and their credentials already
 * tell them apart.
 *
 * Counting is in memory and shared through the database once a second (`SYNC_MS`): each process adds
 * its new hits to the window's row and reads back the total every process has written. A write per
 * request would have made every public read a durable commit (knowledge-base reads serve tens of
 * thousands a second). Several processes together may therefore let through up to about a second of
 * traffic beyond the limit before each sees the others' count.
 */
export interface RateLimiter {
  /** Counts one request; refuses it (`http.rate_limited`, with the seconds until the window ends) once over the limit. */
  hit(who: { principal?: Principal | undefined; ip: string }): Promise<void>;
  /** Writes this process's new hits to the shared windows and reads back their totals. */
  sync(): Promise<void>;
  /** Forgets the windows that are over (after a sync); returns how many rows were removed. */
  sweep(): Promise<number>;
  /** Stops the periodic sync (the counts are written first). */
  close(): Promise<void>;
}

export const SYNC_MS = 1000;

interface Window {
  key: string;
  start: string;
  /** Hits in this process not yet written to the database. */
  pending: number;
  /** The total in the database when this process last wrote or read it. */
  shared: number;
}

export function createRateLimiter(deps: { db: Kysely<Database>; clock: Clock; kek: Buffer }, limits: RateLimits): RateLimiter {
  const windows = new Map<string, Window>();
  let timer: NodeJS.Timeout | undefined;
  let syncing: Promise<void> | undefined;

  async function write(): Promise<void> {
    const current = minuteOf(deps.clock.now());
    for (const [id, w] of windows) {
      if (w.pending > 0) {
        const hits = w.pending;
        w.pending = 0;
        try {
          const row = await deps.db
            .insertInto('rate_limit_windows')
            .values({ key: w.key, window_start: w.start, hits })
            .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet((eb) => ({ hits: eb('rate_limit_windows.hits', '+', hits) })))
            .returning('hits')
            .executeTakeFirstOrThrow();
          w.shared = Number(row.hits);
        } catch (error) {
          w.pending += hits;
          throw error;
        }
      }
      if (w.start < current) windows.delete(id);
    }
    // The other processes' counts for the windows this one is counting.
    const open = [...windows.values()].filter((w) => w.start === current);
    for (let i = 0; i < open.length; i += 500) {
      const chunk = open.slice(i, i + 500);
      const rows = await deps.db
        .selectFrom('rate_limit_windows')
        .select(['key', 'hits'])
        .where('window_start', '=', current)
        .where(
          'key',
          'in',
          chunk.map((w) => w.key),
        )
        .execute();
      for (const row of rows) {
        const w = windows.get(`${row.key} ${current}`);
        if (w) w.shared = Math.max(w.shared, Number(row.hits));
      }
    }
  }

  function sync(): Promise<void> {
    syncing ??= write().finally(() => {
      syncing = undefined;
    });
    return syncing;
  }

  function schedule(): void {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      sync().catch(() => undefined);
    }, SYNC_MS);
    timer.unref();
  }

  return {
    async hit({ principal, ip }): Promise<void> {
      let key: string;
      let limit: number;
      if (principal) {
        key = principal.tokenId ? `token:${principal.tokenId}` : `session:${principal.sessionId ?? principal.userId}`;
        limit = limits.perCredential;
      } else {
        key = sourceKey(deps.kek, ip);
        limit = limits.perSource;
      }
      if (limit <= 0) return;
      const now = deps.clock.now();
      const start = minuteOf(now);
      const id = `${key} ${start}`;
      let w = windows.get(id);
      if (!w) {
        w = { key, start, pending: 0, shared: 0 };
        windows.set(id, w);
      }
      w.pending += 1;
      schedule();
      if (w.shared + w.pending <= limit) return;
      const seconds = Math.max(1, Math.ceil((Date.parse(start) + WINDOW_MS - now.getTime()) / 1000));
      throw new AppError('http.rate_limited', {
        message: `more than ${limit} requests in a minute ${principal ? `with this ${principal.tokenId ? 'API token' : 'session'}` : 'from this address'}; try again in ${seconds} s`,
        params: { seconds },
        details: { retryAfter: seconds },
      });
    },

    sync,

    async sweep(): Promise<number> {
      await sync();
      const current = minuteOf(deps.clock.now());
      const result = await deps.db.deleteFrom('rate_limit_windows').where('window_start', '<', current).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async close(): Promise<void> {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await sync().catch(() => undefined);
    },
  };
}
