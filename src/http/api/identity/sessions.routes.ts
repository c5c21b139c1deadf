import { z } from 'zod';
import type { App } from '../../../app.ts';
import { principalOf } from '../../context.ts';
import { type ApiServer, Empty } from '../schemas.ts';
import { Id, identityRoute } from './shared.ts';

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

export function registerSessionRoutes(r: ApiServer, app: App): void {
  r.get(
    '/api/v1/sessions',
    identityRoute('person', {
      operationId: 'identity.listSessions',
      summary: 'One’s open sessions, the current one marked',
      response: { 200: z.object({ sessions: z.array(SessionSchema) }) },
    }),
    async (request) => ({ sessions: await app.identity.sessions.list(principalOf(request)) }),
  );

  r.delete(
    '/api/v1/sessions/:id',
    identityRoute('person', {
      operationId: 'identity.revokeSession',
      summary: 'End one of one’s sessions',
      params: z.object({ id: Id }),
      response: { 204: Empty },
    }),
    async (request, reply) => {
      await app.identity.sessions.revoke(principalOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}
