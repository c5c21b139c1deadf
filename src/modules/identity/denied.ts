import { type Kysely, type RawBuilder, sql } from 'kysely';
import { isoWithOffset } from '../../lib/time.ts';
import type { Database } from '../../storage/db/schema.ts';
import { type LedgerEntryInput, recordChange } from '../ledger/index.ts';
import { type Actor, actorId, type IdentityDeps } from './context.ts';
import { minuteOf, sourceKey } from './rate-limit.ts';
import { OPERATOR_ORGANISATION } from './roles.ts';

/** Who was refused: a principal (or the shell operator), or someone without a valid credential, known only by address. */
export type Refused = Actor | { kind: 'anonymous'; ip: string };

export interface DeniedAccess {
  /** Counts one refused request in its principal's (or source's) window for the current minute. */
  record(who: Refused, what: { method: string; route: string; permission: string }): Promise<void>;
  /** Writes the windows whose minute is over into the ledger; returns how many entries it wrote. */
  flush(): Promise<number>;
}

/** The distinct routes (or permissions) of one window are kept up to this many characters; beyond it they are marked truncated. */
const LIST_CAP = 1000;
const TYPE = 'identity.access_denied';

type Window = Database['access_denied_windows'];

/** "\nA\nB\n" → "A, B" */
const listOf = (framed: string): string[] => framed.split('\n').filter((s) => s !== '');

/**
 * Refused requests, summarised: without this, every refusal was a permanent ledger entry, and 200
 * refusals from one token added 200 entries in half a second. Refusals are counted in a database
 * table, one row per principal (or hashed source address) and minute, so that every process of a
 * node counts into the same window (an upsert); once the minute is over, the window becomes ONE
 * `identity.access_denied` entry {count, first, last, routes, permissions}. Windows are written by
 * the node's minute timer, lazily by the next refusal that opens a new window, and when the app
 * closes; a window still open then stays in the table for the next flush (by any process).
 *
 * The first refusal of a principal in a window is recorded at once (count 1), and only the rest of
 * the window is summarised at its end. Auditors then see a refusal when it happens, not a minute or
 * two later, and a lone refusal (someone following a link they may not use, by far the common
 * case) is one entry exactly as before; a burst still costs at most two entries a minute. Refusals
 * without a credential (an unknown, expired or revoked API token) get no prompt entry: their
 * addresses are unlimited in number, so all of them in a minute, whatever the address, become one
 * entry, counting the sources but naming none. No address ever reaches the ledger, nor the table
 * (a keyed hash stands for it there).
 */
export function createDeniedAccess(deps: IdentityDeps): DeniedAccess {
  const contains = (haystack: RawBuilder<unknown>, needle: RawBuilder<unknown>) =>
    deps.dialect === 'postgres' ? sql`strpos(${haystack}, ${needle}) > 0` : sql`instr(${haystack}, ${needle}) > 0`;
  const at = (column: string) => sql.ref(`access_denied_windows.${column}`);
  const excluded = (column: string) => sql.ref(`excluded.${column}`);
  /** The distinct-list merge: a new window's first pending refusal replaces the list of the refusal recorded at once. */
  const merged = (column: 'routes' | 'permissions') =>
    sql`CASE WHEN ${at('pending')} = 0 THEN ${excluded(column)}
      WHEN ${contains(at(column), excluded(column))} THEN ${at(column)}
      WHEN length(${at(column)}) + length(${excluded(column)}) > ${sql.lit(LIST_CAP)} THEN ${at(column)}
      ELSE ${at(column)} || substr(${excluded(column)}, 2) END`;
  const overflows = (column: 'routes' | 'permissions') =>
    sql`(NOT ${contains(at(column), excluded(column))} AND length(${at(column)}) + length(${excluded(column)}) > ${sql.lit(LIST_CAP)})`;

  const when = (iso: string) => isoWithOffset(new Date(iso), deps.timeZone);

  /** Claims (deletes) every window whose minute is before `minute` and returns their entries. */
  async function flushWithin(trx: Kysely<Database>, minute: string): Promise<Array<Omit<LedgerEntryInput, 'at'>>> {
    const rows = await trx.deleteFrom('access_denied_windows').where('minute', '<', minute).returningAll().execute();
    const entries: Array<Omit<LedgerEntryInput, 'at'> & { order: string }> = [];
    const anonymous = new Map<string, Window[]>();
    for (const row of rows) {
      if (row.anonymous === 1) {
        anonymous.set(row.minute, [...(anonymous.get(row.minute) ?? []), row]);
        continue;
      }
      if (Number(row.pending) === 0) continue;
      entries.push({
        order: row.first_at,
        type: TYPE,
        actor: row.actor,
        subjects: JSON.parse(row.subjects) as string[],
        data: summary([row], row.minute),
      });
    }
    for (const [minute, group] of anonymous) {
      const first = group[0] as Window;
      entries.push({
        order: group.map((r) => r.first_at).sort()[0] as string,
        type: TYPE,
        actor: first.actor,
        subjects: JSON.parse(first.subjects) as string[],
        data: { ...summary(group, minute), sources: group.length },
      });
    }
    return entries.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0)).map(({ order: _, ...entry }) => entry);
  }

  function summary(rows: Window[], minute: string): Record<string, string | number | boolean> {
    const routes = new Set(rows.flatMap((r) => listOf(r.routes)));
    const permissions = new Set(rows.flatMap((r) => listOf(r.permissions)));
    const truncated = rows.some((r) => r.truncated === 1);
    return {
      count: rows.reduce((n, r) => n + Number(r.pending), 0),
      first: when(rows.map((r) => r.first_at).sort()[0] as string),
      last: when(
        rows
          .map((r) => r.last_at)
          .sort()
          .at(-1) as string,
      ),
      window: when(minute),
      routes: [...routes].join(', ').slice(0, LIST_CAP) + (truncated ? ', …' : ''),
      permissions: [...permissions].join(', ').slice(0, LIST_CAP) + (truncated ? ', …' : ''),
    };
  }

  return {
    async record(who: Refused, what: { method: string; route: string; permission: string }): Promise<void> {
      const now = deps.clock.now();
      const minute = minuteOf(now);
      const iso = now.toISOString();
      const route = `${what.method} ${what.route}`.replaceAll('\n', ' ').slice(0, 200);
      const permission = what.permission.replaceAll('\n', ' ').slice(0, 200);
      const anonymous = who.kind === 'anonymous';
      const key =
        who.kind === 'anonymous'
          ? sourceKey(deps.kek, who.ip)
          : who.kind === 'principal'
            ? `principal:${who.principal.userId}:${who.principal.orgId}`
            : `actor:${actorId(who)}`;
      const subjects =
        who.kind === 'principal' ? [`user:${who.principal.userId}`, `org:${who.principal.orgId}`] : ['identity:anonymous', `org:${OPERATOR_ORGANISATION}`];
      const actor = who.kind === 'anonymous' ? 'anonymous' : actorId(who);
      await recordChange(deps, actor, async (trx, { audit }) => {
        // A principal's new window starts with nothing pending (its first refusal is recorded at
        // once, below); an anonymous one with this refusal pending. Later refusals add one each.
        const result = await sql<{ pending: number }>`INSERT INTO access_denied_windows
          (key, minute, actor, subjects, anonymous, pending, first_at, last_at, routes, permissions, truncated)
          VALUES (${key}, ${minute}, ${actor}, ${JSON.stringify(subjects)}, ${anonymous ? 1 : 0}, ${anonymous ? 1 : 0}, ${iso}, ${iso}, ${`\n${route}\n`}, ${`\n${permission}\n`}, 0)
          ON CONFLICT (key, minute) DO UPDATE SET
            pending = ${at('pending')} + 1,
            first_at = CASE WHEN ${at('pending')} = 0 OR ${excluded('first_at')} < ${at('first_at')} THEN ${excluded('first_at')} ELSE ${at('first_at')} END,
            last_at = CASE WHEN ${at('pending')} = 0 OR ${excluded('last_at')} > ${at('last_at')} THEN ${excluded('last_at')} ELSE ${at('last_at')} END,
            routes = ${merged('routes')},
            permissions = ${merged('permissions')},
            truncated = CASE WHEN ${at('pending')} = 0 THEN 0 WHEN ${overflows('routes')} OR ${overflows('permissions')} THEN 1 ELSE ${at('truncated')} END
          RETURNING pending`.execute(trx);
        const pending = Number(result.rows[0]?.pending);
        const opened = pending === (anonymous ? 1 : 0);
        if (!opened) return;
        // The first refusal of a window is also the moment to write the windows that are over.
        for (const entry of await flushWithin(trx, minute)) audit(entry);
        if (!anonymous)
          audit({ type: TYPE, subjects, data: { count: 1, first: when(iso), last: when(iso), window: when(minute), routes: route, permissions: permission } });
      });
    },

    async flush(): Promise<number> {
      const minute = minuteOf(deps.clock.now());
      return recordChange(deps, 'system:access-denied', async (trx, { audit }) => {
        const entries = await flushWithin(trx, minute);
        for (const entry of entries) audit(entry);
        return entries.length;
      });
    },
  };
}
