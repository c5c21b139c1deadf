import { AppError } from '../../lib/errors.ts';
import { onAccessList } from '../cases/index.ts';
import { type Actor, authorize } from '../identity/index.ts';
import type { Localized } from '../knowledge/index.ts';
import { type CooperationDeps, requestQuery, requireRequest, toRequest } from './context.ts';
import { loadSteps, toDeadline } from './deadline-store.ts';
import { allowedFrom, type RequestState } from './lifecycle.ts';
import type { DeadlineView, Gap, RequestRecord, RequestStep } from './model.ts';
import { type Steps, stepPermission } from './steps.ts';
import { loadVersions } from './versions.ts';

export interface RequestView {
  request: RequestRecord;
  steps: RequestStep[];
  versions: Array<{ version: number; contentHash: string; ledgerIndex: number | null; createdAt: string; createdBy: string }>;
  deadlines: DeadlineView[];
  /** What is still missing before the request can go for approval or be sent. */
  gaps: Gap[];
  /** The steps this person may take now (the lifecycle's, less those their roles do not allow). */
  nextSteps: RequestState[];
  refusalGrounds: Array<{ id: string; label: Localized; articles: string[] }>;
  /** The engine's ranked answer stored when the basis was chosen. */
  basis: unknown;
  parent: { reference: string; type: string; state: string } | null;
  linked: Array<{ reference: string; type: string; state: string; linkKind: string | null }>;
  warnings: Array<{ code: string; params: Record<string, string> }>;
  /**
   * For an incoming request: whether the conduct is an offence here too, as the engine answers it
   * for the request's conducts (or the case's), instrument and type; null when it cannot be asked.
   */
  dualCriminality: unknown;
}

/** Reading requests: one with its history, versions, deadlines and gaps, or the list a person may see. */
export interface RequestViews {
  get(actor: Actor, orgId: string, reference: string): Promise<RequestView>;
  /** The requests a person may see in their organisation, newest first; optionally of one case. */
  list(actor: Actor, orgId: string, filter?: { caseReference?: string; state?: string; direction?: string; limit?: number }): Promise<RequestRecord[]>;
}

export function createView(deps: CooperationDeps, steps: Steps): RequestViews {
  async function names(ids: string[]): Promise<Map<string, string>> {
    const users = ids.filter((a) => a.startsWith('user:')).map((a) => a.slice(5));
    if (users.length === 0) return new Map();
    const rows = await deps.db.selectFrom('users').select(['id', 'name']).where('id', 'in', users).execute();
    return new Map(rows.map((r) => [`user:${r.id}`, r.name]));
  }

  /** The engine's dual-criminality answer for an incoming request, from the requested State's side. */
  async function incomingDualCriminality(request: RequestRecord): Promise<unknown> {
    let conducts = request.conducts;
    if (conducts.length === 0) {
      const c = await deps.db.selectFrom('cases').select('conducts').where('id', '=', request.caseId).executeTakeFirstOrThrow();
      conducts = JSON.parse(c.conducts) as string[];
    }
    if (conducts.length === 0 || !request.instrument) return null;
    try {
      return await deps.knowledge.dualCriminality({
        conducts,
        requesting: request.requestingState,
        requested: request.requestedState,
        measure: request.type,
        instrument: request.instrument,
        on: deps.clock.now().toISOString().slice(0, 10),
      });
    } catch (error) {
      // The knowledge base cannot answer for this combination (e.g. the instrument lacks the measure).
      if (error instanceof AppError && error.code === 'validation.failed') return null;
      throw error;
    }
  }

  return {
    async get(actor: Actor, orgId: string, reference: string): Promise<RequestView> {
      const row = await requireRequest(deps, actor, 'requests.read', orgId, reference);
      const request = toRequest(row);
      const [history, versions, deadlineRows, gaps, kb] = await Promise.all([
        loadSteps(deps.db, request.id),
        loadVersions(deps.db, request.id),
        deps.db.selectFrom('coop_deadlines').selectAll().where('request_id', '=', request.id).orderBy('due_at').execute(),
        steps.gapsOf(request),
        deps.knowledge.snapshot(),
      ]);
      const who = await names(history.map((s) => s.actor));
      const parentRow = request.parentId
        ? await deps.db.selectFrom('coop_requests').select(['reference', 'measure', 'state']).where('id', '=', request.parentId).executeTakeFirst()
        : undefined;
      const children = await deps.db
        .selectFrom('coop_requests')
        .select(['reference', 'measure', 'state', 'link_kind'])
        .where('parent_id', '=', request.id)
        .orderBy('created_at')
        .execute();
      const deadlines = deadlineRows.map(toDeadline);
      const now = deps.clock.now().getTime();
      const warnings = deadlines
        .filter((d) => d.status === 'running' && d.dueAt !== null && Date.parse(d.dueAt) < now)
        .map((d) => ({ code: 'cooperation.deadline_past', params: { rule: d.rule, dueAt: d.dueAt as string, label_es: d.label.es, label_en: d.label.en } }));
      const may = (to: RequestState) => {
        try {
          authorize(actor, stepPermission(to, request.direction), orgId);
          return true;
        } catch {
          return false;
        }
      };
      const instrument = request.instrument ? kb.instruments.get(request.instrument) : undefined;
      const dualCriminality = request.direction === 'incoming' ? await incomingDualCriminality(request) : null;
      return {
        request,
        steps: history.map((s) => ({ ...s, ...(who.has(s.actor) ? { actorName: who.get(s.actor) as string } : {}) })),
        versions: versions.map(({ frozen: _f, ...v }) => v),
        deadlines,
        gaps,
        nextSteps: allowedFrom(request.state).filter(may),
        refusalGrounds: instrument?.refusalGrounds ?? [],
        basis: row.basis ? JSON.parse(row.basis) : null,
        parent: parentRow ? { reference: parentRow.reference, type: parentRow.measure, state: parentRow.state } : null,
        linked: children.map((c) => ({ reference: c.reference, type: c.measure, state: c.state, linkKind: c.link_kind })),
        warnings,
        dualCriminality,
      };
    },

    /** The requests a person may see in their organisation, newest first; optionally of one case. */
    async list(
      actor: Actor,
      orgId: string,
      filter: { caseReference?: string; state?: string; direction?: string; limit?: number } = {},
    ): Promise<RequestRecord[]> {
      authorize(actor, 'requests.read', orgId);
      if (filter.caseReference) await deps.cases.require(actor, 'requests.read', orgId, filter.caseReference);
      let q = requestQuery(deps.db).where('r.org_id', '=', orgId);
      if (filter.caseReference) q = q.where('c.reference', '=', filter.caseReference);
      if (filter.state) q = q.where('r.state', '=', filter.state);
      if (filter.direction) q = q.where('r.direction', '=', filter.direction);
      if (actor.kind === 'principal') q = q.where(onAccessList('r.case_id', actor.principal.userId, orgId));
      const rows = await q
        .orderBy('r.created_at', 'desc')
        .limit(Math.min(filter.limit ?? 500, 2000))
        .execute();
      return rows.map(toRequest);
    },
  };
}
