import { z } from 'zod';
import type { App } from '../../../app.ts';
import { ORGANISATION_KINDS } from '../../../modules/identity/index.ts';
import { principalOf } from '../../context.ts';
import { type ApiServer, text } from '../schemas.ts';
import { actor, EnrolmentSchema, identityRoute, linkOf } from './shared.ts';

/** The organisations on this node: those one belongs to, and new ones with their first admin. */
const OrganisationSchema = z
  .object({ id: z.string(), name: z.string(), kind: z.string(), operator: z.boolean(), createdAt: z.string() })
  .meta({ id: 'Organisation' });

export function registerOrganisationRoutes(r: ApiServer, app: App): void {
  r.get(
    '/api/v1/organisations',
    identityRoute('signed-in', {
      operationId: 'identity.listOrganisations',
      summary: 'The organisations one belongs to (a token: the one it acts in); every organisation for those who may create them',
      response: { 200: z.object({ organisations: z.array(OrganisationSchema) }) },
    }),
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
    identityRoute('organisations.create', {
      operationId: 'identity.createOrganisation',
      summary: 'Create an organisation on this node (admins of the operating organisation)',
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
      },
    }),
    async (request, reply) => {
      const { admin, ...created } = await app.identity.directory.createOrganisation(actor(request), request.body);
      if (!admin) return reply.code(201).send(created);
      const enrolment = admin.enrolment ? linkOf(app, request, admin.enrolment) : undefined;
      return reply.code(201).send({ ...created, admin: enrolment ? { userId: admin.userId, enrolment } : { userId: admin.userId } });
    },
  );
}
