import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { recordChange } from '../ledger/index.ts';
import { asActor, type IdentityDeps, nowIso, type Principal, principalFrom, requireFreshAuthentication } from './context.ts';
import { rolesIn } from './directory.ts';
import { isPermission, type Permission } from './roles.ts';
import { newSecret, secretHash } from './secrets.ts';

const MAX_DAYS = 365;
const TOUCH_SECONDS = 60;

export const NewApiToken = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.string().refine(isPermission, 'unknown permission')).min(1).max(20),
  expiresInDays: z.coerce.number().int().min(1).max(MAX_DAYS).default(90),
});

export interface ApiTokenInfo {
  id: string;
  name: string;
  orgId: string;
  scopes: Permission[];
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/**
 * API tokens for systems: a token acts for the person who made it, in one organisation, with at
 * most the permissions that person has there (now, not only when it was made), and expires.
 */
export interface ApiTokens {
  /** A new token (its secret shown once, stored only as a hash); needs a recent sign-in. */
  create(principal: Principal, input: unknown): Promise<{ token: string; info: ApiTokenInfo }>;
  list(principal: Principal): Promise<ApiTokenInfo[]>;
  revoke(principal: Principal, id: string): Promise<void>;
  /** The principal a bearer token acts as; undefined when unknown, revoked or expired. */
  authenticate(token: string): Promise<Principal | undefined>;
}

export function createApiTokens(deps: IdentityDeps): ApiTokens {
  const { db } = deps;

  return {
    async create(principal: Principal, input: unknown): Promise<{ token: string; info: ApiTokenInfo }> {
      requireFreshAuthentication(asActor(principal), deps.clock.now());
      const request = parseInput(NewApiToken, input);
      const scopes = [...new Set(request.scopes)] as Permission[];
      const beyond = scopes.filter((s) => !principal.permissions.has(s));
      if (beyond.length > 0) {
        throw new AppError('validation.failed', {
          message: `a token cannot have permissions its maker lacks: ${beyond.join(', ')}`,
          fields: [{ path: 'scopes', code: 'identity.scope_not_held', params: { scopes: beyond.join(', ') } }],
        });
      }
      const token = newSecret('cta');
      const at = deps.clock.now();
      const info: ApiTokenInfo = {
        id: randomUUID(),
        name: request.name,
        orgId: principal.orgId,
        scopes,
        createdAt: at.toISOString(),
        expiresAt: new Date(at.getTime() + request.expiresInDays * 86_400_000).toISOString(),
        lastUsedAt: null,
        revokedAt: null,
      };
      await recordChange(deps, `user:${principal.userId}`, async (trx, { audit }) => {
        await trx
          .insertInto('api_tokens')
          .values({
            id: info.id,
            token_hash: secretHash(token),
            org_id: info.orgId,
            user_id: principal.userId,
            name: info.name,
            scopes: scopes.join(' '),
            created_at: info.createdAt,
            expires_at: info.expiresAt,
            last_used_at: null,
            revoked_at: null,
          })
          .execute();
        audit({
          type: 'identity.token_created',
          subjects: [`user:${principal.userId}`, `org:${principal.orgId}`, `token:${info.id}`],
          data: { name: info.name, scopes: scopes.join(' '), expires: info.expiresAt },
        });
      });
      return { token, info };
    },

    async list(principal: Principal): Promise<ApiTokenInfo[]> {
      const rows = await db
        .selectFrom('api_tokens')
        .selectAll()
        .where('user_id', '=', principal.userId)
        .where('org_id', '=', principal.orgId)
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        orgId: r.org_id,
        scopes: r.scopes.split(' ').filter(isPermission),
        createdAt: r.created_at,
        expiresAt: r.expires_at,
        lastUsedAt: r.last_used_at,
        revokedAt: r.revoked_at,
      }));
    },

    async revoke(principal: Principal, id: string): Promise<void> {
      await recordChange(deps, `user:${principal.userId}`, async (trx, { audit }) => {
        const done = await trx
          .updateTable('api_tokens')
          .set({ revoked_at: nowIso(deps) })
          .where('id', '=', id)
          .where('user_id', '=', principal.userId)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (Number(done.numUpdatedRows) !== 1) throw new AppError('not_found', { message: 'no such token' });
        audit({ type: 'identity.token_revoked', subjects: [`user:${principal.userId}`, `org:${principal.orgId}`, `token:${id}`], data: {} });
      });
    },

    /** The principal a bearer token acts as; undefined when unknown, revoked or expired. */
    async authenticate(token: string): Promise<Principal | undefined> {
      if (!/^cta_[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
      const row = await db.selectFrom('api_tokens').selectAll().where('token_hash', '=', secretHash(token)).executeTakeFirst();
      const at = deps.clock.now().getTime();
      if (!row || row.revoked_at !== null || Date.parse(row.expires_at) <= at) return undefined;
      const user = await db.selectFrom('users').select(['id', 'email', 'name', 'locale', 'status']).where('id', '=', row.user_id).executeTakeFirst();
      const org = await db.selectFrom('organisations').select(['id', 'name', 'operator']).where('id', '=', row.org_id).executeTakeFirst();
      if (!user || !org || user.status !== 'active') return undefined;
      const base = principalFrom(user, org, await rolesIn(db, user.id, org.id));
      const scopes = new Set(row.scopes.split(' ').filter(isPermission));
      if (!row.last_used_at || at - Date.parse(row.last_used_at) > TOUCH_SECONDS * 1000) {
        await db
          .updateTable('api_tokens')
          .set({ last_used_at: new Date(at).toISOString() })
          .where('id', '=', row.id)
          .execute();
      }
      return { ...base, via: 'token', tokenId: row.id, permissions: new Set([...base.permissions].filter((p) => scopes.has(p))) };
    },
  };
}
