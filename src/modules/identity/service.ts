import { recordChange } from '../ledger/index.ts';
import { createApiTokens } from './api-tokens.ts';
import { type AuditReader, createAuditLog } from './audit-log.ts';
import { type Actor, actorId, type IdentityDeps, systemActor } from './context.ts';
import { createDirectory, type Enrolment } from './directory.ts';
import type { IdentityService } from './index.ts';
import { createPasskeys } from './passkeys.ts';
import { OPERATOR_ORGANISATION } from './roles.ts';
import { createSessions } from './sessions.ts';

/** Identity, access and audit (PRODUCT.md C4): every other module asks it who is acting and what they may do. */
export function createIdentityService(deps: IdentityDeps & { auditReader: AuditReader }): IdentityService {
  const directory = createDirectory(deps);
  const sessions = createSessions(deps);
  const tokens = createApiTokens(deps);
  const passkeys = createPasskeys(deps, sessions);
  const auditLog = createAuditLog(deps, deps.auditReader);

  return {
    directory,
    sessions,
    tokens,
    passkeys,
    auditLog,

    /**
     * First start: with nobody on the node yet, creates the operating organisation and its first
     * admin, and returns a one-time enrolment link code. Until that admin enrols, every start
     * issues a fresh link (the earlier one stops working). No password exists anywhere by default.
     */
    async ensureFirstAdmin(input: { email: string; organisationName: string }): Promise<Enrolment | undefined> {
      const system = systemActor('first-start');
      if (!(await directory.organisation(OPERATOR_ORGANISATION))) {
        await directory.createOrganisation(system, { id: OPERATOR_ORGANISATION, name: input.organisationName, kind: 'operator' }, { operator: true });
      }
      const admins = await deps.db
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select(['users.id', 'users.status'])
        .where('memberships.org_id', '=', OPERATOR_ORGANISATION)
        .where('memberships.role', '=', 'admin')
        .execute();
      if (admins.some((a) => a.status === 'active')) return undefined;
      const pending = admins[0];
      if (pending) return directory.reissueEnrolment(system, OPERATOR_ORGANISATION, pending.id);
      const created = await directory.createUser(system, { email: input.email, name: 'Administrator', orgId: OPERATOR_ORGANISATION, roles: ['admin'] });
      return created.enrolment;
    },

    /** A refused request is a security event too: recorded for the organisation's auditors. */
    async recordDenied(actor: Actor, what: { method: string; route: string; permission: string }): Promise<void> {
      const subjects =
        actor.kind === 'principal'
          ? [`user:${actor.principal.userId}`, `org:${actor.principal.orgId}`]
          : ['identity:anonymous', `org:${OPERATOR_ORGANISATION}`];
      await recordChange(deps, actorId(actor), async (_trx, { audit }) => {
        audit({ type: 'identity.access_denied', subjects, data: { method: what.method, route: what.route.slice(0, 200), permission: what.permission } });
      });
    },
  };
}
