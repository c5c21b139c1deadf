import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../../../app.ts';
import { anyone, signedInProblems as errors } from '../schemas.ts';
import { noStore, TAGS, Texts, who } from './shared.ts';

/** The due dashboard: deadlines overdue, due within a day and within a week, in the requests one may see. */
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

export function registerDashboardRoutes(server: FastifyInstance, app: App): void {
  const r = server.withTypeProvider<ZodTypeProvider>();

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
}
