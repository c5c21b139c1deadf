import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { App } from '../../../app.ts';
import { ALL_PERMISSIONS, asActor, type Enrolment, type Permission, ROLES } from '../../../modules/identity/index.ts';
import { principalOf } from '../../context.ts';
import { personOnly, signedIn, text } from '../schemas.ts';

/** What the identity route files share: the tag, identifiers, roles and permissions, enrolment links. */
export const TAGS = ['identity'];
export const Id = text(100, 'identifier');

export const Role = z.enum(ROLES);
export const PermissionName = z.enum(ALL_PERMISSIONS as [string, ...string[]]);

export const EnrolmentSchema = z
  .object({
    token: z.string().describe('one-time secret, shown only in this answer'),
    url: z.string().describe('the link to send to the person'),
    expiresAt: z.string(),
  })
  .meta({ id: 'Enrolment' });

/** An enrolment link as answered: it points to the configured public URL, else to the origin the caller used. */
export function linkOf(app: App, request: FastifyRequest, enrolment: Enrolment) {
  const base = (app.config.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/$/, '');
  return { token: enrolment.token, url: `${base}/enrol/${enrolment.token}`, expiresAt: enrolment.expiresAt };
}

/** The caller as the identity module's actor. */
export const actor = (request: FastifyRequest) => asActor(principalOf(request));

/**
 * An identity route's options: `person` routes (one's own tokens and sessions) take only a browser
 * session; `signed-in` routes any principal; a permission, a principal holding it.
 */
export function identityRoute<S extends { response: Record<number, z.ZodType> }>(policy: Permission | 'person' | 'signed-in', schema: S) {
  if (policy === 'person') return signedIn(policy, schema, { tags: TAGS, security: personOnly });
  return signedIn(policy === 'signed-in' ? policy : { permission: policy }, schema, { tags: TAGS });
}
