import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { AppError } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import type { Database } from '../../storage/db/schema.ts';
import { type Actor, actorId, authorize, type Principal, requireFreshAuthentication } from '../identity/index.ts';
import { type Audit, recordChange } from '../ledger/index.ts';
import { type CasesDeps, nowIso } from './context.ts';
import type { CaseAccess, CaseAccessGrant } from './index.ts';

export const CaseId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, 'letters, digits and . _ : -, up to 100');

const Grant = z.object({
  caseId: CaseId,
  userId: z.string().uuid(),
  reason: z.string().trim().min(5).max(500),
});

/**
 * Need-to-know: a case is visible only to the people on its access list, each with a recorded
 * reason, and only while they act in the organisation the grant names. Nobody else sees it — not
 * an admin, not another organisation. Every case-bearing module asks `canAccessCase`.
 */
export function createCaseAccess(deps: CasesDeps): CaseAccess {
  const { db } = deps;

  /** Records a grant (refusing a second active one) and its audit event, inside the caller's transaction. */
  async function insertGrant(trx: Kysely<Database>, audit: Audit, row: CaseAccessGrant): Promise<void> {
    const active = await trx
      .selectFrom('case_access')
      .select('id')
      .where('case_id', '=', row.caseId)
      .where('user_id', '=', row.userId)
      .where('org_id', '=', row.orgId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (active)
      throw new AppError('identity.access_exists', {
        message: 'this person already has access to the case',
        fields: [{ path: 'userId', code: 'identity.access_exists' }],
      });
    await trx
      .insertInto('case_access')
      .values({
        id: row.id,
        case_id: row.caseId,
        org_id: row.orgId,
        user_id: row.userId,
        reason: row.reason,
        granted_by: row.grantedBy,
        granted_at: row.grantedAt,
        revoked_at: null,
        revoked_by: null,
      })
      .execute();
    audit({ type: 'identity.case_access_granted', subjects: [`case:${row.caseId}`, `user:${row.userId}`, `org:${row.orgId}`], data: { reason: row.reason } });
  }

  /** The check every case-bearing module makes before showing or changing anything about a case. */
  async function canAccessCase(principal: Principal, caseId: string): Promise<boolean> {
    const row = await db
      .selectFrom('case_access')
      .select('id')
      .where('case_id', '=', caseId)
      .where('user_id', '=', principal.userId)
      .where('org_id', '=', principal.orgId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row !== undefined;
  }

  return {
    /**
     * For the module that creates a case: the first grants go in the same transaction as the case,
     * so a case never exists without someone who may see it.
     */
    async grantWithin(
      trx: Kysely<Database>,
      audit: Audit,
      grant: { caseId: string; orgId: string; userId: string; reason: string; grantedBy: string },
    ): Promise<CaseAccessGrant> {
      const row: CaseAccessGrant = { id: randomUUID(), ...grant, grantedAt: nowIso(deps), revokedAt: null };
      await insertGrant(trx, audit, row);
      return row;
    },

    async grant(actor: Actor, orgId: string, input: unknown): Promise<CaseAccessGrant> {
      authorize(actor, 'cases.access.manage', orgId);
      requireFreshAuthentication(actor, deps.clock.now());
      const grant = parseInput(Grant, input);
      // Access is granted to a case of this organisation: any other id does not exist here.
      const owned = await db.selectFrom('cases').select('id').where('id', '=', grant.caseId).where('org_id', '=', orgId).executeTakeFirst();
      if (!owned) throw new AppError('not_found', { message: `no case ${grant.caseId}` });
      if ((await deps.identity.directory.rolesOf(grant.userId, orgId)).length === 0) {
        throw new AppError('validation.failed', {
          message: 'access is granted to members of the organisation',
          fields: [{ path: 'userId', code: 'identity.not_a_member' }],
        });
      }
      const row: CaseAccessGrant = { id: randomUUID(), ...grant, orgId, grantedBy: actorId(actor), grantedAt: nowIso(deps), revokedAt: null };
      await recordChange(deps, actorId(actor), (trx, { audit }) => insertGrant(trx, audit, row));
      return row;
    },

    async revoke(actor: Actor, orgId: string, caseId: string, grantId: string): Promise<void> {
      authorize(actor, 'cases.access.manage', orgId);
      requireFreshAuthentication(actor, deps.clock.now());
      await recordChange(deps, actorId(actor), async (trx, { audit }) => {
        const row = await trx
          .selectFrom('case_access')
          .selectAll()
          .where('id', '=', grantId)
          .where('case_id', '=', caseId)
          .where('org_id', '=', orgId)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (!row) throw new AppError('not_found', { message: 'no such access grant' });
        await trx
          .updateTable('case_access')
          .set({ revoked_at: nowIso(deps), revoked_by: actorId(actor) })
          .where('id', '=', grantId)
          .execute();
        audit({ type: 'identity.case_access_revoked', subjects: [`case:${row.case_id}`, `user:${row.user_id}`, `org:${orgId}`], data: {} });
      });
    },

    async list(actor: Actor, orgId: string, caseId: string): Promise<CaseAccessGrant[]> {
      authorize(actor, 'cases.access.read', orgId);
      const rows = await db.selectFrom('case_access').selectAll().where('case_id', '=', caseId).where('org_id', '=', orgId).orderBy('granted_at').execute();
      return rows.map((r) => ({
        id: r.id,
        caseId: r.case_id,
        orgId: r.org_id,
        userId: r.user_id,
        reason: r.reason,
        grantedBy: r.granted_by,
        grantedAt: r.granted_at,
        revokedAt: r.revoked_at,
      }));
    },

    canAccessCase,

    /** Like canAccessCase, but refuses — as "not found", so that the case's existence does not leak. */
    async requireCaseAccess(principal: Principal, caseId: string): Promise<void> {
      if (!(await canAccessCase(principal, caseId))) throw new AppError('not_found', { message: `no case ${caseId}` });
    },
  };
}
