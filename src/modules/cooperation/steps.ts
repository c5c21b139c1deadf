import { randomUUID } from 'node:crypto';
import { AppError } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { type Actor, actorId, authorize, type Permission } from '../identity/index.ts';
import { recordChange } from '../ledger/index.ts';
import { requestGaps } from './completeness.ts';
import { type CooperationDeps, requireRequest, toRequest } from './context.ts';
import type { Drafting } from './drafting.ts';
import { REQUEST_STATES, type RequestState, transition } from './lifecycle.ts';
import { type Gap, type RequestRecord, StepInput } from './model.ts';
import { freezeVersionWithin } from './versions.ts';

/** Steps before which an outgoing request must be complete: nothing incomplete is approved or sent. */
const NEEDS_COMPLETE: ReadonlySet<RequestState> = new Set(['pending_approval', 'approved', 'sent']);
const ANSWERS: ReadonlySet<RequestState> = new Set(['executed', 'partially_executed', 'refused']);

/** Who may take a step: drafting, approving, sending and recording the answer are different jobs. */
export function stepPermission(to: RequestState, direction: RequestRecord['direction']): Permission {
  if (to === 'pending_approval' || to === 'draft' || (to === 'withdrawn' && direction === 'outgoing')) return 'requests.draft';
  if (to === 'approved') return 'requests.approve';
  if (direction === 'incoming') return to === 'acknowledged' || to === 'received' ? 'requests.register' : 'requests.decide';
  return 'requests.send';
}

/** The gaps as the field problems of a refused step: each with the article that requires it. */
export function gapProblems(gaps: readonly Gap[]) {
  return gaps.map((g) => ({
    path: g.path,
    code: g.code,
    message: g.label ? `${g.label.en} (art. ${g.article}, ${g.instrument})` : g.code,
    params: {
      ...(g.label ? { label_es: g.label.es, label_en: g.label.en } : {}),
      ...(g.article ? { article: g.article } : {}),
      ...(g.instrument ? { instrument: g.instrument } : {}),
      ...(g.min !== undefined ? { min: g.min } : {}),
    },
  }));
}

/** Moving a request through its lifecycle, and what is missing before it may be approved or sent. */
export interface Steps {
  /** What the request still lacks (mandatory content of its legal basis, an instrument in force…). */
  gapsOf(request: RequestRecord): Promise<Gap[]>;
  /** Moves a request one step: permission, need-to-know, completeness, then the step, its ledger entry and on sending the frozen version. */
  step(actor: Actor, orgId: string, reference: string, input: unknown): Promise<RequestRecord>;
}

export function createSteps(deps: CooperationDeps, drafting: Drafting): Steps {
  async function gapsOf(request: RequestRecord): Promise<Gap[]> {
    const kb = await deps.knowledge.snapshot();
    const instrument = request.instrument ? kb.instruments.get(request.instrument) : undefined;
    let inForce: { available: boolean } | undefined;
    if (instrument) {
      const answer = await deps.knowledge.legalBases({
        measure: request.type,
        requesting: request.requestingState,
        requested: request.requestedState,
        on: deps.clock.now().toISOString().slice(0, 10),
      });
      const basis = answer.bases.find((b) => b.instrument === instrument.id);
      inForce = { available: basis?.available ?? false };
    }
    return requestGaps(request, instrument, inForce);
  }

  return {
    gapsOf,

    /**
     * Moves a request one step. The lifecycle table decides whether the step exists; here the
     * permission, need-to-know, completeness, and the record: the step row, the ledger entry and, on
     * sending, the frozen version whose hash the entry carries — all in one transaction.
     */
    async step(actor: Actor, orgId: string, reference: string, input: unknown): Promise<RequestRecord> {
      const wanted = parseInput(StepInput, input, '', 'cooperation');
      const row = await requireRequest(deps, actor, 'requests.read', orgId, reference);
      const current = toRequest(row);
      if (!(REQUEST_STATES as readonly string[]).includes(wanted.to)) {
        throw new AppError('validation.failed', {
          message: `no state ${wanted.to}`,
          fields: [{ path: 'to', code: 'cooperation.state_unknown', params: { value: wanted.to } }],
        });
      }
      const to = wanted.to as RequestState;
      authorize(actor, stepPermission(to, current.direction), orgId);
      const kb = await deps.knowledge.snapshot();
      const instrument = current.instrument ? kb.instruments.get(current.instrument) : undefined;
      const by = actorId(actor);
      transition({
        from: current.state,
        to,
        actor: by,
        draftedBy: current.draftedBy,
        reason: wanted.reason,
        grounds: wanted.grounds,
        refusalGrounds: (instrument?.refusalGrounds ?? []).map((g) => g.id),
      });
      if (current.direction === 'outgoing' && NEEDS_COMPLETE.has(to)) {
        const gaps = await gapsOf(current);
        if (gaps.length > 0) {
          throw new AppError('validation.failed', {
            message: `request ${reference} is incomplete: ${gaps.map((g) => g.path).join(', ')}`,
            fields: gapProblems(gaps),
          });
        }
      }
      const now = deps.clock.now();
      const at = wanted.at ?? now.toISOString();
      const last = await deps.db
        .selectFrom('coop_request_steps')
        .select(['seq', 'at'])
        .where('request_id', '=', current.id)
        .orderBy('seq', 'desc')
        .executeTakeFirstOrThrow();
      if (Date.parse(at) > now.getTime() || Date.parse(at) < Date.parse(last.at)) {
        throw new AppError('validation.failed', {
          message: 'a step is dated between the previous step and now',
          fields: [{ path: 'at', code: 'cooperation.step_time_invalid' }],
        });
      }
      return recordChange(deps, by, async (trx, { append }) => {
        const moved = await trx
          .updateTable('coop_requests')
          .set({
            state: to,
            updated_at: now.toISOString(),
            ...(to === 'sent' && !current.sentAt ? { sent_at: at } : {}),
            ...(ANSWERS.has(to) && !current.answeredAt ? { answered_at: at } : {}),
            ...(to === 'closed' ? { closed_at: at } : {}),
          })
          .where('id', '=', current.id)
          .where('state', '=', current.state)
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) !== 1) throw new AppError('cooperation.conflict', { message: `request ${reference} moved meanwhile; reload it` });
        await trx
          .insertInto('coop_request_steps')
          .values({
            id: randomUUID(),
            request_id: current.id,
            seq: last.seq + 1,
            from_state: current.state,
            to_state: to,
            actor: by,
            at,
            reason: wanted.reason,
            grounds: JSON.stringify(wanted.grounds),
          })
          .execute();
        const updated = await drafting.afterChange(trx, kb, current.id);
        const data = {
          reference,
          from: current.state,
          to,
          at,
          ...(wanted.reason ? { reason: wanted.reason } : {}),
          ...(wanted.grounds.length > 0 ? { grounds: wanted.grounds.join(',') } : {}),
        };
        // Sending fixes what was sent: its hash goes into the very entry that records the sending.
        if (to === 'sent' && current.direction === 'outgoing') await freezeVersionWithin(trx, append, updated, by, 'cooperation.request.sent', data, at);
        else await append({ type: `cooperation.request.${to}`, subjects: [`request:${current.id}`, `case:${current.caseId}`, `org:${orgId}`], data });
        return updated;
      });
    },
  };
}
