export type { ApiTokenInfo } from './api-tokens.ts';
export type { AuditEvent } from './audit-log.ts';
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
export type { Enrolment, Member, Organisation } from './directory.ts';
export type { PasskeyInfo, RelyingParty } from './passkeys.ts';
export { PASSWORD_MIN } from './passwords.ts';
export { ALL_PERMISSIONS, isRole, OPERATOR_ORGANISATION, ORGANISATION_KINDS, PERMISSIONS, type Permission, permissionsOf, ROLES, type Role } from './roles.ts';
export { createIdentityService, type IdentityService } from './service.ts';
export { type Client, type NewSession, REAUTH_MINUTES, SESSION_ABSOLUTE_HOURS, SESSION_IDLE_MINUTES, type SessionInfo } from './sessions.ts';
