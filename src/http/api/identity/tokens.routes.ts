import { z } from 'zod';
import type { App } from '../../../app.ts';
import { ALL_PERMISSIONS } from '../../../modules/identity/index.ts';
import { principalOf } from '../../context.ts';
import { type ApiServer, Empty, text } from '../schemas.ts';
import { Id, identityRoute, PermissionName } from './shared.ts';

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

export function registerTokenRoutes(r: ApiServer, app: App): void {
  r.get(
    '/api/v1/tokens',
    identityRoute('person', {
      operationId: 'identity.listTokens',
      summary: 'One’s API tokens in the organisation one acts in (never their secrets)',
      response: { 200: z.object({ tokens: z.array(TokenInfoSchema) }) },
    }),
    async (request) => ({ tokens: await app.identity.tokens.list(principalOf(request)) }),
  );

  r.post(
    '/api/v1/tokens',
    identityRoute('person', {
      operationId: 'identity.createToken',
      summary: 'Make an API token with some of one’s own permissions; the secret is shown only in this answer',
      description: 'Only a person in a browser session may make tokens: a token cannot make tokens.',
      body: z.object({
        name: text(1000, '1 to 100 characters'),
        scopes: z
          .array(text(100, 'permission'))
          .max(50)
          .describe(`permissions, among: ${ALL_PERMISSIONS.join(', ')}`),
        expiresInDays: z.number().optional().describe('1 to 365, default 90'),
      }),
      response: { 201: z.object({ token: z.string(), info: TokenInfoSchema }).meta({ id: 'NewApiToken' }) },
    }),
    async (request, reply) => reply.code(201).send(await app.identity.tokens.create(principalOf(request), request.body)),
  );

  r.delete(
    '/api/v1/tokens/:id',
    identityRoute('person', {
      operationId: 'identity.revokeToken',
      summary: 'Revoke one of one’s API tokens',
      params: z.object({ id: Id }),
      response: { 204: Empty },
    }),
    async (request, reply) => {
      await app.identity.tokens.revoke(principalOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}
