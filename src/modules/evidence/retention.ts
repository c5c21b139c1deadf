import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../lib/errors.ts';
import { isoWithOffset } from '../../lib/time.ts';
import { parseInput } from '../../lib/validation.ts';
import type { LegalHoldTable } from '../../storage/db/schema.ts';
import { type Actor, actorId } from '../identity/index.ts';
import { recordChange } from '../ledger/index.ts';
import { custodyEntry, itemQuery, requireItem, toItem, type VaultContext } from './context.ts';

const Reason = z.string().trim().min(3, 'say why (at least 3 characters)').max(1000);
const RetentionInput = z.object({
  /** The last day the evidence must be kept (YYYY-MM-DD), e.g. when the statute of limitation runs out. */
  keepUntil: z.iso.date({ message: 'expected a date, YYYY-MM-DD' }),
  /** Why that date: the offence's statute of limitation and its article, or the order. */
  basis: z.string().trim().min(3).max(1000),
});
const HoldInput = z.object({ reason: Reason, itemId: z.string().uuid().optional() });

export interface LegalHold {
  id: string;
  caseId: string;
  itemId: string | null;
  reason: string;
  setBy: string;
  setAt: string;
  liftedAt: string | null;
  liftedBy: string | null;
  liftReason: string | null;
}

export interface Retention {
  keepUntil: string;
  basis: string;
  setBy: string;
  setAt: string;
}

/**
 * How long a case's evidence is kept (tied to the statute of limitation), legal holds that stop its
 * destruction, and destruction itself: the blob goes, the record stays marked destroyed, and the
 * ledger keeps the hash and the event.
 */
export function createRetention(ctx: VaultContext) {
  const { db } = ctx.deps;

  async function activeHolds(caseId: string, itemId?: string): Promise<LegalHold[]> {
    let q = db.selectFrom('legal_holds').selectAll().where('case_id', '=', caseId).where('lifted_at', 'is', null);
    if (itemId) q = q.where((eb) => eb.or([eb('item_id', 'is', null), eb('item_id', '=', itemId)]));
    return (await q.orderBy('set_at').execute()).map(toHold);
  }

  async function caseItems(caseId: string, itemId?: string) {
    let q = itemQuery(db).where('i.case_id', '=', caseId).where('i.state', '=', 'stored');
    if (itemId) q = q.where('i.id', '=', itemId);
    return (await q.execute()).map(toItem);
  }

  return {
    async retention(actor: Actor, orgId: string, caseReference: string): Promise<{ retention?: Retention; holds: LegalHold[] }> {
      const kase = await ctx.deps.cases.require(actor, 'evidence.read', orgId, caseReference);
      const row = await db.selectFrom('case_retention').selectAll().where('case_id', '=', kase.id).executeTakeFirst();
      const holds = (await db.selectFrom('legal_holds').selectAll().where('case_id', '=', kase.id).orderBy('set_at', 'desc').execute()).map(toHold);
      return { ...(row ? { retention: { keepUntil: row.keep_until, basis: row.basis, setBy: row.set_by, setAt: row.set_at } } : {}), holds };
    },

    async setRetention(actor: Actor, orgId: string, caseReference: string, input: unknown): Promise<Retention> {
      const kase = await ctx.deps.cases.require(actor, 'evidence.retention', orgId, caseReference);
      const wanted = parseInput(RetentionInput, input, '', 'evidence');
      const now = ctx.deps.clock.now().toISOString();
      const value = { keepUntil: wanted.keepUntil, basis: wanted.basis, setBy: actorId(actor), setAt: now };
      await recordChange(ctx.deps, actorId(actor), async (trx, { audit }) => {
        await trx.deleteFrom('case_retention').where('case_id', '=', kase.id).execute();
        await trx
          .insertInto('case_retention')
          .values({ case_id: kase.id, keep_until: value.keepUntil, basis: value.basis, set_by: value.setBy, set_at: now })
          .execute();
        audit({
          type: 'evidence.retention_set',
          subjects: [`case:${kase.id}`, `org:${kase.orgId}`],
          data: { keepUntil: value.keepUntil, basis: value.basis },
        });
      });
      return value;
    },

    /** A legal hold on the whole case or one item: a custody event on every item it covers. */
    async setHold(actor: Actor, orgId: string, caseReference: string, input: unknown): Promise<LegalHold> {
      const kase = await ctx.deps.cases.require(actor, 'evidence.retention', orgId, caseReference);
      const wanted = parseInput(HoldInput, input, '', 'evidence');
      const covered = await caseItems(kase.id, wanted.itemId);
      if (wanted.itemId && covered.length === 0) throw new AppError('not_found', { message: `no evidence item ${wanted.itemId} in this case` });
      const hold: LegalHold = {
        id: randomUUID(),
        caseId: kase.id,
        itemId: wanted.itemId ?? null,
        reason: wanted.reason,
        setBy: actorId(actor),
        setAt: ctx.deps.clock.now().toISOString(),
        liftedAt: null,
        liftedBy: null,
        liftReason: null,
      };
      await recordChange(ctx.deps, actorId(actor), async (trx, { audit }) => {
        await trx
          .insertInto('legal_holds')
          .values({
            id: hold.id,
            case_id: hold.caseId,
            item_id: hold.itemId,
            reason: hold.reason,
            set_by: hold.setBy,
            set_at: hold.setAt,
            lifted_by: null,
            lifted_at: null,
            lift_reason: null,
          })
          .execute();
        for (const item of covered) audit(custodyEntry(item, 'legal_hold_set', hold.reason, { hold: hold.id }));
        if (covered.length === 0)
          audit({ type: 'evidence.legal_hold_set', subjects: [`case:${kase.id}`, `org:${kase.orgId}`], data: { hold: hold.id, reason: hold.reason } });
      });
      return hold;
    },

    async liftHold(actor: Actor, orgId: string, caseReference: string, holdId: string, input: unknown): Promise<void> {
      const kase = await ctx.deps.cases.require(actor, 'evidence.retention', orgId, caseReference);
      const { reason } = parseInput(z.object({ reason: Reason }), input, '', 'evidence');
      const row = await db.selectFrom('legal_holds').selectAll().where('id', '=', holdId).where('case_id', '=', kase.id).executeTakeFirst();
      if (!row) throw new AppError('not_found', { message: `no legal hold ${holdId}` });
      if (row.lifted_at) throw new AppError('evidence.hold_lifted', { message: 'this legal hold was already lifted' });
      const covered = await caseItems(kase.id, row.item_id ?? undefined);
      const now = ctx.deps.clock.now().toISOString();
      await recordChange(ctx.deps, actorId(actor), async (trx, { audit }) => {
        await trx
          .updateTable('legal_holds')
          .set({ lifted_at: now, lifted_by: actorId(actor), lift_reason: reason })
          .where('id', '=', holdId)
          .execute();
        for (const item of covered) audit(custodyEntry(item, 'legal_hold_lifted', reason, { hold: holdId }));
        if (covered.length === 0)
          audit({ type: 'evidence.legal_hold_lifted', subjects: [`case:${kase.id}`, `org:${kase.orgId}`], data: { hold: holdId, reason } });
      });
    },

    /**
     * Destroys an item's content once its case's retention period is over and no legal hold covers
     * it. The record stays (state destroyed) and the ledger keeps the hash and the event; the blob is
     * deleted after the commit, unless identical content of another item still needs it.
     */
    async destroy(actor: Actor, orgId: string, itemId: string, input: unknown): Promise<void> {
      const row = await requireItem(ctx, actor, 'evidence.destroy', orgId, itemId);
      const { reason } = parseInput(z.object({ reason: Reason }), input, '', 'evidence');
      const item = toItem(row);
      if (item.state === 'destroyed') throw new AppError('evidence.destroyed', { message: `exhibit ${item.exhibit} was already destroyed` });
      const holds = await activeHolds(item.caseId, item.id);
      if (holds.length > 0) {
        throw new AppError('evidence.legal_hold', {
          message: `a legal hold covers exhibit ${item.exhibit}: ${holds[0]?.reason}`,
          params: { hold: holds[0]?.id ?? '' },
        });
      }
      const retention = await db.selectFrom('case_retention').selectAll().where('case_id', '=', item.caseId).executeTakeFirst();
      // The date as the node's time zone has it: a period ends at the local day's end, not UTC's.
      const today = isoWithOffset(ctx.deps.clock.now(), ctx.deps.timeZone).slice(0, 10);
      if (!retention) throw new AppError('evidence.retention_unset', { message: 'set the case’s retention period before destroying its evidence' });
      if (retention.keep_until >= today) {
        throw new AppError('evidence.retention_active', {
          message: `the case’s evidence must be kept until ${retention.keep_until} (${retention.basis})`,
          params: { keepUntil: retention.keep_until },
        });
      }
      const now = ctx.deps.clock.now().toISOString();
      await recordChange(ctx.deps, actorId(actor), async (trx, { audit, shred }) => {
        await trx.updateTable('evidence_items').set({ state: 'destroyed', destroyed_at: now }).where('id', '=', item.id).execute();
        audit(custodyEntry(item, 'destroyed', reason, { bytes: item.bytes }));
        // Retention is over: the item's custody entries, its destruction included, are crypto-shredded. The
        // case keeps one `ledger.shredded` entry saying how many and why; the public log keeps leaves
        // that nothing can link to the item any more.
        await shred({ subject: `evidence:${item.id}`, reason: 'retention', record: { subjects: [`case:${item.caseId}`, `org:${item.orgId}`] } });
      });
      const stillNeeded = await db
        .selectFrom('evidence_items')
        .select('id')
        .where('blob_key', '=', row.blob_key)
        .where('state', '=', 'stored')
        .executeTakeFirst();
      if (!stillNeeded) await ctx.deps.store.delete(row.blob_key);
    },
  };
}

function toHold(r: LegalHoldTable): LegalHold {
  return {
    id: r.id,
    caseId: r.case_id,
    itemId: r.item_id,
    reason: r.reason,
    setBy: r.set_by,
    setAt: r.set_at,
    liftedAt: r.lifted_at,
    liftedBy: r.lifted_by,
    liftReason: r.lift_reason,
  };
}

export type RetentionService = ReturnType<typeof createRetention>;
