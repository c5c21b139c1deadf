import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../../app.ts';
import { ALL_PERMISSIONS, asActor, type Enrolment, ORGANISATION_KINDS, ROLES } from '../../modules/identity/index.ts';
import { principalOf } from '../context.ts';
import { ProblemSchema } from './schemas.ts';

/**
 * Identity over the API: who am I, organisations, members and roles, one's own API tokens and
 * sessions, need-to-know access lists and the audit log. Authorisation is the route policy (checked
 * before any input is read) and then the identity module itself; input meaning is checked by the
 * module, which lists every invalid field. The schemas here bound shapes and sizes only. A path
 * naming an organisation (`:org`) is refused with 403 to anyone not acting in it, before its input
 * is read (src/http/auth/authenticate.ts), and the module refuses it again.
 */

/** Both ways of authenticating to the API; `person` routes take only the browser session. */
export const SECURITY_SCHEMES = {
  bearerToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token (cta_…) made by a person in a browser session; it acts in one organisation with at most its scopes.',
  },
  sessionCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: '__Host-custodia_session',
    description: 'The browser session. State-changing requests must also send the session’s CSRF token in the x-csrf-token header.',
  },
} as const;
type SecurityRequirement = Record<string, readonly string[]>;
const anyone: SecurityRequirement[] = [{ bearerToken: [] }, { sessionCookie: [] }];
const personOnly: SecurityRequirement[] = [{ sessionCookie: [] }];

const errors = { 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema };
const TAGS = ['identity'];

/** Path and body strings: bounded here; their format is the identity module's to judge. */
const text = (max: number, description: string) => z.string().max(max).describe(description);
const OrgParam = z.object({ org: text(100, 'organisation id') });
const Id = text(100, 'identifier');

const Role = z.enum(ROLES);
const PermissionName = z.enum(ALL_PERMISSIONS as [string, ...string[]]);

const OrganisationSchema = z
  .object({ id: z.string(), name: z.string(), kind: z.string(), operator: z.boolean(), createdAt: z.string() })
  .meta({ id: 'Organisation' });
const MemberSchema = z
  .object({ userId: z.string(), email: z.string(), name: z.string(), status: z.enum(['invited', 'active', 'disabled']), roles: z.array(Role) })
  .meta({ id: 'Member' });
const EnrolmentSchema = z
  .object({
    token: z.string().describe('one-time secret, shown only in this answer'),
    url: z.string().describe('the link to send to the person'),
    expiresAt: z.string(),
  })
  .meta({ id: 'Enrolment' });
const TokenInfoSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    orgId: z.string(),
    scopes: z.array(PermissionName),
    createdAt: z.string(),
    expiresAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiToken' });
const SessionSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    createdAt: z.string(),
    lastSeenAt: z.string(),
    expiresAt: z.string(),
    ip: z.string(),
    userAgent: z.string(),
    current: z.boolean(),
  })
  .meta({ id: 'Session' });
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
const AuditEventSchema = z
  .object({
    index: z.number().describe('position in the custody ledger'),
    type: z.string(),
    at: z.string(),
    actor: z.string(),
    subjects: z.array(z.string()),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEvent' });
const Empty = z.null().describe('done; no content');

/** An enrolment link as answered: it points to the configured public URL, else to the origin the caller used. */
function linkOf(app: App, request: FastifyRequest, enrolment: Enrolment) {
  const base = (app.config.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/$/, '');
  return { token: enrolment.token, url: `${base}/enrol/${enrolment.token}`, expiresAt: enrolment.expiresAt };
}

export function registerIdentityRoutes(server: FastifyInstance, app: App): void {
  const r = server.withTypeProvider<ZodTypeProvider>();
  const actor = (request: FastifyRequest) => asActor(principalOf(request));

  r.get(
    '/api/v1/me',
    {
      config: { policy: 'signed-in' },
      schema: {
        operationId: 'identity.me',
        tags: TAGS,
        summary: 'Who is asking: the person, the organisation they act in, their roles and permissions, and how they signed in',
        security: anyone,
        response: {
          200: z
            .object({
              user: z.object({ id: z.string(), email: z.string(), name: z.string(), locale: z.string() }),
              organisation: z.object({ id: z.string(), name: z.string(), operator: z.boolean() }),
              roles: z.array(Role),
              permissions: z.array(PermissionName).describe('for a token: the scopes it has that its maker still holds'),
              via: z.enum(['session', 'token']),
            })
            .meta({ id: 'Me' }),
          ...errors,
        },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return {
        user: { id: p.userId, email: p.email, name: p.name, locale: p.locale },
        organisation: { id: p.orgId, name: p.orgName, operator: p.operatorOrganisation },
        roles: p.roles,
        permissions: ALL_PERMISSIONS.filter((permission) => p.permissions.has(permission)),
        via: p.via,
      };
    },
  );

  r.get(
    '/api/v1/organisations',
    {
      config: { policy: 'signed-in' },
      schema: {
        operationId: 'identity.listOrganisations',
        tags: TAGS,
        summary: 'The organisations one belongs to (a token: the one it acts in); every organisation for those who may create them',
        security: anyone,
        response: { 200: z.object({ organisations: z.array(OrganisationSchema) }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const all = await app.identity.directory.organisations();
      if (p.permissions.has('organisations.create')) return { organisations: all };
      const mine = p.via === 'token' ? new Set([p.orgId]) : new Set((await app.identity.sessions.organisationsOf(p.userId)).map((o) => o.id));
      return { organisations: all.filter((o) => mine.has(o.id)) };
    },
  );

  r.post(
    '/api/v1/organisations',
    {
      config: { policy: { permission: 'organisations.create' } },
      schema: {
        operationId: 'identity.createOrganisation',
        tags: TAGS,
        summary: 'Create an organisation on this node (admins of the operating organisation)',
        security: anyone,
        body: z.object({
          id: text(200, 'lowercase letters, digits and hyphens, 2 to 63'),
          name: text(1000, '2 to 200 characters'),
          kind: text(100, `one of: ${ORGANISATION_KINDS.join(', ')} (default: other)`).optional(),
          admin: z
            .object({ email: text(1000, 'email address'), name: text(1000, '1 to 200 characters'), locale: text(10, 'es (default) or en').optional() })
            .optional()
            .describe('its first admin, invited at once with a one-time enrolment link'),
        }),
        response: {
          201: OrganisationSchema.extend({
            admin: z.object({ userId: z.string(), enrolment: EnrolmentSchema.optional() }).optional(),
          }).meta({ id: 'NewOrganisation' }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { admin, ...created } = await app.identity.directory.createOrganisation(actor(request), request.body);
      if (!admin) return reply.code(201).send(created);
      const enrolment = admin.enrolment ? linkOf(app, request, admin.enrolment) : undefined;
      return reply.code(201).send({ ...created, admin: enrolment ? { userId: admin.userId, enrolment } : { userId: admin.userId } });
    },
  );

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

  r.get(
    '/api/v1/tokens',
    {
      config: { policy: 'person' },
      schema: {
        operationId: 'identity.listTokens',
        tags: TAGS,
        summary: 'One’s API tokens in the organisation one acts in (never their secrets)',
        security: personOnly,
        response: { 200: z.object({ tokens: z.array(TokenInfoSchema) }), ...errors },
      },
    },
    async (request) => ({ tokens: await app.identity.tokens.list(principalOf(request)) }),
  );

  r.post(
    '/api/v1/tokens',
    {
      config: { policy: 'person' },
      schema: {
        operationId: 'identity.createToken',
        tags: TAGS,
        summary: 'Make an API token with some of one’s own permissions; the secret is shown only in this answer',
        description: 'Only a person in a browser session may make tokens: a token cannot make tokens.',
        security: personOnly,
        body: z.object({
          name: text(1000, '1 to 100 characters'),
          scopes: z
            .array(text(100, 'permission'))
            .max(50)
            .describe(`permissions, among: ${ALL_PERMISSIONS.join(', ')}`),
          expiresInDays: z.number().optional().describe('1 to 365, default 90'),
        }),
        response: { 201: z.object({ token: z.string(), info: TokenInfoSchema }).meta({ id: 'NewApiToken' }), ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await app.identity.tokens.create(principalOf(request), request.body)),
  );

  r.delete(
    '/api/v1/tokens/:id',
    {
      config: { policy: 'person' },
      schema: {
        operationId: 'identity.revokeToken',
        tags: TAGS,
        summary: 'Revoke one of one’s API tokens',
        security: personOnly,
        params: z.object({ id: Id }),
        response: { 204: Empty, ...errors },
      },
    },
    async (request, reply) => {
      await app.identity.tokens.revoke(principalOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/api/v1/sessions',
    {
      config: { policy: 'person' },
      schema: {
        operationId: 'identity.listSessions',
        tags: TAGS,
        summary: 'One’s open sessions, the current one marked',
        security: personOnly,
        response: { 200: z.object({ sessions: z.array(SessionSchema) }), ...errors },
      },
    },
    async (request) => ({ sessions: await app.identity.sessions.list(principalOf(request)) }),
  );

  r.delete(
    '/api/v1/sessions/:id',
    {
      config: { policy: 'person' },
      schema: {
        operationId: 'identity.revokeSession',
        tags: TAGS,
        summary: 'End one of one’s sessions',
        security: personOnly,
        params: z.object({ id: Id }),
        response: { 204: Empty, ...errors },
      },
    },
    async (request, reply) => {
      await app.identity.sessions.revoke(principalOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/api/v1/audit',
    {
      config: { policy: { permission: 'audit.read' } },
      schema: {
        operationId: 'identity.auditEvents',
        tags: TAGS,
        summary: 'Security events naming one’s organisation, newest first, from the custody ledger',
        security: anyone,
        querystring: z.object({
          type: text(200, 'event type prefix, e.g. identity.login').optional(),
          user: text(200, 'only events about this user id').optional(),
          from: text(200, 'ISO 8601 date-time with offset (inclusive)').optional(),
          to: text(200, 'ISO 8601 date-time with offset').optional(),
          before: text(200, 'ledger index: events before it (the `next` of the previous page)').optional(),
          limit: text(200, '1 to 500, default 100').optional(),
        }),
        response: {
          200: z.object({ events: z.array(AuditEventSchema), next: z.number().optional().describe('pass as `before` for the next page') }),
          ...errors,
        },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return app.identity.auditLog.events(asActor(p), p.orgId, request.query);
    },
  );

  const CaseParam = z.object({ caseId: text(200, 'case identifier') });

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
      return { grants: await app.cases.access.list(asActor(p), p.orgId, request.params.caseId) };
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
      const grant = await app.cases.access.grant(asActor(p), p.orgId, { ...request.body, caseId: request.params.caseId });
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
      await app.cases.access.revoke(asActor(p), p.orgId, request.params.caseId, request.params.grantId);
      return reply.code(204).send(null);
    },
  );
}
