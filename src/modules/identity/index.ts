import type { ApiTokens } from './api-tokens.ts';
import type { AuditLog } from './audit-log.ts';
import type { Refused } from './denied.ts';
import type { Directory, Enrolment } from './directory.ts';
import type { Passkeys } from './passkeys.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { Sessions } from './sessions.ts';

/**
 * Identity, access and audit (PRODUCT.md C4): who is acting and what they may do. This module owns
 * the organisations, users, memberships (roles), enrolments, recovery codes, sessions, login
 * challenges and throttle, API tokens, passkeys, refused-access and rate-limit window tables, and
 * the decisions made on them: sign-in and its second factor, session lifetimes, the permissions of
 * each role (`authorize`), fresh authentication for sensitive actions and the general rate limit.
 * Every change it makes is a custody-ledger entry (identity.* events); the audit view reads them
 * back for an organisation's auditors.
 */
export interface IdentityService {
  directory: Directory;
  sessions: Sessions;
  tokens: ApiTokens;
  passkeys: Passkeys;
  auditLog: AuditLog;
  /** The general request limit per API token, session or (without a credential) source address. */
  rateLimiter: RateLimiter;
  /**
   * First start: with nobody on the node yet, creates the operating organisation and its first admin
   * and returns their one-time enrolment link; until that admin enrols, every start issues a fresh
   * link. Undefined once an admin is active.
   */
  ensureFirstAdmin(input: { email: string; organisationName: string }): Promise<Enrolment | undefined>;
  /**
   * A refused request is a security event too, recorded for the organisation's auditors: a
   * principal's first refusal in a minute at once, the rest of the minute summarised in one entry
   * with their count (refusals without a credential: one entry a minute for all, no address).
   */
  recordDenied(who: Refused, what: { method: string; route: string; permission: string }): Promise<void>;
  /** Writes the refusal windows whose minute is over into the ledger; returns how many entries it wrote. */
  flushDenied(): Promise<number>;
}

export type { ApiTokenInfo, ApiTokens } from './api-tokens.ts';
export type { AuditEvent, AuditLog, AuditReader } from './audit-log.ts';
export {
  type Actor,
  actorId,
  asActor,
  authorize,
  type IdentityDeps,
  type Principal,
  requireFreshAuthentication,
  systemActor,
} from './context.ts';
export type { Refused } from './denied.ts';
export type { Directory, Enrolment, Member, Organisation, PermissionHolders } from './directory.ts';
export type { Erasure } from './erasure.ts';
export type { PasskeyInfo, Passkeys, RelyingParty } from './passkeys.ts';
export { PASSWORD_MIN, type PasswordRule, passwordRules } from './passwords.ts';
export type { RateLimiter, RateLimits } from './rate-limit.ts';
export {
  ALL_PERMISSIONS,
  isPermission,
  isRole,
  OPERATOR_ORGANISATION,
  ORGANISATION_KINDS,
  PERMISSIONS,
  type Permission,
  permissionsOf,
  ROLES,
  type Role,
} from './roles.ts';
export { createIdentityService } from './service.ts';
export { type Client, type NewSession, REAUTH_MINUTES, SESSION_ABSOLUTE_HOURS, SESSION_IDLE_MINUTES, type SessionInfo, type Sessions } from './sessions.ts';
