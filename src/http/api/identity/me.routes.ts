import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ALL_PERMISSIONS } from '../../../modules/identity/index.ts';
import { principalOf } from '../../context.ts';
import { anyone, signedInProblems as errors } from '../schemas.ts';
import { PermissionName, Role, TAGS } from './shared.ts';

/** Who is asking: the person, the organisation they act in, their roles and permissions. */
export function registerMeRoutes(server: FastifyInstance): void {
  const r = server.withTypeProvider<ZodTypeProvider>();

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
}
