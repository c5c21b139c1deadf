import type { FastifyInstance } from 'fastify';
import type { App } from '../../../app.ts';
import { registerAccountPages } from './account.ts';
import { registerAdminPages } from './admin.ts';
import { registerAuditPage } from './audit.ts';
import { registerAuthPages } from './auth.ts';
import { registerApiDocsPage } from './docs.ts';
import { registerDualCriminalityPage } from './dual.ts';
import { registerFinderPage } from './finder.ts';
import { registerHomePage } from './home.ts';
import { registerLedgerPage } from './ledger.ts';
import { registerMatrixPage } from './matrix.ts';
import { registerPasskeyRoutes } from './passkeys.ts';
import { registerStatePages } from './states.ts';
import { registerTreatyPages } from './treaties.ts';

export function registerPages(server: FastifyInstance, app: App): void {
  registerHomePage(server, app);
  registerAuthPages(server, app);
  registerPasskeyRoutes(server, app);
  registerAccountPages(server, app);
  registerAdminPages(server, app);
  registerAuditPage(server, app);
  registerFinderPage(server, app);
  registerDualCriminalityPage(server, app);
  registerTreatyPages(server, app);
  registerStatePages(server, app);
  registerMatrixPage(server, app);
  registerLedgerPage(server, app);
  registerApiDocsPage(server, app);
}
