import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../../app.ts';
import { CUSTODY_EVENTS, MANUAL_CUSTODY_EVENTS } from '../../modules/evidence/index.ts';
import { asActor } from '../../modules/identity/index.ts';
import { principalOf } from '../context.ts';
import { sendEvidenceContent } from '../evidence-download.ts';
import { anyone, Empty, ProblemSchema, signedInProblems, text } from './schemas.ts';

/**
 * The evidence vault over the API. Bytes come in through the tus server (/api/v1/uploads); here:
 * listing, items with their custody history, the content as a download (a custody event), manual
 * custody steps, fixity, retention, legal holds and destruction. The route policy checks the
 * permission; the vault checks need-to-know (anyone off the case's list is told "not found").
 */
/** The signed-in answers, and 410 for an item that was destroyed. */
const errors = { ...signedInProblems, 410: ProblemSchema };
const TAGS = ['evidence'];
const CaseQuery = z.object({ case: text(100, 'case reference') });
const ItemParam = z.object({ id: text(100, 'evidence item id') });

const AcquisitionSchema = z.object({
  by: z.string(),
  at: z.string().describe('ISO 8601 with the offset recorded at acquisition'),
  where: z.string(),
  tool: z.string(),
  toolVersion: z.string(),
  method: z.string(),
  source: z.string(),
  authority: z.string(),
});
const ItemSchema = z
  .object({
    id: z.string(),
    caseId: z.string(),
    caseReference: z.string(),
    orgId: z.string(),
    exhibit: z.string(),
    description: z.string(),
    fileName: z.string(),
    acquisition: AcquisitionSchema,
    bytes: z.number(),
    sha256: z.string(),
    md5: z.string().optional(),
    sha1: z.string().optional(),
    state: z.enum(['stored', 'destroyed']),
    createdAt: z.string(),
    createdBy: z.string(),
    lastFixity: z.object({ at: z.string(), ok: z.boolean() }).optional(),
    destroyedAt: z.string().optional(),
  })
  .meta({ id: 'EvidenceItem' });
const StepSchema = z
  .object({
    index: z.number().describe('position in the custody ledger'),
    type: z.enum(CUSTODY_EVENTS),
    at: z.string(),
    actor: z.string(),
    itemId: z.string(),
    reason: z.string(),
    data: z.record(z.string(), z.unknown()),
    proof: z.enum(['verified', 'pending', 'failed']).describe('inclusion in the latest signed checkpoint, checked'),
    actorName: z.string().optional().describe('name and email of the actor, for people of the item’s organisation'),
  })
  .meta({ id: 'CustodyStep' });
const FixitySchema = z
  .object({
    itemId: z.string(),
    exhibit: z.string(),
    ok: z.boolean(),
    expected: z.string(),
    found: z.string().optional(),
    problem: z.string().optional(),
    checkedAt: z.string(),
  })
  .meta({ id: 'FixityResult' });
const HoldSchema = z
  .object({
    id: z.string(),
    caseId: z.string(),
    itemId: z.string().nullable(),
    reason: z.string(),
    setBy: z.string(),
    setAt: z.string(),
    liftedAt: z.string().nullable(),
    liftedBy: z.string().nullable(),
    liftReason: z.string().nullable(),
  })
  .meta({ id: 'LegalHold' });
const RetentionSchema = z.object({ keepUntil: z.string(), basis: z.string(), setBy: z.string(), setAt: z.string() }).meta({ id: 'Retention' });
const Reason = z.object({ reason: text(1000, 'why (recorded in the custody ledger)') });

export function registerEvidenceRoutes(server: FastifyInstance, app: App): void {
  const r = server.withTypeProvider<ZodTypeProvider>();
  const who = (request: FastifyRequest) => {
    const p = principalOf(request);
    return { actor: asActor(p), orgId: p.orgId };
  };

  r.get(
    '/api/v1/evidence',
    {
      config: { policy: { permission: 'evidence.read' } },
      schema: {
        operationId: 'evidence.list',
        tags: TAGS,
        summary: 'The evidence items of a case one is on the access list of',
        security: anyone,
        querystring: CaseQuery,
        response: { 200: z.object({ case: z.string(), items: z.array(ItemSchema) }), ...errors },
      },
    },
    async (request) => {
      const { actor, orgId } = who(request);
      return { case: request.query.case, items: await app.evidence.list(actor, orgId, request.query.case) };
    },
  );

  r.get(
    '/api/v1/evidence/:id',
    {
      config: { policy: { permission: 'evidence.read' } },
      schema: {
        operationId: 'evidence.get',
        tags: TAGS,
        summary: 'An item, its hashes and its custody history from the ledger, each event’s inclusion proof checked',
        security: anyone,
        params: ItemParam,
        response: { 200: z.object({ item: ItemSchema, steps: z.array(StepSchema), checkpointSize: z.number() }), ...errors },
      },
    },
    async (request) => {
      const { actor, orgId } = who(request);
      return app.evidence.history(actor, orgId, request.params.id);
    },
  );

  r.post(
    '/api/v1/evidence/:id/download',
    {
      config: { policy: { permission: 'evidence.handle' } },
      schema: {
        operationId: 'evidence.download',
        tags: TAGS,
        summary: 'The item’s content (decrypted, re-hashed on the way); recorded as a custody event with the reason. Never rendered, only downloaded.',
        security: anyone,
        params: ItemParam,
        body: Reason,
        response: { 200: z.any().describe('application/octet-stream'), ...errors },
      },
    },
    async (request, reply) => {
      const { actor, orgId } = who(request);
      const { item, stream } = await app.evidence.download(actor, orgId, request.params.id, request.body.reason);
      return sendEvidenceContent(reply, item, stream);
    },
  );

  r.post(
    '/api/v1/evidence/:id/custody',
    {
      config: { policy: { permission: 'evidence.handle' } },
      schema: {
        operationId: 'evidence.recordCustody',
        tags: TAGS,
        summary: 'Record a custody step taken outside the vault (analysed, copied, transferred, sealed, released)',
        security: anyone,
        params: ItemParam,
        body: z.object({ event: z.enum(MANUAL_CUSTODY_EVENTS), reason: text(1000, 'why'), detail: text(1000, 'to whom, which seal…').optional() }),
        response: { 204: Empty, ...errors },
      },
    },
    async (request, reply) => {
      const { actor, orgId } = who(request);
      await app.evidence.recordCustody(actor, orgId, request.params.id, request.body);
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/api/v1/evidence/:id/fixity',
    {
      config: { policy: { permission: 'evidence.handle' } },
      schema: {
        operationId: 'evidence.verify',
        tags: TAGS,
        summary: 'Decrypt and re-hash the stored item now; the outcome is recorded in the ledger',
        security: anyone,
        params: ItemParam,
        response: { 200: FixitySchema, ...errors },
      },
    },
    async (request) => {
      const { actor, orgId } = who(request);
      return app.evidence.verify(actor, orgId, request.params.id);
    },
  );

  r.post(
    '/api/v1/evidence/:id/destroy',
    {
      config: { policy: { permission: 'evidence.destroy' } },
      schema: {
        operationId: 'evidence.destroy',
        tags: TAGS,
        summary: 'Destroy the content after the case’s retention period, when no legal hold covers it (the ledger keeps the hash)',
        security: anyone,
        params: ItemParam,
        body: Reason,
        response: { 204: Empty, ...errors },
      },
    },
    async (request, reply) => {
      const { actor, orgId } = who(request);
      await app.evidence.destroy(actor, orgId, request.params.id, request.body);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/api/v1/evidence-retention',
    {
      config: { policy: { permission: 'evidence.read' } },
      schema: {
        operationId: 'evidence.retention',
        tags: TAGS,
        summary: 'A case’s retention period and its legal holds',
        security: anyone,
        querystring: CaseQuery,
        response: { 200: z.object({ retention: RetentionSchema.optional(), holds: z.array(HoldSchema) }), ...errors },
      },
    },
    async (request) => {
      const { actor, orgId } = who(request);
      return app.evidence.retention(actor, orgId, request.query.case);
    },
  );

  r.put(
    '/api/v1/evidence-retention',
    {
      config: { policy: { permission: 'evidence.retention' } },
      schema: {
        operationId: 'evidence.setRetention',
        tags: TAGS,
        summary: 'Set until when a case’s evidence is kept, and why (the statute of limitation)',
        security: anyone,
        body: z.object({ case: text(100, 'case reference'), keepUntil: text(10, 'YYYY-MM-DD'), basis: text(1000, 'the legal basis of the date') }),
        response: { 200: RetentionSchema, ...errors },
      },
    },
    async (request) => {
      const { actor, orgId } = who(request);
      const { case: reference, ...input } = request.body;
      return app.evidence.setRetention(actor, orgId, reference, input);
    },
  );

  r.post(
    '/api/v1/evidence-holds',
    {
      config: { policy: { permission: 'evidence.retention' } },
      schema: {
        operationId: 'evidence.setHold',
        tags: TAGS,
        summary: 'Set a legal hold on a case or one of its items: nothing it covers can be destroyed',
        security: anyone,
        body: z.object({ case: text(100, 'case reference'), itemId: text(100, 'only this item').optional(), reason: text(1000, 'why') }),
        response: { 201: HoldSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { actor, orgId } = who(request);
      const { case: reference, ...input } = request.body;
      return reply.code(201).send(await app.evidence.setHold(actor, orgId, reference, input));
    },
  );

  r.post(
    '/api/v1/evidence-holds/:id/lift',
    {
      config: { policy: { permission: 'evidence.retention' } },
      schema: {
        operationId: 'evidence.liftHold',
        tags: TAGS,
        summary: 'Lift a legal hold (it stays on record)',
        security: anyone,
        params: z.object({ id: text(100, 'hold id') }),
        body: z.object({ case: text(100, 'case reference'), reason: text(1000, 'why') }),
        response: { 204: Empty, ...errors },
      },
    },
    async (request, reply) => {
      const { actor, orgId } = who(request);
      await app.evidence.liftHold(actor, orgId, request.body.case, request.params.id, { reason: request.body.reason });
      return reply.code(204).send(null);
    },
  );
}
