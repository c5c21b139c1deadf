import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import type { DialectName } from '../../storage/db/dialect.ts';
import type { Database } from '../../storage/db/schema.ts';
import type { ChangeLedger } from '../ledger/index.ts';
import { type Permission, permissionsOf, type Role } from './roles.ts';

export interface IdentityDeps {
  db: Kysely<Database>;
  dialect: DialectName;
  clock: Clock;
  timeZone: string;
  log: Logger;
  /** Where security events are recorded, in the transaction of the change they describe. */
  ledger: ChangeLedger;
  /** Key-encryption key: TOTP seeds are sealed under it. */
  kek: Buffer;
}

/** Someone authenticated, acting in one organisation: by a browser session or by an API token. */
export interface Principal {
  via: 'session' | 'token';
  userId: string;
  email: string;
  name: string;
  locale: string;
  orgId: string;
  orgName: string;
  operatorOrganisation: boolean;
  roles: Role[];
  permissions: ReadonlySet<Permission>;
  sessionId?: string;
  tokenId?: string;
  /** When the password and second factor were last checked (sessions only). */
  authenticatedAt?: string;
  csrfToken?: string;
}

/** Who is asking: a principal, or the node's own operator at the shell (CLI, first start). */
export type Actor = { kind: 'principal'; principal: Principal } | { kind: 'system'; name: string };

export const systemActor = (name: string): Actor => ({ kind: 'system', name });
export const asActor = (principal: Principal): Actor => ({ kind: 'principal', principal });

export function actorId(actor: Actor): string {
  return actor.kind === 'system' ? `system:${actor.name}` : `user:${actor.principal.userId}`;
}

export function principalFrom(
  user: { id: string; email: string; name: string; locale: string },
  org: { id: string; name: string; operator: number },
  roles: Role[],
): Omit<Principal, 'via'> {
  return {
    userId: user.id,
    email: user.email,
    name: user.name,
    locale: user.locale,
    orgId: org.id,
    orgName: org.name,
    operatorOrganisation: org.operator === 1,
    roles,
    permissions: permissionsOf(roles, org.operator === 1),
  };
}

/**
 * The one authorisation decision of this module: the operator at the shell may do anything; a
 * principal needs the permission, in the organisation concerned, and acts only in its own.
 */
export function authorize(actor: Actor, permission: Permission, orgId: string | undefined): void {
  if (actor.kind === 'system') return;
  const { principal } = actor;
  const inOrganisation = orgId === undefined || orgId === principal.orgId;
  if (!inOrganisation || !principal.permissions.has(permission)) {
    throw new AppError('forbidden', {
      message: `not allowed: ${permission}${orgId ? ` in ${orgId}` : ''}`,
      params: { permission },
    });
  }
}

/** How recent a sign-in (or confirmation) must be for sensitive actions. */
export const REAUTH_MINUTES = 10;

/**
 * Sensitive actions (granting power or access, minting credentials) need a person who signed in or
 * confirmed their identity in the last few minutes. The shell operator and API tokens (whose scope a
 * fresh session granted) are not asked.
 */
export function requireFreshAuthentication(actor: Actor, now: Date): void {
  if (actor.kind === 'system' || actor.principal.via === 'token') return;
  const at = actor.principal.authenticatedAt;
  if (!at || now.getTime() - Date.parse(at) > REAUTH_MINUTES * 60_000) {
    throw new AppError('identity.reauthentication_required', { message: 'confirm your password and code to continue' });
  }
}

export const nowIso = (deps: IdentityDeps): string => deps.clock.now().toISOString();
