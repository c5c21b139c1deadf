import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../../../app.ts';
import { principalOf } from '../../context.ts';
import { Empty, signedInProblems as errors, personOnly } from '../schemas.ts';
import { Id, TAGS } from './shared.ts';

/** One's own open sessions, for a person in a browser session. */
const SessionSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    createdAt: z.string(),
    lastSeenAt: z.string(),
    expiresAt: z.string(),
    ip: z.string(),
    userAgent: z.string(),
    current: z.boolean(),
  })
  .meta({ id: 'Session' });

export function registerSessionRoutes(server: FastifyInstance, app: App): void {
  const r = server.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/sessions',
    {
      config: { policy: 'person' },
      schema: {
        operationId: 'identity.listSessions',
        tags: TAGS,
        summary: 'One’s open sessions, the current one marked',
        security: personOnly,
        response: { 200: z.object({ sessions: z.array(SessionSchema) }), ...errors },
      },
    },
    async (request) => ({ sessions: await app.identity.sessions.list(principalOf(request)) }),
  );

  r.delete(
    '/api/v1/sessions/:id',
    {
      config: { policy: 'person' },
      schema: {
        operationId: 'identity.revokeSession',
        tags: TAGS,
        summary: 'End one of one’s sessions',
        security: personOnly,
        params: z.object({ id: Id }),
        response: { 204: Empty, ...errors },
      },
    },
    async (request, reply) => {
      await app.identity.sessions.revoke(principalOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}
