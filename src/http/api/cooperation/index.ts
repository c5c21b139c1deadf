import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { App } from '../../../app.ts';
import { registerCaseDetailsRoutes } from './case-details.routes.ts';
import { registerDashboardRoutes } from './dashboard.routes.ts';
import { registerDocumentRoutes } from './documents.routes.ts';
import { registerNotificationRoutes } from './notifications.routes.ts';
import { registerRequestRoutes } from './requests.routes.ts';
import { registerStatisticsRoutes } from './statistics.routes.ts';
import { registerStepRoutes } from './steps.routes.ts';
import { registerSuggestRoutes } from './suggest.routes.ts';

/**
 * The cooperation workflow over the API (issue #6), one file per resource: a case's facts,
 * identifiers and persons; the engine's suggestion; requests, their steps and documents; the due
 * dashboard, statistics and one's notifications. The route policy checks the permission before any
 * input is read; the cooperation module checks need-to-know (a request or case off one's access list
 * does not exist), the step's own permission, four eyes and completeness, and judges what the input
 * means, listing every invalid field. The schemas bound shapes and sizes only. Registered in this
 * order, which is the order of the OpenAPI document.
 */
export function registerCooperationRoutes(server: FastifyInstance, app: App): void {
  const r = server.withTypeProvider<ZodTypeProvider>();
  registerCaseDetailsRoutes(r, app);
  registerSuggestRoutes(r, app);
  registerRequestRoutes(r, app);
  registerStepRoutes(r, app);
  registerDocumentRoutes(r, app);
  registerDashboardRoutes(r, app);
  registerStatisticsRoutes(r, app);
  registerNotificationRoutes(r, app);
}
