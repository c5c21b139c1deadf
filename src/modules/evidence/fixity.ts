import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { openParallel } from '../../lib/age/parallel-open.ts';
import { AppError } from '../../lib/errors.ts';
import { streamed } from '../../lib/memory.ts';
import { type Actor, actorId, systemActor } from '../identity/index.ts';
import { recordChange } from '../ledger/index.ts';
import { custodyEntry, type ItemRow, itemQuery, requireItem, toItem, type VaultContext } from './context.ts';

export interface FixityResult {
  itemId: string;
  exhibit: string;
  ok: boolean;
  expected: string;
  /** The SHA-256 found, or why there is none (missing blob, decryption failure). */
  found?: string;
  problem?: string;
  checkedAt: string;
}

/**
 * Fixity: decrypt a stored item and hash it again. The outcome is written on the item and recorded in
 * the ledger; a mismatch is logged at error level, because it means evidence changed or was lost.
 */
export function createFixity(ctx: VaultContext) {
  const { db, log } = ctx.deps;

  async function check(actor: Actor, row: ItemRow): Promise<FixityResult> {
    const item = toItem(row);
    const hash = createHash('sha256');
    let found: string | undefined;
    let problem: string | undefined;
    try {
      const { identities } = await ctx.keys();
      const blob = await ctx.deps.store.get(row.blob_key);
      // Decrypted on the sealing pool's workers; this thread only hashes.
      for await (const plaintext of openParallel(blob, identities)) {
        hash.update(plaintext);
        streamed(plaintext.length);
      }
      found = hash.digest('hex');
    } catch (err) {
      problem = err instanceof AppError ? err.code : (err as Error).message;
    }
    const ok = found === item.sha256;
    const checkedAt = ctx.deps.clock.now().toISOString();
    await recordChange(ctx.deps, actorId(actor), async (trx, { audit }) => {
      await trx
        .updateTable('evidence_items')
        .set({ fixity_at: checkedAt, fixity_ok: ok ? 1 : 0 })
        .where('id', '=', item.id)
        .execute();
      audit(custodyEntry(item, 'fixity_checked', ok ? 'fixity verified' : 'FIXITY MISMATCH', { ok, found: found ?? null, problem: problem ?? null }));
    });
    if (!ok) log.error({ itemId: item.id, caseId: item.caseId, exhibit: item.exhibit, expected: item.sha256, found, problem }, 'EVIDENCE FIXITY MISMATCH');
    return { itemId: item.id, exhibit: item.exhibit, ok, expected: item.sha256, ...(found ? { found } : {}), ...(problem ? { problem } : {}), checkedAt };
  }

  return {
    async verify(actor: Actor, orgId: string, itemId: string): Promise<FixityResult> {
      const row = await requireItem(ctx, actor, 'evidence.handle', orgId, itemId);
      if (row.state !== 'stored') throw new AppError('evidence.destroyed', { message: `exhibit ${row.exhibit} was destroyed` });
      return check(actor, row);
    },

    /** One background round: the `limit` stored items checked longest ago (never-checked first). */
    async round(limit = 20): Promise<FixityResult[]> {
      const rows = await itemQuery(db).where('i.state', '=', 'stored').orderBy(sql`coalesce(i.fixity_at, '')`).orderBy('i.created_at').limit(limit).execute();
      const results: FixityResult[] = [];
      for (const row of rows) results.push(await check(systemActor('fixity'), row));
      return results;
    },
  };
}

export type Fixity = ReturnType<typeof createFixity>;
