import { parseCheckpoint } from '../../lib/tlog/checkpoint.ts';
import { verifyInclusion } from '../../lib/tlog/merkle.ts';
import { openNote } from '../../lib/tlog/note.ts';
import type { Actor } from '../identity/index.ts';
import { requireItem, toItem, type VaultContext } from './context.ts';
import type { CustodyEvent, CustodyEventType, EvidenceItem } from './model.ts';

export interface CustodyStep extends CustodyEvent {
  /** Whether the event is in a signed checkpoint and its inclusion proof checks against it. */
  proof: 'verified' | 'pending' | 'failed';
  /**
   * Who the actor is, for people of the item's organisation: a chain of custody names the people
   * in it, and everyone who may read it works in that organisation. (The ledger keeps only ids.)
   */
  actorName?: string;
}

/**
 * An item's custody history, oldest first, read from the ledger (the only place it is kept), with
 * each event's inclusion proof checked against the latest signed checkpoint.
 */
export function createCustody(ctx: VaultContext) {
  const ledger = ctx.deps.ledgerService;

  async function events(item: EvidenceItem): Promise<CustodyEvent[]> {
    const found: CustodyEvent[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await ledger.findEntries({
        subjects: [`evidence:${item.id}`],
        typePrefix: 'evidence.',
        ...(before !== undefined ? { before } : {}),
        limit: 500,
      });
      for (const row of page) {
        const { reason, ...data } = row.entry.data;
        found.push({
          index: row.index,
          type: row.entry.type.slice('evidence.'.length) as CustodyEventType,
          at: row.entry.at,
          actor: row.entry.actor,
          itemId: item.id,
          reason: typeof reason === 'string' ? reason : '',
          data,
        });
      }
      if (page.length < 500) break;
      before = page.at(-1)?.index;
    }
    return found.reverse();
  }

  /** The latest checkpoint's size and root, taken from the note only once its signature checks. */
  async function signedRoot(): Promise<{ size: number; root?: Buffer }> {
    const signed = await ledger.signedCheckpoint();
    if (!signed) return { size: 0 };
    try {
      const checkpoint = parseCheckpoint(openNote(signed.note, [ledger.vkey()]).text);
      return { size: checkpoint.size, root: Buffer.from(checkpoint.root) };
    } catch {
      return { size: 0 };
    }
  }

  return {
    events,

    async history(actor: Actor, orgId: string, itemId: string): Promise<{ item: EvidenceItem; steps: CustodyStep[]; checkpointSize: number }> {
      const item = toItem(await requireItem(ctx, actor, 'evidence.read', orgId, itemId));
      const list = await events(item);
      const { size, root } = await signedRoot();
      const steps: CustodyStep[] = [];
      for (const event of list) {
        if (!root || event.index >= size) {
          steps.push({ ...event, proof: 'pending' });
          continue;
        }
        const proof = await ledger.inclusion(event.index, size);
        let ok = false;
        try {
          verifyInclusion(proof.leafHash, event.index, size, proof.proof, root);
          ok = true;
        } catch {
          ok = false;
        }
        steps.push({ ...event, proof: ok ? 'verified' : 'failed' });
      }
      const ids = [...new Set(list.map((e) => e.actor).filter((a) => a.startsWith('user:')))].map((a) => a.slice(5));
      const people =
        ids.length === 0
          ? []
          : await ctx.deps.db
              .selectFrom('users')
              .innerJoin('memberships', 'memberships.user_id', 'users.id')
              .select(['users.id', 'users.name', 'users.email'])
              .where('memberships.org_id', '=', item.orgId)
              .where('users.id', 'in', ids)
              .distinct()
              .execute();
      const names = new Map(people.map((p) => [`user:${p.id}`, `${p.name} (${p.email})`]));
      for (const step of steps) {
        const name = names.get(step.actor);
        if (name) step.actorName = name;
      }
      return { item, steps, checkpointSize: size };
    },
  };
}

export type Custody = ReturnType<typeof createCustody>;
