import type { DeadlineRule } from '../knowledge/index.ts';
import type { RequestState } from './lifecycle.ts';
import type { DeadlineStatus, DeadlineView, LinkKind, RequestRecord, RequestStep } from './model.ts';

export interface LinkedRequest {
  linkKind: LinkKind | null;
  state: RequestState;
  sentAt: string | null;
}

/** States in which the request has been answered: a time limit on the answer is then met. */
const ANSWERED: ReadonlySet<RequestState> = new Set(['executed', 'partially_executed', 'closed']);
const ABANDONED: ReadonlySet<RequestState> = new Set(['refused', 'withdrawn']);

const HOUR = 3_600_000;

/**
 * The deadlines of one request, from its instrument's rules and its steps, at this moment. A rule
 * runs from the first time the request reached its `from` step; until then from its
 * `provisionalFrom` step (earlier, so a reminder comes too early rather than too late), else it waits.
 * Only the first time counts: a postponement neither stops nor restarts a period (CETS 224 Art. 8's
 * run from the first execution), so a request postponed and back in execution keeps its due date,
 * and its deadline stays `running` (and may fall overdue) while it is postponed.
 *
 * A "minimum" rule is a period the other side must respect (preservation of at least 60 days): the
 * danger is its end, so it is met once the follow-up request is sent, and handed on to an extension.
 * A "maximum" or "target" rule is a time to answer: met once the request is answered.
 */
export function requestDeadlines(
  request: RequestRecord,
  rules: readonly DeadlineRule[],
  steps: readonly RequestStep[],
  linked: readonly LinkedRequest[],
): Omit<DeadlineView, 'id'>[] {
  const reached = new Map<RequestState, string>();
  for (const step of steps) if (!reached.has(step.to)) reached.set(step.to, step.at);
  const abandoned = steps.some((s) => ABANDONED.has(s.to));
  const out: Omit<DeadlineView, 'id'>[] = [];
  for (const rule of rules) {
    const anchor = reached.get(rule.from);
    const provisional = rule.provisionalFrom ? reached.get(rule.provisionalFrom) : undefined;
    const start = anchor ?? provisional;
    const length = (rule.days ?? 0) * 24 * HOUR + (rule.hours ?? 0) * HOUR;
    const dueAt = start ? new Date(Date.parse(start) + length).toISOString() : null;
    let status: DeadlineStatus = dueAt ? 'running' : 'waiting';
    if (abandoned) status = 'void';
    else if (rule.kind === 'minimum') {
      if (linked.some((l) => l.linkKind === 'extension' && l.sentAt !== null)) status = 'extended';
      else if (linked.some((l) => l.linkKind === 'follow-up' && l.sentAt !== null) || request.state === 'closed') status = 'met';
    } else if (ANSWERED.has(request.state)) status = 'met';
    out.push({
      rule: rule.id,
      kind: rule.kind,
      source: 'instrument',
      label: rule.label,
      article: rule.article,
      dueAt,
      estimated: anchor === undefined && provisional !== undefined,
      status,
    });
  }
  if (request.dueAt) {
    out.push({
      rule: 'user-due-date',
      kind: 'user',
      source: 'user',
      label: { es: 'Fecha de respuesta fijada', en: 'Answer-by date set' },
      article: '',
      dueAt: new Date(request.dueAt).toISOString(),
      estimated: false,
      status: abandoned ? 'void' : ANSWERED.has(request.state) || request.answeredAt ? 'met' : 'running',
    });
  }
  return out;
}

/** How soon a running deadline falls due, for the dashboard and the reminders. */
export type Urgency = 'overdue' | 'day' | 'week' | 'later';
export function dueBucket(dueAt: string, now: Date): Urgency {
  const left = Date.parse(dueAt) - now.getTime();
  if (left < 0) return 'overdue';
  if (left <= 24 * HOUR) return 'day';
  if (left <= 7 * 24 * HOUR) return 'week';
  return 'later';
}

/** When to remind before a deadline: a week, a day and two hours before, and at the moment it passes. */
export const REMINDER_LEADS: ReadonlyArray<{ level: 'week' | 'day' | 'hours' | 'overdue'; before: number }> = [
  { level: 'week', before: 7 * 24 * HOUR },
  { level: 'day', before: 24 * HOUR },
  { level: 'hours', before: 2 * HOUR },
  { level: 'overdue', before: 0 },
];
