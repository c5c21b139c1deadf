import type { VaultContext } from './context.ts';

/** Blobs younger than this may belong to an intake that has not committed its record yet. */
export const ORPHAN_GRACE_MS = 24 * 60 * 60 * 1000;

/**
 * A crash between storing a blob and committing its record (the order that keeps records from ever
 * pointing at missing bytes) leaves a blob nobody refers to. This removes such blobs once they are
 * older than the grace period. Returns the keys removed.
 */
export async function sweepOrphanBlobs(ctx: VaultContext, graceMs = ORPHAN_GRACE_MS): Promise<string[]> {
  const { store, db, clock, log } = ctx.deps;
  if (!store.list) return [];
  const removed: string[] = [];
  const cutoff = clock.now().getTime() - graceMs;
  for await (const key of store.list('vault/')) {
    const referenced = await db.selectFrom('evidence_items').select('id').where('blob_key', '=', key).executeTakeFirst();
    if (referenced) continue;
    const stat = await store.stat(key);
    if (!stat || stat.modifiedAt.getTime() > cutoff) continue;
    // Checked again right before deleting: a record may have been committed since the first look.
    if (await db.selectFrom('evidence_items').select('id').where('blob_key', '=', key).executeTakeFirst()) continue;
    await store.delete(key);
    removed.push(key);
  }
  if (removed.length > 0) log.warn({ removed: removed.length }, 'removed evidence blobs left without a record by an interrupted intake');
  return removed;
}
