import type { FastifyInstance } from 'fastify';
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
  registerCaseDetailsRoutes(server, app);
  registerSuggestRoutes(server, app);
  registerRequestRoutes(server, app);
  registerStepRoutes(server, app);
  registerDocumentRoutes(server, app);
  registerDashboardRoutes(server, app);
  registerStatisticsRoutes(server, app);
  registerNotificationRoutes(server, app);
}
