import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../../app.ts';
import { AppError } from '../../lib/errors.ts';
import { schema as kb } from '../../modules/knowledge/index.ts';
import { localizeAnswer } from '../present.ts';
import { sendCachedAnswer } from './cached.ts';
import { CitationSchema, GeneralEifSchema, lang, PartyStatusSchema, ProblemSchema } from './schemas.ts';

const errors = { 404: ProblemSchema, 422: ProblemSchema, 503: ProblemSchema };

const VersionSchema = z
  .object({
    id: z.string(),
    seq: z.number(),
    kind: z.string(),
    dataHash: z.string(),
    label: z.string(),
    recordCount: z.number(),
    addedCount: z.number(),
    retiredCount: z.number(),
    importedAt: z.string(),
    importedBy: z.string(),
  })
  .meta({ id: 'KnowledgeBaseVersion' });

const ResolvedClaimSchema = z.object({
  fact: kb.ProfileFact,
  standing: z.enum(['current', 'superseded', 'contradicted']),
  reason: z.string().optional(),
  citation: CitationSchema,
});

const InstrumentsSchema = z.object({ instruments: z.array(kb.Instrument) });
const StatesSchema = z.object({ states: z.array(kb.State) });
const ConductsSchema = z.object({ conducts: z.array(kb.Conduct) });
const TreatyStatusSchema = z.object({ instrument: z.string(), general: GeneralEifSchema, states: z.array(PartyStatusSchema), kbVersion: z.string() });
const ProfileSchema = z.object({
  state: kb.State,
  facts: z.array(
    z.object({
      predicate: z.string(),
      section: z.string(),
      current: ResolvedClaimSchema,
      others: z.array(ResolvedClaimSchema),
      disputed: z.boolean(),
    }),
  ),
  treaties: z.array(PartyStatusSchema),
  declarations: z.array(kb.Declaration),
  authorities: z.array(kb.Authority),
  offences: kb.OffenceCatalogue.optional(),
  kbVersion: z.string(),
});

export function registerKnowledgeRoutes(server: FastifyInstance, app: App): void {
  const r = server.withTypeProvider<ZodTypeProvider>();
  const common = { config: { policy: 'public' as const } };

  r.get(
    '/api/v1/kb/instruments',
    {
      ...common,
      schema: {
        operationId: 'knowledge.listInstruments',
        tags: ['knowledge'],
        summary: 'Instruments with articles, measures and entry-into-force rules',
        response: { 200: InstrumentsSchema, ...errors },
      },
    },
    async (request, reply) =>
      sendCachedAnswer(app, request, reply, InstrumentsSchema, async () => ({ instruments: [...(await app.knowledge.snapshot()).instruments.values()] })),
  );
  r.get(
    '/api/v1/kb/instruments/:id',
    {
      ...common,
      schema: {
        operationId: 'knowledge.getInstrument',
        tags: ['knowledge'],
        params: z.object({ id: z.string().max(40) }),
        response: { 200: kb.Instrument, ...errors },
      },
    },
    async (request, reply) =>
      sendCachedAnswer(app, request, reply, kb.Instrument, async () => {
        const found = (await app.knowledge.snapshot()).instruments.get(request.params.id.toUpperCase());
        if (!found) throw new AppError('not_found', { message: `no instrument ${request.params.id}` });
        return found;
      }),
  );
  r.get(
    '/api/v1/kb/instruments/:id/status',
    {
      ...common,
      schema: {
        operationId: 'knowledge.treatyStatus',
        tags: ['knowledge'],
        summary: 'Signatories, parties and projected general entry into force',
        params: z.object({ id: z.string().max(40) }),
        querystring: z.object({ lang }),
        response: {
          200: TreatyStatusSchema,
          ...errors,
        },
      },
    },
    async (request, reply) =>
      sendCachedAnswer(app, request, reply, TreatyStatusSchema, async () => {
        const status = await app.knowledge.treatyStatus(request.params.id);
        return localizeAnswer({ ...status, instrument: status.instrument.id }, request.locale);
      }),
  );
  r.get(
    '/api/v1/kb/states',
    { ...common, schema: { operationId: 'knowledge.listStates', tags: ['knowledge'], response: { 200: StatesSchema, ...errors } } },
    async (request, reply) =>
      sendCachedAnswer(app, request, reply, StatesSchema, async () => ({ states: [...(await app.knowledge.snapshot()).states.values()] })),
  );
  r.get(
    '/api/v1/kb/states/:code',
    {
      ...common,
      schema: {
        operationId: 'knowledge.getStateProfile',
        tags: ['knowledge'],
        summary: 'A State profile: resolved facts with superseded claims, treaties, authorities, declarations, offences',
        params: z.object({ code: z.string().max(10) }),
        querystring: z.object({ lang }),
        response: {
          200: ProfileSchema,
          ...errors,
        },
      },
    },
    async (request, reply) =>
      sendCachedAnswer(app, request, reply, ProfileSchema, async () => localizeAnswer(await app.knowledge.profile(request.params.code), request.locale)),
  );
  r.get(
    '/api/v1/kb/conducts',
    {
      ...common,
      schema: { operationId: 'knowledge.listConducts', tags: ['knowledge'], response: { 200: ConductsSchema, ...errors } },
    },
    async (request, reply) =>
      sendCachedAnswer(app, request, reply, ConductsSchema, async () => ({ conducts: [...(await app.knowledge.snapshot()).conducts.values()] })),
  );
  r.get(
    '/api/v1/kb/offences',
    {
      ...common,
      schema: {
        operationId: 'knowledge.listOffences',
        tags: ['knowledge'],
        querystring: z.object({ state: z.string().max(10).optional() }),
        response: { 200: z.object({ catalogues: z.array(kb.OffenceCatalogue) }), ...errors },
      },
    },
    async (request) => {
      const snap = await app.knowledge.snapshot();
      const state = request.query.state?.toUpperCase();
      if (state && !snap.states.has(state)) {
        throw new AppError('validation.failed', {
          message: `unknown State ${state}`,
          fields: [{ path: 'state', code: 'legal.unknown_state', params: { value: state } }],
        });
      }
      return { catalogues: snap.dataset.offenceCatalogues.filter((c) => !state || c.state === state) };
    },
  );
  r.get(
    '/api/v1/kb/versions',
    {
      ...common,
      schema: {
        operationId: 'knowledge.listVersions',
        tags: ['knowledge'],
        summary: 'Every import, newest first',
        response: { 200: z.object({ versions: z.array(VersionSchema) }), ...errors },
      },
    },
    async () => ({ versions: await app.knowledge.versions() }),
  );
  r.get(
    '/api/v1/kb/history',
    {
      ...common,
      schema: {
        operationId: 'knowledge.history',
        tags: ['knowledge'],
        summary: 'Every claim ever stored under a kind and key prefix, current or retired',
        querystring: z.object({
          kind: z.enum([
            'source',
            'state',
            'conduct',
            'instrument',
            'status-event',
            'declaration',
            'authority',
            'offence-catalogue',
            'profile-fact',
            'manifest',
          ]),
          key: z.string().min(1).max(200),
        }),
        response: {
          200: z.object({
            records: z.array(
              z.object({
                kind: z.string(),
                key: z.string(),
                data: z.unknown(),
                versionId: z.string(),
                retiredVersionId: z.string().nullable(),
                recordedOn: z.string(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => ({ records: await app.knowledge.history(request.query.kind, request.query.key) }),
  );
}
