import { z } from 'zod';
import type { App } from '../../../app.ts';
import { asActor } from '../../../modules/identity/index.ts';
import { principalOf } from '../../context.ts';
import { type ApiServer, text } from '../schemas.ts';
import { identityRoute } from './shared.ts';

/** The audit log: security events naming one's organisation, read from the custody ledger. */
const AuditEventSchema = z
  .object({
    index: z.number().describe('position in the custody ledger'),
    type: z.string(),
    at: z.string(),
    actor: z.string(),
    subjects: z.array(z.string()),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEvent' });

export function registerAuditRoutes(r: ApiServer, app: App): void {
  r.get(
    '/api/v1/audit',
    identityRoute('audit.read', {
      operationId: 'identity.auditEvents',
      summary: 'Security events naming one’s organisation, newest first, from the custody ledger',
      querystring: z.object({
        type: text(200, 'event type prefix, e.g. identity.login').optional(),
        user: text(200, 'only events about this user id').optional(),
        from: text(200, 'ISO 8601 date-time with offset (inclusive)').optional(),
        to: text(200, 'ISO 8601 date-time with offset').optional(),
        before: text(200, 'ledger index: events before it (the `next` of the previous page)').optional(),
        limit: text(200, '1 to 500, default 100').optional(),
      }),
      response: {
        200: z.object({ events: z.array(AuditEventSchema), next: z.number().optional().describe('pass as `before` for the next page') }),
      },
    }),
    async (request) => {
      const p = principalOf(request);
      return app.identity.auditLog.events(asActor(p), p.orgId, request.query);
    },
  );
}
