import { AppError } from '../../lib/errors.ts';
import { type Actor, authorize } from '../identity/index.ts';
import type { CooperationDeps } from './context.ts';

/** One cell of the statistics cube: the Convention's follow-up asks by type, State, outcome and time. */
export interface StatisticsRow {
  type: string;
  direction: string;
  /** The other State: the requested one for outgoing requests, the requesting one for incoming. */
  state: string;
  outcome: string;
  count: number;
  answered: number;
  /** Days from sending (or receipt) to the answer, over the answered requests. */
  medianDays: number | null;
  p90Days: number | null;
}

export interface Statistics {
  from: string | null;
  to: string | null;
  total: number;
  rows: StatisticsRow[];
  byType: Array<{ key: string; count: number }>;
  byState: Array<{ key: string; count: number }>;
  byOutcome: Array<{ key: string; count: number }>;
  timeToAnswer: Array<{ key: string; answered: number; medianDays: number | null; p90Days: number | null }>;
}

const DAY = 86_400_000;
/** Where a request stands for the statistics: its answer when there is one, else "pending". */
const OUTCOMES = new Set(['executed', 'partially_executed', 'refused', 'withdrawn', 'postponed']);

/**
 * Stored times are UTC ISO strings, compared as text: a bound with another offset is converted first,
 * or "before 10:00-05:00" would be read as before 10:00 UTC.
 */
function instantOrNull(value: string | undefined, path: string): string | null {
  if (value === undefined || value === '') return null;
  const ms = /T/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms) || !/(?:Z|[+-]\d{2}:\d{2})$/.test(value)) {
    throw new AppError('validation.failed', { message: `${path} must be a date and time with its offset`, fields: [{ path, code: 'cooperation.at_invalid' }] });
  }
  return new Date(ms).toISOString();
}

function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return Math.round((sorted[i] as number) * 10) / 10;
}

function tally(map: Map<string, number>) {
  return [...map].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

export interface StatisticsService {
  /** Counts and times only, never a case's content: the permission is the organisation's, not the case's. */
  compute(actor: Actor, orgId: string, range?: { from?: string; to?: string }): Promise<Statistics>;
}

export function createStatistics(deps: CooperationDeps): StatisticsService {
  return {
    /** Counts and times only, never a case's content: the permission is the organisation's, not the case's. */
    async compute(actor: Actor, orgId: string, range: { from?: string; to?: string } = {}): Promise<Statistics> {
      authorize(actor, 'requests.statistics', orgId);
      const from = instantOrNull(range.from, 'from');
      const to = instantOrNull(range.to, 'to');
      let q = deps.db
        .selectFrom('coop_requests as r')
        .leftJoin('coop_request_steps as s', (j) => j.onRef('s.request_id', '=', 'r.id').on('s.seq', '=', 1))
        .select(['r.measure', 'r.direction', 'r.requesting_state', 'r.requested_state', 'r.state', 'r.sent_at', 'r.answered_at', 's.at as started_at'])
        .where('r.org_id', '=', orgId)
        .where('r.state', 'not in', ['draft', 'pending_approval', 'approved']);
      if (from) q = q.where('r.created_at', '>=', from);
      if (to) q = q.where('r.created_at', '<', to);
      const rows = await q.execute();
      const cells = new Map<string, { row: Omit<StatisticsRow, 'medianDays' | 'p90Days'>; days: number[] }>();
      const byType = new Map<string, number>();
      const byState = new Map<string, number>();
      const byOutcome = new Map<string, number>();
      const daysByType = new Map<string, number[]>();
      for (const r of rows) {
        const state = r.direction === 'outgoing' ? r.requested_state : r.requesting_state;
        const outcome = OUTCOMES.has(r.state) ? r.state : r.state === 'closed' ? 'closed' : 'pending';
        const key = [r.measure, r.direction, state, outcome].join('\u0000');
        const cell = cells.get(key) ?? { row: { type: r.measure, direction: r.direction, state, outcome, count: 0, answered: 0 }, days: [] };
        cell.row.count++;
        const start = r.direction === 'outgoing' ? r.sent_at : r.started_at;
        if (r.answered_at && start) {
          const days = (Date.parse(r.answered_at) - Date.parse(start)) / DAY;
          cell.row.answered++;
          cell.days.push(days);
          daysByType.set(r.measure, [...(daysByType.get(r.measure) ?? []), days]);
        }
        cells.set(key, cell);
        byType.set(r.measure, (byType.get(r.measure) ?? 0) + 1);
        byState.set(state, (byState.get(state) ?? 0) + 1);
        byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
      }
      const out = [...cells.values()]
        .map(({ row, days }) => {
          days.sort((a, b) => a - b);
          return { ...row, medianDays: quantile(days, 0.5), p90Days: quantile(days, 0.9) };
        })
        .sort(
          (a, b) =>
            a.type.localeCompare(b.type) || a.direction.localeCompare(b.direction) || a.state.localeCompare(b.state) || a.outcome.localeCompare(b.outcome),
        );
      return {
        from,
        to,
        total: rows.length,
        rows: out,
        byType: tally(byType),
        byState: tally(byState),
        byOutcome: tally(byOutcome),
        timeToAnswer: [...daysByType]
          .map(([key, days]) => {
            days.sort((a, b) => a - b);
            return { key, answered: days.length, medianDays: quantile(days, 0.5), p90Days: quantile(days, 0.9) };
          })
          .sort((a, b) => a.key.localeCompare(b.key)),
      };
    },
  };
}

/** RFC 4180 CSV of the cube (CRLF, quoted when needed), one row per (type, direction, State, outcome). */
export function statisticsCsv(stats: Statistics): string {
  const quote = (v: string | number | null) => {
    const s = v === null ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  const header = ['type', 'direction', 'state', 'outcome', 'count', 'answered', 'median_days_to_answer', 'p90_days_to_answer'];
  const lines = [header.join(',')];
  for (const r of stats.rows) lines.push([r.type, r.direction, r.state, r.outcome, r.count, r.answered, r.medianDays, r.p90Days].map(quote).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
