import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../../app.ts';
import { localizeAnswer } from '../present.ts';
import { sendCachedAnswer } from './cached.ts';
import { DualCriminalitySchema, EifSchema, InForceSchema, LegalBasesSchema, lang, ProblemSchema, q } from './schemas.ts';

const errors = { 422: ProblemSchema, 503: ProblemSchema };

export function registerLegalRoutes(server: FastifyInstance, app: App): void {
  const r = server.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/legal/in-force',
    {
      config: { policy: 'public' },
      schema: {
        operationId: 'legal.inForce',
        tags: ['legal'],
        summary: 'Is an instrument in force between two States on a date?',
        querystring: z.object({
          instrument: q('Instrument id, e.g. ETS185'),
          a: q('ISO 3166-1 alpha-2 or EU'),
          b: q('ISO 3166-1 alpha-2 or EU'),
          on: q('ISO date; default today'),
          lang,
        }),
        response: { 200: InForceSchema, ...errors },
      },
    },
    async (request, reply) =>
      sendCachedAnswer(app, request, reply, InForceSchema, async () => localizeAnswer(await app.knowledge.inForce(request.query), request.locale)),
  );
  r.get(
    '/api/v1/legal/entry-into-force',
    {
      config: { policy: 'public' },
      schema: {
        operationId: 'legal.entryIntoForce',
        tags: ['legal'],
        summary: 'General entry into force of an instrument (projected if not yet reached), and for one State',
        querystring: z.object({ instrument: q('Instrument id'), state: q('Optional State'), on: q('Status date; default today'), lang }),
        response: { 200: EifSchema, ...errors },
      },
    },
    async (request, reply) =>
      sendCachedAnswer(app, request, reply, EifSchema, async () => localizeAnswer(await app.knowledge.entryIntoForce(request.query), request.locale)),
  );
  r.get(
    '/api/v1/legal/bases',
    {
      config: { policy: 'public' },
      schema: {
        operationId: 'legal.legalBases',
        tags: ['legal'],
        summary: 'Ranked legal bases and channels for a request type between two States',
        querystring: z.object({
          measure: q('Request type, e.g. preservation'),
          requesting: q('Requesting State'),
          requested: q('Requested State'),
          on: q('ISO date; default today'),
          lang,
        }),
        response: { 200: LegalBasesSchema, ...errors },
      },
    },
    async (request, reply) =>
      sendCachedAnswer(app, request, reply, LegalBasesSchema, async () => localizeAnswer(await app.knowledge.legalBases(request.query), request.locale)),
  );
  r.get(
    '/api/v1/legal/dual-criminality',
    {
      config: { policy: 'public' },
      schema: {
        operationId: 'legal.dualCriminality',
        tags: ['legal'],
        summary: 'Dual criminality for a conduct, measure and instrument between two States',
        querystring: z.object({
          conducts: q('Comma-separated conduct ids, e.g. computer-fraud,illegal-access'),
          requesting: q('Requesting State'),
          requested: q('Requested State'),
          measure: q('Request type'),
          instrument: q('Instrument id'),
          on: q('ISO date; default today'),
          lang,
        }),
        response: { 200: DualCriminalitySchema, ...errors },
      },
    },
    async (request, reply) =>
      sendCachedAnswer(app, request, reply, DualCriminalitySchema, async () =>
        localizeAnswer(await app.knowledge.dualCriminality(request.query), request.locale),
      ),
  );
}
