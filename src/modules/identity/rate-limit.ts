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
 * The general request limit (the login throttle, throttle.ts, is separate): fixed one-minute windows
 * counted in the database, so every process of a node shares them (one upsert per request). An
 * authenticated request counts against its credential (API token or session); one without a valid
 * credential against its source address. Authenticated requests are not also counted per address:
 * offices and reverse proxies put many people behind one, and their credentials already tell them apart.
 */
export interface RateLimiter {
  /** Counts one request; refuses it (`http.rate_limited`, with the seconds until the window ends) once over the limit. */
  hit(who: { principal?: Principal | undefined; ip: string }): Promise<void>;
  /** Forgets the windows that are over; returns how many. */
  sweep(): Promise<number>;
}

export function createRateLimiter(deps: { db: Kysely<Database>; clock: Clock; kek: Buffer }, limits: RateLimits): RateLimiter {
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
      const window = minuteOf(now);
      const row = await deps.db
        .insertInto('rate_limit_windows')
        .values({ key, window_start: window, hits: 1 })
        .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet((eb) => ({ hits: eb('rate_limit_windows.hits', '+', 1) })))
        .returning('hits')
        .executeTakeFirstOrThrow();
      if (Number(row.hits) <= limit) return;
      const seconds = Math.max(1, Math.ceil((Date.parse(window) + WINDOW_MS - now.getTime()) / 1000));
      throw new AppError('http.rate_limited', {
        message: `more than ${limit} requests in a minute ${principal ? `with this ${principal.tokenId ? 'API token' : 'session'}` : 'from this address'}; try again in ${seconds} s`,
        params: { seconds },
        details: { retryAfter: seconds },
      });
    },

    async sweep(): Promise<number> {
      const current = minuteOf(deps.clock.now());
      const result = await deps.db.deleteFrom('rate_limit_windows').where('window_start', '<', current).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
