import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../../../app.ts';
import { localizeAnswer } from '../../present.ts';
import { sendCachedAnswer } from '../cached.ts';
import { anyone, signedInProblems as errors, LegalBasesSchema, lang, q } from '../schemas.ts';
import { TAGS } from './shared.ts';

/** The engine's suggestion for a new request: knowledge only, the same for everyone, so cached with an ETag. */
export function registerSuggestRoutes(server: FastifyInstance, app: App): void {
  const r = server.withTypeProvider<ZodTypeProvider>();

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
}
