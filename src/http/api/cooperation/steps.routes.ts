import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { App } from '../../../app.ts';
import { AppError } from '../../../lib/errors.ts';
import { GAP_CODES, gapsOfProblem, REQUEST_STATES } from '../../../modules/cooperation/index.ts';
import { sendProblem, toProblem } from '../../problem.ts';
import { type ApiServer, ProblemSchema, text } from '../schemas.ts';
import { caseContent, GapSchema, RequestParam, RequestSchema, States, who } from './shared.ts';

/**
 * A request's steps: the route policy lets in anyone who may read requests; the module checks the
 * step's own permission, four eyes and completeness. A refused step says what is possible, or what
 * is missing, in members of its own beside the problem's.
 */

const StepBody = z.object({
  to: text(40, `the state to move to: ${REQUEST_STATES.join(', ')}`),
  reason: text(5000, 'needed to refuse, postpone, withdraw or execute partially').optional(),
  grounds: z.array(text(200, 'refusal ground id the instrument provides')).max(20).optional(),
  at: text(40, 'when it happened, with its offset, if recorded after the fact').optional(),
});

/** A refused step names the steps that are possible, or every missing element with its article. */
const TransitionProblemSchema = ProblemSchema.extend({ allowed: z.array(States).optional().describe('the steps possible from the current state') }).meta({
  id: 'TransitionProblem',
});
const IncompleteProblemSchema = ProblemSchema.extend({ gaps: z.array(GapSchema).optional().describe('each missing element with its article') }).meta({
  id: 'IncompleteProblem',
});

/** A problem with RFC 9457 extension members, answered by the route itself (the central handler knows no extensions). */
function sendExtendedProblem(request: FastifyRequest, reply: FastifyReply, error: AppError, extension: Record<string, unknown>) {
  request.log.info({ code: error.code }, 'request refused');
  return sendProblem(reply, { ...toProblem(error, request, request.locale), ...extension });
}

export function registerStepRoutes(r: ApiServer, app: App): void {
  r.post(
    '/api/v1/requests/:ref/steps',
    caseContent('requests.read', {
      operationId: 'cooperation.step',
      summary: 'Move a request one step (the step’s own permission is checked: draft, approve, send, register, decide)',
      description:
        '409 `cooperation.transition_not_allowed` lists the possible steps in `allowed`; 403 `cooperation.four_eyes` when the drafter approves; 422 `validation.failed` lists each missing element with its article in `errors` and `gaps`.',
      params: RequestParam,
      body: StepBody,
      response: { 200: RequestSchema, 409: TransitionProblemSchema, 422: IncompleteProblemSchema },
    }),
    async (request, reply) => {
      const { actor, orgId } = who(request);
      try {
        return await app.cooperation.step(actor, orgId, request.params.ref, request.body);
      } catch (error) {
        if (error instanceof AppError && error.code === 'cooperation.transition_not_allowed') {
          return sendExtendedProblem(request, reply, error, { allowed: (error.details?.allowed as string[] | undefined) ?? [] });
        }
        if (error instanceof AppError && error.code === 'validation.failed' && error.fields.some((f) => GAP_CODES.has(f.code))) {
          return sendExtendedProblem(request, reply, error, { gaps: gapsOfProblem(error.fields, request.locale) });
        }
        throw error;
      }
    },
  );
}
