import { AppError } from '../../lib/errors.ts';

/**
 * The life of a cooperation request, as both sides see it (PRODUCT.md C5; issue #6). One table says
 * which step may follow which; every rule about a step (four eyes, mandatory reasons) is checked
 * here, so the API, the UI, the CLI and the deadline engine share one machine.
 */
export const REQUEST_STATES = [
  'draft',
  'pending_approval',
  'approved',
  'sent',
  'received',
  'acknowledged',
  'in_execution',
  'executed',
  'partially_executed',
  'postponed',
  'refused',
  'withdrawn',
  'closed',
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

/** Outcomes after which a request is only closed. */
const CONCLUDED: ReadonlySet<RequestState> = new Set(['executed', 'partially_executed', 'refused', 'withdrawn']);

/** From each state, the states it may move to. Anything else is refused with these listed. */
export const TRANSITIONS: Readonly<Record<RequestState, readonly RequestState[]>> = {
  draft: ['pending_approval', 'withdrawn'],
  // Approval sends it on; "draft" returns it to the drafter for changes.
  pending_approval: ['approved', 'draft', 'withdrawn'],
  approved: ['sent', 'withdrawn'],
  sent: ['received', 'acknowledged', 'withdrawn'],
  received: ['acknowledged', 'in_execution', 'refused', 'withdrawn'],
  acknowledged: ['in_execution', 'postponed', 'refused', 'withdrawn'],
  in_execution: ['executed', 'partially_executed', 'postponed', 'refused', 'withdrawn'],
  postponed: ['in_execution', 'refused', 'withdrawn'],
  executed: ['closed'],
  partially_executed: ['closed'],
  refused: ['closed'],
  withdrawn: ['closed'],
  closed: [],
};

/** Steps that need a stated reason (refusal also needs its grounds: see `refusalGrounds`). */
const NEEDS_REASON: ReadonlySet<RequestState> = new Set(['refused', 'postponed', 'withdrawn', 'partially_executed']);

export interface TransitionRequest {
  from: RequestState;
  to: RequestState;
  /** Who asks for the step, by id (`user:…`). */
  actor: string;
  /** Who drafted the request: the four-eyes rule forbids them to approve it. */
  draftedBy: string;
  reason?: string;
  /** For a refusal: the grounds invoked, each one the instrument allows. */
  grounds?: readonly string[];
  /** The grounds the request's instrument enumerates for refusal (from the knowledge base). */
  refusalGrounds?: readonly string[];
}

export function allowedFrom(state: RequestState): readonly RequestState[] {
  return TRANSITIONS[state];
}

export const isConcluded = (state: RequestState): boolean => CONCLUDED.has(state) || state === 'closed';

/**
 * Checks one step and returns the new state. Throws `cooperation.transition_not_allowed` (409, with
 * the allowed states), `cooperation.four_eyes` (the drafter approving) or `validation.failed` (a
 * missing reason, or refusal grounds the instrument does not provide).
 */
export function transition(step: TransitionRequest): RequestState {
  const allowed = TRANSITIONS[step.from];
  if (!allowed.includes(step.to)) {
    throw new AppError('cooperation.transition_not_allowed', {
      message: `a request cannot go from ${step.from} to ${step.to}; allowed: ${allowed.join(', ') || 'none'}`,
      params: { from: step.from, to: step.to, allowed: allowed.join(', ') },
      details: { allowed: [...allowed] },
    });
  }
  if (step.to === 'approved' && step.actor === step.draftedBy) {
    throw new AppError('cooperation.four_eyes', { message: 'the person who drafted a request cannot approve it' });
  }
  const fields = [];
  if (NEEDS_REASON.has(step.to) && (step.reason ?? '').trim().length < 3) {
    fields.push({ path: 'reason', code: 'cooperation.reason_required' });
  }
  if (step.to === 'refused') {
    const grounds = step.grounds ?? [];
    const known = new Set(step.refusalGrounds ?? []);
    if (grounds.length === 0) fields.push({ path: 'grounds', code: 'cooperation.grounds_required' });
    const unknown = grounds.filter((g) => !known.has(g));
    if (unknown.length > 0) fields.push({ path: 'grounds', code: 'cooperation.grounds_unknown', params: { grounds: unknown.join(', ') } });
  }
  if (fields.length > 0) throw new AppError('validation.failed', { message: `the step to ${step.to} is incomplete`, fields });
  return step.to;
}
