import { createApiTokens } from './api-tokens.ts';
import { type AuditReader, createAuditLog } from './audit-log.ts';
import { type IdentityDeps, systemActor } from './context.ts';
import { createDeniedAccess, type Refused } from './denied.ts';
import { createDirectory, type Enrolment } from './directory.ts';
import type { IdentityService } from './index.ts';
import { createPasskeys } from './passkeys.ts';
import { createRateLimiter, type RateLimits } from './rate-limit.ts';
import { OPERATOR_ORGANISATION } from './roles.ts';
import { createSessions } from './sessions.ts';

/** Identity, access and audit (PRODUCT.md C4): every other module asks it who is acting and what they may do. */
export function createIdentityService(deps: IdentityDeps & { auditReader: AuditReader; rateLimits: RateLimits }): IdentityService {
  const directory = createDirectory(deps);
  const sessions = createSessions(deps);
  const tokens = createApiTokens(deps);
  const passkeys = createPasskeys(deps, sessions);
  const deniedAccess = createDeniedAccess(deps);
  const auditReader = deps.auditReader;
  // Every audit view (page, API, CLI) first writes the refusal windows whose minute is over, as the
  // serving node does each minute, so that what an auditor reads is complete up to the last minute.
  const auditLog = createAuditLog(deps, {
    findEntries: async (query) => {
      await deniedAccess.flush();
      return auditReader.findEntries(query);
    },
  });
  const rateLimiter = createRateLimiter(deps, deps.rateLimits);

  return {
    directory,
    sessions,
    tokens,
    passkeys,
    auditLog,
    rateLimiter,

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

    /** A refused request is a security event too: counted for the organisation's auditors, a minute's refusals summarised in one entry. */
    recordDenied(who: Refused, what: { method: string; route: string; permission: string }): Promise<void> {
      return deniedAccess.record(who, what);
    },

    flushDenied(): Promise<number> {
      return deniedAccess.flush();
    },
  };
}
