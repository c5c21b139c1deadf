// An API token for a benchmark: made by a person of the organisation as a fresh browser session
// would, without going through the login pages (which would add argon2id hashing to the figures).
import type { App } from '../../src/app.ts';
import { principalFrom } from '../../src/modules/identity/context.ts';
import type { Principal, Role } from '../../src/modules/identity/index.ts';

export async function seedToken(app: App, email: string, orgId: string): Promise<string> {
  const user = await app.db.kysely.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
  const org = await app.db.kysely.selectFrom('organisations').selectAll().where('id', '=', orgId).executeTakeFirstOrThrow();
  const roles = (await app.db.kysely.selectFrom('memberships').select('role').where('user_id', '=', user.id).where('org_id', '=', orgId).execute()).map(
    (r) => r.role as Role,
  );
  const principal: Principal = { ...principalFrom(user, org, roles), via: 'session', authenticatedAt: app.clock.now().toISOString() };
  const made = await app.identity.tokens.create(principal, { name: 'bench', scopes: [...principal.permissions], expiresInDays: 1 });
  return made.token;
}
