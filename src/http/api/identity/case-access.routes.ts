import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../../../app.ts';
import { asActor } from '../../../modules/identity/index.ts';
import { principalOf } from '../../context.ts';
import { anyone, Empty, signedInProblems as errors, text } from '../schemas.ts';
import { Id, TAGS } from './shared.ts';

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

export function registerCaseAccessRoutes(server: FastifyInstance, app: App): void {
  const r = server.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/cases/:caseId/access',
    {
      config: { policy: { permission: 'cases.access.read' } },
      schema: {
        operationId: 'identity.listCaseAccess',
        tags: TAGS,
        summary: 'Who may see a case in one’s organisation, why and since when (revoked grants included)',
        security: anyone,
        params: CaseParam,
        response: { 200: z.object({ grants: z.array(GrantSchema) }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return { grants: await app.identity.needToKnow.list(asActor(p), p.orgId, request.params.caseId) };
    },
  );

  r.post(
    '/api/v1/cases/:caseId/access',
    {
      config: { policy: { permission: 'cases.access.manage' } },
      schema: {
        operationId: 'identity.grantCaseAccess',
        tags: TAGS,
        summary: 'Give a member of one’s organisation need-to-know access to a case, with a reason',
        security: anyone,
        params: CaseParam,
        body: z.object({ userId: text(200, 'member’s user id'), reason: text(2000, '5 to 500 characters') }),
        response: { 201: GrantSchema, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const grant = await app.identity.needToKnow.grant(asActor(p), p.orgId, { ...request.body, caseId: request.params.caseId });
      return reply.code(201).send(grant);
    },
  );

  r.delete(
    '/api/v1/cases/:caseId/access/:grantId',
    {
      config: { policy: { permission: 'cases.access.manage' } },
      schema: {
        operationId: 'identity.revokeCaseAccess',
        tags: TAGS,
        summary: 'Revoke a need-to-know grant (the grant stays on record as revoked)',
        security: anyone,
        params: CaseParam.extend({ grantId: Id }),
        response: { 204: Empty, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      await app.identity.needToKnow.revoke(asActor(p), p.orgId, request.params.caseId, request.params.grantId);
      return reply.code(204).send(null);
    },
  );
}
