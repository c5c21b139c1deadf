import { z } from 'zod';
import type { App } from '../../../app.ts';
import { ROLES } from '../../../modules/identity/index.ts';
import { type ApiServer, text } from '../schemas.ts';
import { actor, EnrolmentSchema, Id, identityRoute, linkOf, Role } from './shared.ts';

/**
 * The members of an organisation and their roles. A path naming an organisation (`:org`) is refused
 * with 403 to anyone not acting in it, before its input is read (src/http/auth/authenticate.ts), and
 * the module refuses it again.
 */
const OrgParam = z.object({ org: text(100, 'organisation id') });

const MemberSchema = z
  .object({ userId: z.string(), email: z.string(), name: z.string(), status: z.enum(['invited', 'active', 'disabled']), roles: z.array(Role) })
  .meta({ id: 'Member' });

export function registerMemberRoutes(r: ApiServer, app: App): void {
  r.get(
    '/api/v1/organisations/:org/members',
    identityRoute('users.read', {
      operationId: 'identity.listMembers',
      summary: 'The members of one’s organisation with their roles',
      params: OrgParam,
      response: { 200: z.object({ members: z.array(MemberSchema) }) },
    }),
    async (request) => ({ members: await app.identity.directory.members(actor(request), request.params.org) }),
  );

  r.post(
    '/api/v1/organisations/:org/members',
    identityRoute('users.manage', {
      operationId: 'identity.addMember',
      summary: 'Add a person with roles; someone new gets a one-time enrolment link (shown only here)',
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
      response: { 201: z.object({ userId: z.string(), enrolment: EnrolmentSchema.optional() }).meta({ id: 'NewMember' }) },
    }),
    async (request, reply) => {
      const created = await app.identity.directory.createUser(actor(request), { ...request.body, orgId: request.params.org });
      const enrolment = created.enrolment ? linkOf(app, request, created.enrolment) : undefined;
      return reply.code(201).send(enrolment ? { userId: created.userId, enrolment } : { userId: created.userId });
    },
  );

  r.put(
    '/api/v1/organisations/:org/members/:userId/roles',
    identityRoute('users.manage', {
      operationId: 'identity.setRoles',
      summary: 'Replace a member’s roles (none removes the membership); their sessions in the organisation end',
      params: OrgParam.extend({ userId: Id }),
      body: z.object({
        roles: z
          .array(text(100, 'role'))
          .max(50)
          .describe(`any of: ${ROLES.join(', ')}`),
      }),
      response: { 200: z.object({ userId: z.string(), roles: z.array(Role) }) },
    }),
    async (request) => ({
      userId: request.params.userId,
      roles: await app.identity.directory.setRoles(actor(request), request.params.org, request.params.userId, request.body.roles),
    }),
  );

  r.post(
    '/api/v1/organisations/:org/members/:userId/enrolment',
    identityRoute('users.manage', {
      operationId: 'identity.reissueEnrolment',
      summary: 'A new one-time enrolment link for a member who has not enrolled yet (the earlier link stops working)',
      params: OrgParam.extend({ userId: Id }),
      response: { 201: z.object({ userId: z.string(), enrolment: EnrolmentSchema }) },
    }),
    async (request, reply) => {
      const enrolment = await app.identity.directory.reissueEnrolment(actor(request), request.params.org, request.params.userId);
      return reply.code(201).send({
        userId: enrolment.userId,
        enrolment: linkOf(app, request, enrolment),
      });
    },
  );
}
