import { onAccessList } from '../cases/index.ts';
import { type Actor, authorize } from '../identity/index.ts';
import type { Localized } from '../knowledge/index.ts';
import type { CooperationDeps } from './context.ts';
import { dueBucket } from './deadlines.ts';

export interface DueItem {
  deadlineId: string;
  requestReference: string;
  caseReference: string;
  type: string;
  direction: string;
  counterpart: string;
  state: string;
  rule: string;
  kind: string;
  label: Localized;
  article: string;
  dueAt: string;
  estimated: boolean;
}

export interface Dashboard {
  at: string;
  overdue: DueItem[];
  day: DueItem[];
  week: DueItem[];
}

const WEEK_MS = 7 * 24 * 3_600_000;
const LIMIT = 500;

/**
 * What is due within 24 hours, within 7 days, and overdue, for the requests this person may see.
 * One indexed range over the stored deadlines (org, status, due date): it does not grow with the
 * number of requests that are not due.
 */
export interface DashboardService {
  due(actor: Actor, orgId: string): Promise<Dashboard>;
}

export function createDashboard(deps: CooperationDeps): DashboardService {
  return {
    async due(actor: Actor, orgId: string): Promise<Dashboard> {
      authorize(actor, 'requests.read', orgId);
      const now = deps.clock.now();
      const horizon = new Date(now.getTime() + WEEK_MS).toISOString();
      let q = deps.db
        .selectFrom('coop_deadlines as d')
        .innerJoin('coop_requests as r', 'r.id', 'd.request_id')
        .innerJoin('cases as c', 'c.id', 'd.case_id')
        .select([
          'd.id',
          'd.rule',
          'd.kind',
          'd.label',
          'd.article',
          'd.due_at',
          'd.estimated',
          'r.reference',
          'r.measure',
          'r.direction',
          'r.requesting_state',
          'r.requested_state',
          'r.state',
          'c.reference as case_reference',
        ])
        .where('d.org_id', '=', orgId)
        .where('d.status', '=', 'running')
        .where('d.due_at', '<=', horizon);
      if (actor.kind === 'principal') q = q.where(onAccessList('d.case_id', actor.principal.userId, orgId));
      const rows = await q.orderBy('d.due_at').limit(LIMIT).execute();
      const board: Dashboard = { at: now.toISOString(), overdue: [], day: [], week: [] };
      for (const r of rows) {
        const item: DueItem = {
          deadlineId: r.id,
          requestReference: r.reference,
          caseReference: r.case_reference,
          type: r.measure,
          direction: r.direction,
          counterpart: r.direction === 'outgoing' ? r.requested_state : r.requesting_state,
          state: r.state,
          rule: r.rule,
          kind: r.kind,
          label: JSON.parse(r.label) as Localized,
          article: r.article,
          dueAt: r.due_at as string,
          estimated: r.estimated === 1,
        };
        const bucket = dueBucket(item.dueAt, now);
        if (bucket !== 'later') board[bucket].push(item);
      }
      return board;
    },
  };
}
