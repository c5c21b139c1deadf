import type { Kysely } from 'kysely';
import { AppError } from '../../lib/errors.ts';
import type { BlobStore } from '../../storage/blobs/port.ts';
import type { Database, EvidenceItemTable } from '../../storage/db/schema.ts';
import type { Cases } from '../cases/index.ts';
import { type Actor, authorize, type IdentityDeps, type IdentityService, type Permission } from '../identity/index.ts';
import type { Audit, LedgerService } from '../ledger/index.ts';
import type { Acquisition, CustodyEventType, EvidenceItem } from './model.ts';
import type { VaultKeys } from './vault-keys.ts';

export interface VaultDeps extends IdentityDeps {
  identity: IdentityService;
  cases: Cases;
  ledgerService: LedgerService;
  store: BlobStore;
}

/** What every part of the vault shares: its dependencies and the keys, loaded once. */
export interface VaultContext {
  deps: VaultDeps;
  keys(): Promise<VaultKeys>;
}

/** The same decision for an item, by id: an item in a case one cannot see does not exist. */
export async function requireItem(ctx: VaultContext, actor: Actor, permission: Permission, orgId: string, itemId: string): Promise<ItemRow> {
  authorize(actor, permission, orgId);
  const row = await itemQuery(ctx.deps.db).where('i.id', '=', itemId).where('i.org_id', '=', orgId).executeTakeFirst();
  if (!row) throw new AppError('not_found', { message: `no evidence item ${itemId}` });
  if (actor.kind === 'principal') {
    if (!(await ctx.deps.cases.access.canAccessCase(actor.principal, row.case_id))) throw new AppError('not_found', { message: `no evidence item ${itemId}` });
  }
  return row;
}

export type ItemRow = EvidenceItemTable & { case_reference: string };

export function itemQuery(db: Kysely<Database>) {
  return db.selectFrom('evidence_items as i').innerJoin('cases as c', 'c.id', 'i.case_id').selectAll('i').select('c.reference as case_reference');
}

export function toItem(row: ItemRow): EvidenceItem {
  return {
    id: row.id,
    caseId: row.case_id,
    caseReference: row.case_reference,
    orgId: row.org_id,
    exhibit: row.exhibit,
    description: row.description,
    fileName: row.file_name,
    acquisition: JSON.parse(row.acquisition) as Acquisition,
    bytes: Number(row.bytes),
    sha256: row.sha256,
    ...(row.md5 ? { md5: row.md5 } : {}),
    ...(row.sha1 ? { sha1: row.sha1 } : {}),
    state: row.state as EvidenceItem['state'],
    createdAt: row.created_at,
    createdBy: row.created_by,
    ...(row.fixity_at ? { lastFixity: { at: row.fixity_at, ok: Number(row.fixity_ok) === 1 } } : {}),
    ...(row.destroyed_at ? { destroyedAt: row.destroyed_at } : {}),
  };
}

/**
 * A custody event as a ledger entry: about the item, its case and its organisation (so auditors
 * see it), naming the content's hash, with the actor and the reason.
 */
export function custodyEntry(
  item: { id: string; caseId: string; orgId: string; sha256: string; exhibit: string },
  event: CustodyEventType,
  reason: string,
  data: Record<string, string | number | boolean | null> = {},
  at?: string,
): Parameters<Audit>[0] {
  return {
    type: `evidence.${event}`,
    subjects: [`evidence:${item.id}`, `case:${item.caseId}`, `org:${item.orgId}`],
    hashes: { content: `sha256:${item.sha256}` },
    data: { exhibit: item.exhibit, reason, ...data },
    ...(at ? { at } : {}),
  };
}
