import { z } from 'zod';
import type { App } from '../../../app.ts';
import { asActor } from '../../../modules/identity/index.ts';
import { principalOf } from '../../context.ts';
import { type ApiServer, Empty, text } from '../schemas.ts';
import { Id, identityRoute } from './shared.ts';

/** Need-to-know access lists: who in one's organisation may see a case, why and since when. */
const GrantSchema = z
  .object({
    id: z.string(),
    caseId: z.string(),
    orgId: z.string(),
    userId: z.string(),
    reason: z.string(),
    grantedBy: z.string(),
    grantedAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'CaseAccessGrant' });

const CaseParam = z.object({ caseId: text(200, 'case identifier') });

export function registerCaseAccessRoutes(r: ApiServer, app: App): void {
  r.get(
    '/api/v1/cases/:caseId/access',
    identityRoute('cases.access.read', {
      operationId: 'identity.listCaseAccess',
      summary: 'Who may see a case in one’s organisation, why and since when (revoked grants included)',
      params: CaseParam,
      response: { 200: z.object({ grants: z.array(GrantSchema) }) },
    }),
    async (request) => {
      const p = principalOf(request);
      return { grants: await app.cases.access.list(asActor(p), p.orgId, request.params.caseId) };
    },
  );

  r.post(
    '/api/v1/cases/:caseId/access',
    identityRoute('cases.access.manage', {
      operationId: 'identity.grantCaseAccess',
      summary: 'Give a member of one’s organisation need-to-know access to a case, with a reason',
      params: CaseParam,
      body: z.object({ userId: text(200, 'member’s user id'), reason: text(2000, '5 to 500 characters') }),
      response: { 201: GrantSchema },
    }),
    async (request, reply) => {
      const p = principalOf(request);
      const grant = await app.cases.access.grant(asActor(p), p.orgId, { ...request.body, caseId: request.params.caseId });
      return reply.code(201).send(grant);
    },
  );

  r.delete(
    '/api/v1/cases/:caseId/access/:grantId',
    identityRoute('cases.access.manage', {
      operationId: 'identity.revokeCaseAccess',
      summary: 'Revoke a need-to-know grant (the grant stays on record as revoked)',
      params: CaseParam.extend({ grantId: Id }),
      response: { 204: Empty },
    }),
    async (request, reply) => {
      const p = principalOf(request);
      await app.cases.access.revoke(asActor(p), p.orgId, request.params.caseId, request.params.grantId);
      return reply.code(204).send(null);
    },
  );
}
