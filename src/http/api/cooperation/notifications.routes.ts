import { z } from 'zod';
import type { App } from '../../../app.ts';
import { notificationsToMark } from '../../../modules/cooperation/index.ts';
import { type ApiServer, Empty, text } from '../schemas.ts';
import { caseContent, who } from './shared.ts';

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

export function registerNotificationRoutes(r: ApiServer, app: App): void {
  r.get(
    '/api/v1/notifications',
    caseContent('requests.read', {
      operationId: 'cooperation.notifications',
      summary: 'One’s notifications in the organisation (deadline reminders and escalations), newest first',
      querystring: z.object({ unread: z.enum(['true', 'false']).optional().describe('only the unread ones') }),
      response: { 200: z.object({ notifications: z.array(NotificationSchema) }) },
    }),
    async (request) => {
      const { actor, orgId } = who(request);
      return { notifications: await app.cooperation.notifications.list(actor, orgId, { unreadOnly: request.query.unread === 'true' }) };
    },
  );

  r.post(
    '/api/v1/notifications/read',
    caseContent('requests.read', {
      operationId: 'cooperation.markNotificationsRead',
      summary: 'Mark some of one’s notifications read, or all of them',
      body: z.object({
        ids: z.array(text(100, 'notification id')).max(500).optional(),
        all: z.boolean().optional().describe('every unread one'),
      }),
      response: { 204: Empty },
    }),
    async (request, reply) => {
      const { actor, orgId } = who(request);
      await app.cooperation.notifications.markRead(actor, orgId, notificationsToMark(request.body));
      return reply.code(204).send(null);
    },
  );
}
