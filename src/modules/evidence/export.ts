import { z } from 'zod';
import { parseRecipient } from '../../lib/age/x25519.ts';
import { AppError } from '../../lib/errors.ts';
import { isoWithOffset } from '../../lib/time.ts';
import { parseInput } from '../../lib/validation.ts';
import { type Actor, actorId } from '../identity/index.ts';
import { recordChange } from '../ledger/index.ts';
import { custodyEntry, itemQuery, toItem, type VaultContext } from './context.ts';
import type { Custody } from './custody.ts';
import { writeEvidencePackage } from './package/writer.ts';

const ExportInput = z.object({
  outDir: z.string().min(1).max(4096),
  /** An age recipient (age1…): the payload files are re-wrapped to it. */
  to: z
    .string()
    .trim()
    .refine((value) => {
      try {
        parseRecipient(value);
        return true;
      } catch {
        return false;
      }
    }, 'expected an age recipient, age1…')
    .optional(),
  reason: z.string().trim().min(3).max(1000).default('export package'),
});

export interface ExportProgress {
  path: string;
  bytes: number;
  totalBytes: number;
  totalExpected: number;
}

/**
 * The export package of a case: every stored item with its custody history, each event's ledger
 * proof against one signed checkpoint, and the verification report. The export is itself a custody
 * event of each item, recorded before the proofs are taken so that the package proves it too.
 */
export function createExport(ctx: VaultContext, custody: Custody) {
  const ledger = ctx.deps.ledgerService;

  return {
    async exportCase(actor: Actor, orgId: string, caseReference: string, input: unknown, options: { onProgress?: (p: ExportProgress) => void } = {}) {
      const kase = await ctx.deps.cases.require(actor, 'evidence.export', orgId, caseReference);
      const wanted = parseInput(ExportInput, input, '', 'evidence');
      const items = (await itemQuery(ctx.deps.db).where('i.case_id', '=', kase.id).where('i.state', '=', 'stored').orderBy('i.exhibit').execute()).map(toItem);
      if (items.length === 0) throw new AppError('evidence.nothing_to_export', { message: `case ${kase.reference} holds no stored evidence` });
      await recordChange(ctx.deps, actorId(actor), async (_trx, { audit }) => {
        for (const item of items) audit(custodyEntry(item, 'exported', wanted.reason, wanted.to ? { recipient: wanted.to } : {}));
      });
      await ledger.publish();
      const signed = await ledger.signedCheckpoint();
      if (!signed) throw new AppError('ledger.no_checkpoint', { message: 'the ledger has no signed checkpoint yet' });
      const proofsAt = signed.checkpoint.size;
      const events = [];
      for (const item of items) {
        for (const event of await custody.events(item)) {
          if (event.index >= proofsAt) continue;
          const entry = await ledger.entry(event.index);
          // A stored item's custody is never shredded (only destroying it shreds it); custody.events found it by its details.
          if (!entry.entry) throw new AppError('ledger.details_shredded', { message: `the details of ledger entry ${event.index} were shredded` });
          events.push({
            index: event.index,
            itemId: item.id,
            entry: entry.entry,
            disclosure: entry.salt ? { salt: entry.salt } : undefined,
            proof: await ledger.proofBundleAt(event.index, signed),
          });
        }
      }
      const org = await ctx.deps.identity.directory.organisation(kase.orgId);
      const rows = new Map(
        (await ctx.deps.db.selectFrom('evidence_items').select(['id', 'blob_key']).where('case_id', '=', kase.id).execute()).map((r) => [r.id, r.blob_key]),
      );
      const keys = await ctx.keys();
      return writeEvidencePackage(
        wanted.outDir,
        {
          case: { id: kase.id, reference: kase.reference, title: kase.title, orgId: kase.orgId, orgName: org?.name ?? kase.orgId },
          generatedAt: isoWithOffset(ctx.deps.clock.now(), ctx.deps.timeZone),
          generatedBy: actor.kind === 'principal' ? `${actor.principal.name} <${actor.principal.email}>` : actorId(actor),
          vaultIdentities: keys.identities,
          items: items.map((item) => ({ item, openStored: () => ctx.deps.store.get(rows.get(item.id) as string) })),
          custody: events.sort((a, b) => a.index - b.index),
          logOrigin: ledger.origin,
          logVerifierKey: ledger.vkey(),
          checkpoint: signed.note,
          ...(wanted.to ? { recipient: wanted.to } : {}),
        },
        options.onProgress ? { onProgress: options.onProgress } : {},
      );
    },
  };
}

export type Exporter = ReturnType<typeof createExport>;
