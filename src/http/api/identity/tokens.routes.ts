import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../../../app.ts';
import { ALL_PERMISSIONS } from '../../../modules/identity/index.ts';
import { principalOf } from '../../context.ts';
import { Empty, signedInProblems as errors, personOnly, text } from '../schemas.ts';
import { Id, PermissionName, TAGS } from './shared.ts';

/** One's own API tokens: only a person in a browser session may list, make or revoke them. */
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

export function registerTokenRoutes(server: FastifyInstance, app: App): void {
  const r = server.withTypeProvider<ZodTypeProvider>();

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
}
