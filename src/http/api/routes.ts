import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.ts';
import { registerCooperationRoutes } from './cooperation/index.ts';
import { registerEvidenceRoutes } from './evidence.routes.ts';
import { registerIdentityRoutes } from './identity/index.ts';
import { registerKnowledgeRoutes } from './knowledge.routes.ts';
import { registerLedgerRoutes } from './ledger.routes.ts';
import { registerLegalRoutes } from './legal.routes.ts';
import { registerUploadRoutes } from './uploads.routes.ts';

export function registerApiRoutes(server: FastifyInstance, app: App): void {
  registerLegalRoutes(server, app);
  registerKnowledgeRoutes(server, app);
  registerLedgerRoutes(server, app);
  registerIdentityRoutes(server, app);
  registerEvidenceRoutes(server, app);
  registerUploadRoutes(server, app, app.uploads);
  registerCooperationRoutes(server, app);
}
