import { type RawBuilder, sql } from 'kysely';

/**
 * The need-to-know condition for lists: the row's case (`caseIdColumn`) has this person on its
 * access list in this organisation. A single-row read asks `Cases.require` or `canAccessCase` instead.
 */
export function onAccessList(caseIdColumn: string, userId: string, orgId: string): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from case_access as a where a.case_id = ${sql.ref(caseIdColumn)} and a.user_id = ${userId} and a.org_id = ${orgId} and a.revoked_at is null)`;
}
