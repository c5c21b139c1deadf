import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../../../app.ts';
import { ROLES } from '../../../modules/identity/index.ts';
import { anyone, signedInProblems as errors, text } from '../schemas.ts';
import { actor, EnrolmentSchema, Id, linkOf, Role, TAGS } from './shared.ts';

/**
 * The members of an organisation and their roles. A path naming an organisation (`:org`) is refused
 * with 403 to anyone not acting in it, before its input is read (src/http/auth/authenticate.ts), and
 * the module refuses it again.
 */
const OrgParam = z.object({ org: text(100, 'organisation id') });

const MemberSchema = z
  .object({ userId: z.string(), email: z.string(), name: z.string(), status: z.enum(['invited', 'active', 'disabled']), roles: z.array(Role) })
  .meta({ id: 'Member' });

export function registerMemberRoutes(server: FastifyInstance, app: App): void {
  const r = server.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/organisations/:org/members',
    {
      config: { policy: { permission: 'users.read' } },
      schema: {
        operationId: 'identity.listMembers',
        tags: TAGS,
        summary: 'The members of one’s organisation with their roles',
        security: anyone,
        params: OrgParam,
        response: { 200: z.object({ members: z.array(MemberSchema) }), ...errors },
      },
    },
    async (request) => ({ members: await app.identity.directory.members(actor(request), request.params.org) }),
  );

  r.post(
    '/api/v1/organisations/:org/members',
    {
      config: { policy: { permission: 'users.manage' } },
      schema: {
        operationId: 'identity.addMember',
        tags: TAGS,
        summary: 'Add a person with roles; someone new gets a one-time enrolment link (shown only here)',
        security: anyone,
        params: OrgParam,
        body: z.object({
          email: text(1000, 'email address'),
          name: text(1000, '1 to 200 characters'),
          roles: z
            .array(text(100, 'role'))
            .max(50)
            .describe(`one or more of: ${ROLES.join(', ')}`),
          locale: text(10, 'es (default) or en').optional(),
        }),
        response: { 201: z.object({ userId: z.string(), enrolment: EnrolmentSchema.optional() }).meta({ id: 'NewMember' }), ...errors },
      },
    },
    async (request, reply) => {
      const created = await app.identity.directory.createUser(actor(request), { ...request.body, orgId: request.params.org });
      const enrolment = created.enrolment ? linkOf(app, request, created.enrolment) : undefined;
      return reply.code(201).send(enrolment ? { userId: created.userId, enrolment } : { userId: created.userId });
    },
  );

  r.put(
    '/api/v1/organisations/:org/members/:userId/roles',
    {
      config: { policy: { permission: 'users.manage' } },
      schema: {
        operationId: 'identity.setRoles',
        tags: TAGS,
        summary: 'Replace a member’s roles (none removes the membership); their sessions in the organisation end',
        security: anyone,
        params: OrgParam.extend({ userId: Id }),
        body: z.object({
          roles: z
            .array(text(100, 'role'))
            .max(50)
            .describe(`any of: ${ROLES.join(', ')}`),
        }),
        response: { 200: z.object({ userId: z.string(), roles: z.array(Role) }), ...errors },
      },
    },
    async (request) => ({
      userId: request.params.userId,
      roles: await app.identity.directory.setRoles(actor(request), request.params.org, request.params.userId, request.body.roles),
    }),
  );

  r.post(
    '/api/v1/organisations/:org/members/:userId/enrolment',
    {
      config: { policy: { permission: 'users.manage' } },
      schema: {
        operationId: 'identity.reissueEnrolment',
        tags: TAGS,
        summary: 'A new one-time enrolment link for a member who has not enrolled yet (the earlier link stops working)',
        security: anyone,
        params: OrgParam.extend({ userId: Id }),
        response: { 201: z.object({ userId: z.string(), enrolment: EnrolmentSchema }), ...errors },
      },
    },
    async (request, reply) => {
      const enrolment = await app.identity.directory.reissueEnrolment(actor(request), request.params.org, request.params.userId);
      return reply.code(201).send({
        userId: enrolment.userId,
        enrolment: linkOf(app, request, enrolment),
      });
    },
  );
}
