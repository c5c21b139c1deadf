import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../../../app.ts';
import { notificationsToMark } from '../../../modules/cooperation/index.ts';
import { anyone, Empty, signedInProblems as errors, text } from '../schemas.ts';
import { noStore, TAGS, who } from './shared.ts';

/** One's notifications in the organisation one acts in: deadline reminders and escalations. */
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

export function registerNotificationRoutes(server: FastifyInstance, app: App): void {
  const r = server.withTypeProvider<ZodTypeProvider>();

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
