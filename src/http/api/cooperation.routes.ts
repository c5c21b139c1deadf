import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../../app.ts';
import { type Locale, t } from '../../i18n/index.ts';
import { AppError } from '../../lib/errors.ts';
import {
  DEADLINE_STATUSES,
  DIRECTIONS,
  LINK_KINDS,
  REQUEST_STATES,
  REQUEST_TYPES,
  type RequestView,
  statisticsCsv,
  URGENCIES,
} from '../../modules/cooperation/index.ts';
import { asActor } from '../../modules/identity/index.ts';
import { principalOf } from '../context.ts';
import { attachment } from '../evidence-download.ts';
import { localizeAnswer } from '../present.ts';
import { sendProblem, toProblem } from '../problem.ts';
import { sendCachedAnswer } from './cached.ts';
import { documentOptions, GAP_CODES, gapsOfProblem, notificationsToMark, presentGaps, requestFilter, statisticsRange } from './cooperation-io.ts';
import { LegalBasesSchema, lang, ProblemSchema, q, WarningSchema } from './schemas.ts';

/**
 * The cooperation workflow over the API (issue #6): a case's facts, identifiers and persons;
 * requests under every instrument, their steps, documents and deadlines; the due dashboard,
 * statistics and one's notifications. The route policy checks the permission before any input is
 * read; the cooperation module checks need-to-know (a request or case off one's access list does
 * not exist), the step's own permission, four eyes and completeness, and judges what the input
 * means, listing every invalid field. The schemas here bound shapes and sizes only. Everything
 * happens in the organisation the caller acts in. Answers carry case content: never stored by caches.
 */
const anyone: Array<Record<string, readonly string[]>> = [{ bearerToken: [] }, { sessionCookie: [] }];
const errors = { 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema };
const TAGS = ['cooperation'];
const text = (max: number, description: string) => z.string().max(max).describe(description);
const CaseParam = z.object({ ref: text(200, 'case reference, URL-encoded (it may contain / and :)') });
const RequestParam = z.object({ ref: text(100, 'request reference, e.g. SOL-2026-00001') });
const Empty = z.null().describe('done; no content');

// ── Answers ────────────────────────────────────────────────────────────────────────────────────
const Texts = z.object({ es: z.string(), en: z.string() });
const States = z.enum(REQUEST_STATES);

const CaseDetailsSchema = z
  .object({
    id: z.string(),
    reference: z.string(),
    orgId: z.string(),
    title: z.string(),
    conducts: z.array(z.string()),
    offences: z.array(z.string()),
    summary: Texts.describe('summary of the facts, in Spanish and in English'),
    identifiers: z.array(
      z.object({
        id: z.string(),
        kind: z.string(),
        value: z.string(),
        port: z.number().nullable(),
        observedAt: z.string().nullable(),
        timeZone: z.string().nullable(),
        note: z.string(),
      }),
    ),
    persons: z.array(z.object({ id: z.string(), name: z.string(), role: z.string(), details: z.string() })),
    evidence: z.array(z.object({ id: z.string(), exhibit: z.string(), description: z.string(), sha256: z.string() })),
  })
  .meta({ id: 'CaseDetails' });

const RequestSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    caseId: z.string(),
    caseReference: z.string(),
    reference: z.string(),
    direction: z.enum(DIRECTIONS),
    type: z.enum(REQUEST_TYPES),
    instrument: z.string().nullable(),
    requestingState: z.string(),
    requestedState: z.string(),
    requestingAuthority: z.string().nullable(),
    requestedAuthority: z.string().nullable(),
    kbVersion: z.string().nullable().describe('the knowledge-base version the legal basis was chosen under'),
    content: z.record(z.string(), z.string()).describe('mandatory-content element id → text'),
    urgency: z.enum(URGENCIES),
    urgencyJustification: z.string(),
    confidential: z.boolean(),
    noNotification: z.boolean(),
    languages: z.array(z.string()),
    conducts: z.array(z.string()),
    dueAt: z.string().nullable(),
    state: States,
    version: z.number(),
    parentId: z.string().nullable(),
    linkKind: z.enum(LINK_KINDS).nullable(),
    draftedBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    sentAt: z.string().nullable(),
    answeredAt: z.string().nullable(),
    closedAt: z.string().nullable(),
  })
  .meta({ id: 'CooperationRequest' });

const GapSchema = z
  .object({
    path: z.string().describe('the field that lacks it, e.g. content.custodian-or-location'),
    code: z.string(),
    message: z.string().describe('in the caller’s language, with the article'),
    element: z.string().optional().describe('the knowledge base’s mandatory-content element id'),
    label: Texts.optional(),
    article: z.string().optional().describe('the article that requires it, e.g. 29(2)(d)'),
    instrument: z.string().optional(),
  })
  .meta({ id: 'RequestGap' });

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

const DueItemSchema = z
  .object({
    deadlineId: z.string(),
    requestReference: z.string(),
    caseReference: z.string(),
    type: z.string(),
    direction: z.string(),
    counterpart: z.string().describe('the other State'),
    state: z.string(),
    rule: z.string(),
    kind: z.string(),
    label: Texts,
    article: z.string(),
    dueAt: z.string(),
    estimated: z.boolean(),
  })
  .meta({ id: 'DueDeadline' });

const DashboardSchema = z
  .object({ at: z.string(), overdue: z.array(DueItemSchema), day: z.array(DueItemSchema), week: z.array(DueItemSchema) })
  .meta({ id: 'CooperationDashboard' });

const Tally = z.array(z.object({ key: z.string(), count: z.number() }));
const StatisticsSchema = z
  .object({
    from: z.string().nullable(),
    to: z.string().nullable(),
    total: z.number(),
    rows: z.array(
      z.object({
        type: z.string(),
        direction: z.string(),
        state: z.string(),
        outcome: z.string(),
        count: z.number(),
        answered: z.number(),
        medianDays: z.number().nullable(),
        p90Days: z.number().nullable(),
      }),
    ),
    byType: Tally,
    byState: Tally,
    byOutcome: Tally,
    timeToAnswer: z.array(z.object({ key: z.string(), answered: z.number(), medianDays: z.number().nullable(), p90Days: z.number().nullable() })),
  })
  .meta({ id: 'CooperationStatistics' });

const NotificationSchema = z
  .object({
    id: z.string(),
    kind: z.string().describe('deadline.week, deadline.day, deadline.overdue'),
    subject: z.string(),
    params: z.record(z.string(), z.string()),
    createdAt: z.string(),
    readAt: z.string().nullable(),
  })
  .meta({ id: 'Notification' });

/** A refused step names the steps that are possible, or every missing element with its article. */
const TransitionProblemSchema = ProblemSchema.extend({ allowed: z.array(States).optional().describe('the steps possible from the current state') }).meta({
  id: 'TransitionProblem',
});
const IncompleteProblemSchema = ProblemSchema.extend({ gaps: z.array(GapSchema).optional().describe('each missing element with its article') }).meta({
  id: 'IncompleteProblem',
});

// ── Input (shapes and sizes; the module judges meaning) ─────────────────────────────────────────
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
const StepBody = z.object({
  to: text(40, `the state to move to: ${REQUEST_STATES.join(', ')}`),
  reason: text(5000, 'needed to refuse, postpone, withdraw or execute partially').optional(),
  grounds: z.array(text(200, 'refusal ground id the instrument provides')).max(20).optional(),
  at: text(40, 'when it happened, with its offset, if recorded after the fact').optional(),
});

// ── Presenters ─────────────────────────────────────────────────────────────────────────────────
function presentView(view: RequestView, locale: Locale) {
  return {
    ...view,
    gaps: presentGaps(view.gaps, locale),
    basis: view.basis === null ? null : localizeAnswer(view.basis as z.input<typeof LegalBasesSchema>, locale),
    warnings: view.warnings.map((w) => ({ ...w, text: t(locale, `warning.${w.code}`, w.params) })),
  };
}

/** A problem with RFC 9457 extension members, answered by the route itself (the central handler knows no extensions). */
function sendExtendedProblem(request: FastifyRequest, reply: FastifyReply, error: AppError, extension: Record<string, unknown>) {
  request.log.info({ code: error.code }, 'request refused');
  return sendProblem(reply, { ...toProblem(error, request, request.locale), ...extension });
}

/** Case content is for the people on the case: no shared or browser cache keeps it. */
const noStore = async (_request: FastifyRequest, reply: FastifyReply) => {
  reply.header('cache-control', 'no-store');
};

export function registerCooperationRoutes(server: FastifyInstance, app: App): void {
  const r = server.withTypeProvider<ZodTypeProvider>();
  const who = (request: FastifyRequest) => {
    const p = principalOf(request);
    return { actor: asActor(p), orgId: p.orgId };
  };

  // ── Cases: facts, identifiers, persons ──
  r.get(
    '/api/v1/cases/:ref/details',
    {
      config: { policy: { permission: 'requests.read' } },
      onRequest: noStore,
      schema: {
        operationId: 'cooperation.caseDetails',
        tags: TAGS,
        summary: 'A case’s conduct, offences, summary of facts, identifiers, persons and evidence',
        security: anyone,
        params: CaseParam,
        response: { 200: CaseDetailsSchema, ...errors },
      },
    },
    async (request) => {
      const { actor, orgId } = who(request);
      return app.cooperation.caseDetails.get(actor, orgId, request.params.ref);
    },
  );

  r.patch(
    '/api/v1/cases/:ref/details',
    {
      config: { policy: { permission: 'requests.draft' } },
      onRequest: noStore,
      schema: {
        operationId: 'cooperation.setCaseFacts',
        tags: TAGS,
        summary: 'Set a case’s facts (only the fields sent change); answers the case as it now stands',
        security: anyone,
        params: CaseParam,
        body: z.object({
          conducts: z.array(text(100, 'conduct id from the taxonomy')).max(30).optional(),
          offences: z.array(text(100, 'offence id from a catalogue')).max(30).optional(),
          summaryEs: text(20_000, 'summary of the facts in Spanish').optional(),
          summaryEn: text(20_000, 'summary of the facts in English').optional(),
          title: text(300, 'a short title').optional(),
        }),
        response: { 200: CaseDetailsSchema, ...errors },
      },
    },
    async (request) => {
      const { actor, orgId } = who(request);
      await app.cooperation.caseDetails.setFacts(actor, orgId, request.params.ref, request.body);
      return app.cooperation.caseDetails.get(actor, orgId, request.params.ref);
    },
  );

  r.post(
    '/api/v1/cases/:ref/identifiers',
    {
      config: { policy: { permission: 'requests.draft' } },
      onRequest: noStore,
      schema: {
        operationId: 'cooperation.addIdentifier',
        tags: TAGS,
        summary: 'Add an identifier to a case (an IP address needs the moment it was seen, with its offset)',
        security: anyone,
        params: CaseParam,
        body: z.object({
          kind: text(20, 'ip, account, email, phone, url, domain or wallet'),
          value: text(500, 'the identifier'),
          port: z.number().optional().describe('source port (behind carrier-grade NAT an address alone names nobody)'),
          observedAt: text(40, 'when it was seen, with its offset, e.g. 2026-11-20T14:03:00-05:00').optional(),
          timeZone: text(64, 'IANA time zone of the observation').optional(),
          note: text(1000, 'a note').optional(),
        }),
        response: { 201: z.object({ id: z.string() }), ...errors },
      },
    },
    async (request, reply) => {
      const { actor, orgId } = who(request);
      return reply.code(201).send({ id: await app.cooperation.caseDetails.addIdentifier(actor, orgId, request.params.ref, request.body) });
    },
  );

  r.post(
    '/api/v1/cases/:ref/persons',
    {
      config: { policy: { permission: 'requests.draft' } },
      onRequest: noStore,
      schema: {
        operationId: 'cooperation.addPerson',
        tags: TAGS,
        summary: 'Add a person to a case',
        security: anyone,
        params: CaseParam,
        body: z.object({
          name: text(300, 'full name'),
          role: text(40, 'suspect, victim, witness, account-holder or other'),
          details: text(2000, 'identifying details').optional(),
        }),
        response: { 201: z.object({ id: z.string() }), ...errors },
      },
    },
    async (request, reply) => {
      const { actor, orgId } = who(request);
      return reply.code(201).send({ id: await app.cooperation.caseDetails.addPerson(actor, orgId, request.params.ref, request.body) });
    },
  );

  // ── The engine's suggestion (knowledge only, the same for everyone: cached with an ETag) ──
  r.get(
    '/api/v1/cooperation/suggest',
    {
      config: { policy: { permission: 'requests.read' } },
      schema: {
        operationId: 'cooperation.suggest',
        tags: TAGS,
        summary: 'The ranked legal bases, channels and mandatory content for a request of this type between two States, today',
        security: anyone,
        querystring: z.object({
          type: q('request type, e.g. preservation'),
          requestingState: q('requesting State'),
          requestedState: q('requested State'),
          lang,
        }),
        response: { 200: LegalBasesSchema, ...errors },
      },
    },
    async (request, reply) =>
      sendCachedAnswer(app, request, reply, LegalBasesSchema, async () => localizeAnswer(await app.cooperation.suggest(request.query), request.locale)),
  );

  // ── Requests ──
  r.get(
    '/api/v1/requests',
    {
      config: { policy: { permission: 'requests.read' } },
      onRequest: noStore,
      schema: {
        operationId: 'cooperation.listRequests',
        tags: TAGS,
        summary: 'The requests of one’s organisation in cases one is on the access list of, newest first',
        security: anyone,
        querystring: z.object({
          case: text(200, 'only this case').optional(),
          state: text(40, `only in this state: ${REQUEST_STATES.join(', ')}`).optional(),
          direction: text(20, 'outgoing or incoming').optional(),
          limit: text(10, '1 to 2000, default 500').optional(),
        }),
        response: { 200: z.object({ requests: z.array(RequestSchema) }), ...errors },
      },
    },
    async (request) => {
      const { actor, orgId } = who(request);
      const filter = requestFilter(request.query);
      return { requests: await app.cooperation.list(actor, orgId, filter) };
    },
  );

  r.post(
    '/api/v1/requests',
    {
      config: { policy: { permission: 'requests.draft' } },
      onRequest: noStore,
      schema: {
        operationId: 'cooperation.createRequest',
        tags: TAGS,
        summary: 'Draft an outgoing request, or register an incoming one (direction: incoming; needs requests.register)',
        description:
          'Without an instrument the engine’s best available basis is taken; its whole answer and the knowledge-base version are kept with the request. An incoming request is fixed as received, version 1, in the custody ledger.',
        security: anyone,
        body: NewRequestBody,
        response: { 201: RequestSchema, ...errors },
      },
    },
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
    {
      config: { policy: { permission: 'requests.read' } },
      onRequest: noStore,
      schema: {
        operationId: 'cooperation.getRequest',
        tags: TAGS,
        summary: 'A request with its steps, fixed versions, deadlines, gaps, the steps one may take, and its legal basis',
        security: anyone,
        params: RequestParam,
        querystring: z.object({ lang }),
        response: { 200: RequestViewSchema, ...errors },
      },
    },
    async (request) => {
      const { actor, orgId } = who(request);
      return presentView(await app.cooperation.get(actor, orgId, request.params.ref), request.locale);
    },
  );

  r.patch(
    '/api/v1/requests/:ref',
    {
      config: { policy: { permission: 'requests.draft' } },
      onRequest: noStore,
      schema: {
        operationId: 'cooperation.updateRequest',
        tags: TAGS,
        summary: 'Edit a request: a draft in place; once sent or registered, as a new fixed version',
        security: anyone,
        params: RequestParam,
        body: RequestDraftBody,
        response: { 200: RequestSchema, ...errors },
      },
    },
    async (request) => {
      const { actor, orgId } = who(request);
      return app.cooperation.update(actor, orgId, request.params.ref, request.body);
    },
  );

  r.post(
    '/api/v1/requests/:ref/steps',
    {
      config: { policy: { permission: 'requests.read' } },
      onRequest: noStore,
      schema: {
        operationId: 'cooperation.step',
        tags: TAGS,
        summary: 'Move a request one step (the step’s own permission is checked: draft, approve, send, register, decide)',
        description:
          '409 `cooperation.transition_not_allowed` lists the possible steps in `allowed`; 403 `cooperation.four_eyes` when the drafter approves; 422 `validation.failed` lists each missing element with its article in `errors` and `gaps`.',
        security: anyone,
        params: RequestParam,
        body: StepBody,
        response: { 200: RequestSchema, ...errors, 409: TransitionProblemSchema, 422: IncompleteProblemSchema },
      },
    },
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

  r.get(
    '/api/v1/requests/:ref/document',
    {
      config: { policy: { permission: 'requests.read' } },
      onRequest: noStore,
      schema: {
        operationId: 'cooperation.document',
        tags: TAGS,
        summary: 'The request’s formal document as a download: a fixed version as sent (same bytes every time), else the draft, marked DRAFT',
        security: anyone,
        params: RequestParam,
        querystring: z.object({
          lang,
          format: text(10, 'pdf (default, PDF/A) or html').optional(),
          version: text(10, 'a fixed version number (default: the current one)').optional(),
        }),
        response: { 200: z.any().describe('application/pdf or text/html, as an attachment'), ...errors },
      },
    },
    async (request, reply) => {
      const { actor, orgId } = who(request);
      const options = documentOptions(request.query);
      const doc = await app.cooperation.documents.render(actor, orgId, request.params.ref, {
        locale: request.query.lang ?? request.locale,
        ...options,
      });
      return reply
        .header('content-type', doc.contentType)
        .header('content-disposition', attachment(doc.fileName))
        .header('content-length', String(doc.bytes.length))
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-store')
        .header('custodia-version', String(doc.version))
        .header('custodia-draft', String(doc.draft))
        .send(doc.bytes);
    },
  );

  // ── Deadlines, statistics, notifications ──
  r.get(
    '/api/v1/cooperation/dashboard',
    {
      config: { policy: { permission: 'requests.read' } },
      onRequest: noStore,
      schema: {
        operationId: 'cooperation.dashboard',
        tags: TAGS,
        summary: 'Deadlines overdue, due within 24 hours and within 7 days, in the requests one may see',
        security: anyone,
        response: { 200: DashboardSchema, ...errors },
      },
    },
    async (request) => {
      const { actor, orgId } = who(request);
      return app.cooperation.dashboard.due(actor, orgId);
    },
  );

  const StatsQuery = z.object({
    from: text(10, 'first day counted (YYYY-MM-DD, UTC; by creation date)').optional(),
    to: text(10, 'last day counted, included (YYYY-MM-DD, UTC)').optional(),
  });
  r.get(
    '/api/v1/cooperation/statistics',
    {
      config: { policy: { permission: 'requests.statistics' } },
      onRequest: noStore,
      schema: {
        operationId: 'cooperation.statistics',
        tags: TAGS,
        summary: 'Requests by type, State and outcome, with the median and 90th-percentile days to answer (counts only, no case content)',
        security: anyone,
        querystring: StatsQuery,
        response: { 200: StatisticsSchema, ...errors },
      },
    },
    async (request) => {
      const { actor, orgId } = who(request);
      return app.cooperation.statistics.compute(actor, orgId, statisticsRange(request.query));
    },
  );

  r.get(
    '/api/v1/cooperation/statistics.csv',
    {
      config: { policy: { permission: 'requests.statistics' } },
      onRequest: noStore,
      schema: {
        operationId: 'cooperation.statisticsCsv',
        tags: TAGS,
        summary: 'The statistics as RFC 4180 CSV, one row per type, direction, State and outcome',
        security: anyone,
        querystring: StatsQuery,
        response: { 200: z.string().describe('text/csv'), ...errors },
      },
    },
    async (request, reply) => {
      const { actor, orgId } = who(request);
      const stats = await app.cooperation.statistics.compute(actor, orgId, statisticsRange(request.query));
      const range = [request.query.from, request.query.to].filter(Boolean).join('_');
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', attachment(`statistics-${orgId}${range ? `-${range}` : ''}.csv`))
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-store')
        .send(statisticsCsv(stats));
    },
  );

  r.get(
    '/api/v1/notifications',
    {
      config: { policy: { permission: 'requests.read' } },
      onRequest: noStore,
      schema: {
        operationId: 'cooperation.notifications',
        tags: TAGS,
        summary: 'One’s notifications in the organisation (deadline reminders and escalations), newest first',
        security: anyone,
        querystring: z.object({ unread: z.enum(['true', 'false']).optional().describe('only the unread ones') }),
        response: { 200: z.object({ notifications: z.array(NotificationSchema) }), ...errors },
      },
    },
    async (request) => {
      const { actor, orgId } = who(request);
      return { notifications: await app.cooperation.notifications.list(actor, orgId, { unreadOnly: request.query.unread === 'true' }) };
    },
  );

  r.post(
    '/api/v1/notifications/read',
    {
      config: { policy: { permission: 'requests.read' } },
      onRequest: noStore,
      schema: {
        operationId: 'cooperation.markNotificationsRead',
        tags: TAGS,
        summary: 'Mark some of one’s notifications read, or all of them',
        security: anyone,
        body: z.object({
          ids: z.array(text(100, 'notification id')).max(500).optional(),
          all: z.boolean().optional().describe('every unread one'),
        }),
        response: { 204: Empty, ...errors },
      },
    },
    async (request, reply) => {
      const { actor, orgId } = who(request);
      await app.cooperation.notifications.markRead(actor, orgId, notificationsToMark(request.body));
      return reply.code(204).send(null);
    },
  );
}
