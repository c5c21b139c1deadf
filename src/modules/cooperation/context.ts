import type { Kysely } from 'kysely';
import { AppError } from '../../lib/errors.ts';
import type { Database } from '../../storage/db/schema.ts';
import type { Cases } from '../cases/index.ts';
import { type Actor, authorize, type IdentityDeps, type IdentityService, type Permission } from '../identity/index.ts';
import type { KnowledgeService } from '../knowledge/index.ts';
import type { RequestState } from './lifecycle.ts';
import type { Direction, LinkKind, RequestRecord, RequestType, Urgency } from './model.ts';

export interface CooperationDeps extends IdentityDeps {
  identity: IdentityService;
  cases: Cases;
  knowledge: KnowledgeService;
  /** The ledger's origin line, printed on documents beside the entry index. */
  logOrigin: string;
}

export function requestQuery(db: Kysely<Database>) {
  return db.selectFrom('coop_requests as r').innerJoin('cases as c', 'c.id', 'r.case_id').selectAll('r').select('c.reference as case_reference');
}
export type RequestRow = Awaited<ReturnType<ReturnType<typeof requestQuery>['executeTakeFirstOrThrow']>>;

/** One request by reference, for someone who may read it; a request in an unseen case does not exist. */
export async function requireRequest(
  deps: CooperationDeps,
  actor: Actor,
  permission: Permission,
  orgId: string,
  reference: string,
  db: Kysely<Database> = deps.db,
): Promise<RequestRow> {
  authorize(actor, permission, orgId);
  const row = await requestQuery(db).where('r.org_id', '=', orgId).where('r.reference', '=', reference).executeTakeFirst();
  if (!row) throw new AppError('not_found', { message: `no request ${reference}` });
  if (actor.kind === 'principal' && !(await deps.cases.access.canAccessCase(actor.principal, row.case_id))) {
    throw new AppError('not_found', { message: `no request ${reference}` });
  }
  return row;
}

export function toRequest(row: RequestRow): RequestRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    caseId: row.case_id,
    caseReference: row.case_reference,
    reference: row.reference,
    direction: row.direction as Direction,
    type: row.measure as RequestType,
    instrument: row.instrument,
    requestingState: row.requesting_state,
    requestedState: row.requested_state,
    requestingAuthority: row.requesting_authority,
    requestedAuthority: row.requested_authority,
    kbVersion: row.kb_version,
    content: JSON.parse(row.content) as Record<string, string>,
    urgency: row.urgency as Urgency,
    urgencyJustification: row.urgency_justification,
    confidential: row.confidential === 1,
    noNotification: row.no_notification === 1,
    languages: JSON.parse(row.languages) as string[],
    conducts: JSON.parse(row.conducts) as string[],
    dueAt: row.due_at,
    state: row.state as RequestState,
    version: row.version,
    parentId: row.parent_id,
    linkKind: row.link_kind as LinkKind | null,
    draftedBy: row.drafted_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    sentAt: row.sent_at,
    answeredAt: row.answered_at,
    closedAt: row.closed_at,
  };
}
