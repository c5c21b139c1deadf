import { z } from 'zod';
import { ALL_PERMISSIONS } from '../../../modules/identity/index.ts';
import { principalOf } from '../../context.ts';
import type { ApiServer } from '../schemas.ts';
import { identityRoute, PermissionName, Role } from './shared.ts';

/** Who is asking: the person, the organisation they act in, their roles and permissions. */
export function registerMeRoutes(r: ApiServer): void {
  r.get(
    '/api/v1/me',
    identityRoute('signed-in', {
      operationId: 'identity.me',
      summary: 'Who is asking: the person, the organisation they act in, their roles and permissions, and how they signed in',
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
      },
    }),
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
}
