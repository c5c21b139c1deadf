import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { App } from '../../../app.ts';
import { registerAuditRoutes } from './audit.routes.ts';
import { registerCaseAccessRoutes } from './case-access.routes.ts';
import { registerErasureRoutes } from './erasures.routes.ts';
import { registerMeRoutes } from './me.routes.ts';
import { registerMemberRoutes } from './members.routes.ts';
import { registerOrganisationRoutes } from './organisations.routes.ts';
import { registerSessionRoutes } from './sessions.routes.ts';
import { registerTokenRoutes } from './tokens.routes.ts';

/**
 * Identity over the API, one file per resource: who am I, organisations, members and roles, one's
 * own API tokens and sessions, the audit log and need-to-know access lists. Authorisation is the
 * route policy (checked before any input is read) and then the identity module itself; input meaning
 * is checked by the module, which lists every invalid field. The schemas bound shapes and sizes only.
 * Registered in this order, which is the order of the OpenAPI document.
 */
export function registerIdentityRoutes(server: FastifyInstance, app: App): void {
  const r = server.withTypeProvider<ZodTypeProvider>();
  registerMeRoutes(r);
  registerOrganisationRoutes(r, app);
  registerMemberRoutes(r, app);
  registerTokenRoutes(r, app);
  registerSessionRoutes(r, app);
  registerAuditRoutes(r, app);
  registerCaseAccessRoutes(r, app);
  registerErasureRoutes(r, app);
}
