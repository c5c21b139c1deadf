import { z } from 'zod';
import type { App } from '../../../app.ts';
import { type Locale, t } from '../../../i18n/index.ts';
import {
  DEADLINE_STATUSES,
  LINK_KINDS,
  presentGaps,
  REQUEST_STATES,
  REQUEST_TYPES,
  type RequestView,
  requestFilter,
  URGENCIES,
} from '../../../modules/cooperation/index.ts';
import { localizeAnswer } from '../../present.ts';
import { type ApiServer, LegalBasesSchema, lang, text, WarningSchema } from '../schemas.ts';
import { caseContent, GapSchema, RequestParam, RequestSchema, States, Texts, who } from './shared.ts';

/**
 * Requests under every instrument, outgoing and incoming: list, draft or register, read with all
 * that goes with them, edit. The cooperation module checks need-to-know (a request or case off one's
 * access list does not exist) and judges what the input means, listing every invalid field; the
 * schemas here bound shapes and sizes only.
 */

const RequestStepSchema = z
  .object({
    seq: z.number(),
    from: States.nullable(),
    to: States,
    actor: z.string(),
    actorName: z.string().optional(),
    at: z.string(),
    reason: z.string(),
    grounds: z.array(z.string()),
  })
  .meta({ id: 'RequestStep' });

const DeadlineSchema = z
  .object({
    id: z.string(),
    rule: z.string(),
    kind: z.enum(['minimum', 'maximum', 'target', 'user']),
    source: z.enum(['instrument', 'user']),
    label: Texts,
    article: z.string(),
    dueAt: z.string().nullable().describe('null while the step it runs from has not happened'),
    estimated: z.boolean().describe('counted provisionally from an earlier step'),
    status: z.enum(DEADLINE_STATUSES),
  })
  .meta({ id: 'RequestDeadline' });

const RelatedSchema = z.object({ reference: z.string(), type: z.string(), state: z.string() });

const RequestViewSchema = z
  .object({
    request: RequestSchema,
    steps: z.array(RequestStepSchema),
    versions: z
      .array(z.object({ version: z.number(), contentHash: z.string(), ledgerIndex: z.number().nullable(), createdAt: z.string(), createdBy: z.string() }))
      .describe('the fixed versions (sent, registered, amended), each proved by a ledger entry'),
    deadlines: z.array(DeadlineSchema),
    gaps: z.array(GapSchema).describe('what is still missing before it can go for approval or be sent'),
    nextSteps: z.array(States).describe('the steps the caller may take now'),
    refusalGrounds: z.array(z.object({ id: z.string(), label: Texts, articles: z.array(z.string()) })),
    basis: LegalBasesSchema.nullable().describe('the engine’s ranked answer stored when the basis was chosen'),
    parent: RelatedSchema.nullable(),
    linked: z.array(RelatedSchema.extend({ linkKind: z.string().nullable() })),
    warnings: z.array(WarningSchema),
  })
  .meta({ id: 'RequestView' });

// ── Input (shapes and sizes; the module judges meaning) ──
const RequestDraftBody = z.object({
  instrument: text(32, 'the legal basis, e.g. ETS185 (default on creation: the engine’s best available basis)').optional(),
  requestingAuthority: text(200, 'directory id or name').optional(),
  requestedAuthority: text(200, 'directory id or name (default: the basis’s designated authority)').optional(),
  content: z
    .record(text(100, 'element id'), text(20_000, 'text'))
    .optional()
    .describe('mandatory-content element id (as the knowledge base names it) → text; on update, merged into what is there'),
  urgency: text(20, `one of: ${URGENCIES.join(', ')}`).optional(),
  urgencyJustification: text(5000, 'needed for an emergency (at least 10 characters)').optional(),
  confidential: z.boolean().optional(),
  noNotification: z.boolean().optional().describe('ask that the person concerned not be told'),
  languages: z.array(text(10, 'ISO 639-1')).max(10).optional(),
  conducts: z.array(text(100, 'conduct id')).max(30).optional(),
  dueAt: text(40, 'an answer-by date set by a user, with its offset; empty to clear').optional(),
});
const NewRequestBody = RequestDraftBody.extend({
  caseReference: text(100, 'the case it belongs to'),
  direction: text(20, 'outgoing (default: a draft) or incoming (registered as received)').optional(),
  type: text(100, `one of: ${REQUEST_TYPES.join(', ')}`),
  requestingState: text(10, 'ISO 3166-1 alpha-2 or EU'),
  requestedState: text(10, 'ISO 3166-1 alpha-2 or EU'),
  parentReference: text(100, 'the earlier request this one follows (a preservation’s MLA, its extension)').optional(),
  linkKind: text(20, `one of: ${LINK_KINDS.join(', ')} (default from the two types)`).optional(),
});

/** A request's view with its gaps, stored legal basis and warnings in the caller's language. */
function presentView(view: RequestView, locale: Locale) {
  return {
    ...view,
    gaps: presentGaps(view.gaps, locale),
    basis: view.basis === null ? null : localizeAnswer(view.basis as z.input<typeof LegalBasesSchema>, locale),
    warnings: view.warnings.map((w) => ({ ...w, text: t(locale, `warning.${w.code}`, w.params) })),
  };
}

export function registerRequestRoutes(r: ApiServer, app: App): void {
  r.get(
    '/api/v1/requests',
    caseContent('requests.read', {
      operationId: 'cooperation.listRequests',
      summary: 'The requests of one’s organisation in cases one is on the access list of, newest first',
      querystring: z.object({
        case: text(200, 'only this case').optional(),
        state: text(40, `only in this state: ${REQUEST_STATES.join(', ')}`).optional(),
        direction: text(20, 'outgoing or incoming').optional(),
        limit: text(10, '1 to 2000, default 500').optional(),
      }),
      response: { 200: z.object({ requests: z.array(RequestSchema) }) },
    }),
    async (request) => {
      const { actor, orgId } = who(request);
      const filter = requestFilter(request.query);
      return { requests: await app.cooperation.list(actor, orgId, filter) };
    },
  );

  r.post(
    '/api/v1/requests',
    caseContent('requests.draft', {
      operationId: 'cooperation.createRequest',
      summary: 'Draft an outgoing request, or register an incoming one (direction: incoming; needs requests.register)',
      description:
        'Without an instrument the engine’s best available basis is taken; its whole answer and the knowledge-base version are kept with the request. An incoming request is fixed as received, version 1, in the custody ledger.',
      body: NewRequestBody,
      response: { 201: RequestSchema },
    }),
    async (request, reply) => {
      const { actor, orgId } = who(request);
      const created = await app.cooperation.create(actor, orgId, request.body);
      return reply
        .code(201)
        .header('location', `/api/v1/requests/${encodeURIComponent(created.reference)}`)
        .send(created);
    },
  );

  r.get(
    '/api/v1/requests/:ref',
    caseContent('requests.read', {
      operationId: 'cooperation.getRequest',
      summary: 'A request with its steps, fixed versions, deadlines, gaps, the steps one may take, and its legal basis',
      params: RequestParam,
      querystring: z.object({ lang }),
      response: { 200: RequestViewSchema },
    }),
    async (request) => {
      const { actor, orgId } = who(request);
      return presentView(await app.cooperation.get(actor, orgId, request.params.ref), request.locale);
    },
  );

  r.patch(
    '/api/v1/requests/:ref',
    caseContent('requests.draft', {
      operationId: 'cooperation.updateRequest',
      summary: 'Edit a request: a draft in place; once sent or registered, as a new fixed version',
      params: RequestParam,
      body: RequestDraftBody,
      response: { 200: RequestSchema },
    }),
    async (request) => {
      const { actor, orgId } = who(request);
      return app.cooperation.update(actor, orgId, request.params.ref, request.body);
    },
  );
}
