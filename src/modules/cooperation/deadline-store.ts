import type { Kysely } from 'kysely';
import type { Database } from '../../storage/db/schema.ts';
import { cancelGroupWithin, enqueueWithin, type NewJob } from '../../storage/jobs/queue.ts';
import type { KnowledgeSnapshot } from '../knowledge/index.ts';
import { provisionFor } from './completeness.ts';
import { type LinkedRequest, REMINDER_LEADS, requestDeadlines } from './deadlines.ts';
import type { RequestState } from './lifecycle.ts';
import type { DeadlineView, LinkKind, RequestRecord, RequestStep } from './model.ts';

export const REMINDER_JOB = 'cooperation.deadline_reminder';

export interface ReminderPayload {
  deadlineId: string;
  level: (typeof REMINDER_LEADS)[number]['level'];
  dueAt: string;
}

export async function loadSteps(db: Kysely<Database>, requestId: string): Promise<RequestStep[]> {
  const rows = await db.selectFrom('coop_request_steps').selectAll().where('request_id', '=', requestId).orderBy('seq').execute();
  return rows.map((r) => ({
    seq: r.seq,
    from: r.from_state as RequestState | null,
    to: r.to_state as RequestState,
    actor: r.actor,
    at: r.at,
    reason: r.reason,
    grounds: JSON.parse(r.grounds) as string[],
  }));
}

async function loadLinked(db: Kysely<Database>, requestId: string): Promise<LinkedRequest[]> {
  const rows = await db.selectFrom('coop_requests').select(['link_kind', 'state', 'sent_at']).where('parent_id', '=', requestId).execute();
  return rows.map((r) => ({ linkKind: r.link_kind as LinkKind | null, state: r.state as RequestState, sentAt: r.sent_at }));
}

/**
 * Recomputes a request's deadlines inside the transaction that changed it, and requeues their
 * reminders: the stored rows are what the dashboard reads, so they are never stale after a commit.
 */
export async function refreshDeadlinesWithin(trx: Kysely<Database>, kb: KnowledgeSnapshot, request: RequestRecord, now: Date): Promise<DeadlineView[]> {
  const instrument = request.instrument ? kb.instruments.get(request.instrument) : undefined;
  const rules = provisionFor(instrument, request.type)?.deadlines ?? [];
  const computed = requestDeadlines(request, rules, await loadSteps(trx, request.id), await loadLinked(trx, request.id));
  const views: DeadlineView[] = computed.map((d) => ({ ...d, id: `${request.id}:${d.rule}` }));
  await trx.deleteFrom('coop_deadlines').where('request_id', '=', request.id).execute();
  if (views.length > 0) {
    await trx
      .insertInto('coop_deadlines')
      .values(
        views.map((d) => ({
          id: d.id,
          request_id: request.id,
          org_id: request.orgId,
          case_id: request.caseId,
          rule: d.rule,
          kind: d.kind,
          source: d.source,
          article: d.article,
          label: JSON.stringify(d.label),
          due_at: d.dueAt,
          estimated: d.estimated ? 1 : 0,
          status: d.status,
        })),
      )
      .execute();
  }
  const at = now.toISOString();
  const group = `request:${request.id}`;
  await cancelGroupWithin(trx, group, at);
  const jobs: NewJob[] = [];
  for (const d of views) {
    if (d.status !== 'running' || !d.dueAt) continue;
    const due = Date.parse(d.dueAt);
    for (const lead of REMINDER_LEADS) {
      const runAt = due - lead.before;
      // Only reminders still ahead: a deadline already past is shown as a warning, not re-announced.
      if (runAt <= now.getTime()) continue;
      const payload: ReminderPayload = { deadlineId: d.id, level: lead.level, dueAt: d.dueAt };
      jobs.push({ kind: REMINDER_JOB, runAt: new Date(runAt).toISOString(), payload: { ...payload }, group });
    }
  }
  await enqueueWithin(trx, at, jobs);
  return views;
}

export function toDeadline(row: Database['coop_deadlines'] extends infer T ? { [K in keyof T]: unknown } : never): DeadlineView {
  return {
    id: String(row.id),
    rule: String(row.rule),
    kind: row.kind as DeadlineView['kind'],
    source: row.source as DeadlineView['source'],
    label: JSON.parse(String(row.label)) as DeadlineView['label'],
    article: String(row.article ?? ''),
    dueAt: (row.due_at as string | null) ?? null,
    estimated: Number(row.estimated) === 1,
    status: row.status as DeadlineView['status'],
  };
}
