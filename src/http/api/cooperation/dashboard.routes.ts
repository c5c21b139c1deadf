import { z } from 'zod';
import type { App } from '../../../app.ts';
import type { ApiServer } from '../schemas.ts';
import { caseContent, Texts, who } from './shared.ts';

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

export function registerDashboardRoutes(r: ApiServer, app: App): void {
  r.get(
    '/api/v1/cooperation/dashboard',
    caseContent('requests.read', {
      operationId: 'cooperation.dashboard',
      summary: 'Deadlines overdue, due within 24 hours and within 7 days, in the requests one may see',
      response: { 200: DashboardSchema },
    }),
    async (request) => {
      const { actor, orgId } = who(request);
      return app.cooperation.dashboard.due(actor, orgId);
    },
  );
}
