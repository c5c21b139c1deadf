import { createHash, randomUUID } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { decryptStream } from '../../lib/age/age.ts';
import { AppError } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import type { CaseRecord } from '../cases/index.ts';
import { type Actor, actorId } from '../identity/index.ts';
import { recordChange } from '../ledger/index.ts';
import { custodyEntry, itemQuery, requireItem, toItem, type VaultContext } from './context.ts';
import { type ExtraDigests, type Ingested, ingest, ingestEncrypted, ingestFile } from './ingest.ts';
import { type EvidenceItem, futureAcquisition, MANUAL_CUSTODY_EVENTS, NewEvidence, type StagedUpload } from './model.ts';

const Reason = z.string().trim().min(3, 'say why (at least 3 characters)').max(1000);
const ManualEvent = z.object({ event: z.enum(MANUAL_CUSTODY_EVENTS), reason: Reason, detail: z.string().trim().max(1000).default('') });

/**
 * Intake, listing, reading and custody recording of evidence items. Bytes go through one pass
 * (hash + encrypt + store) before the item is recorded; the record and its custody events are
 * written in one transaction, so no record ever points at a blob that is not complete.
 */
export function createItems(ctx: VaultContext) {
  const { db } = ctx.deps;

  async function resolveIntake(actor: Actor, orgId: string, input: unknown): Promise<{ wanted: NewEvidence; kase: CaseRecord }> {
    const wanted = parseInput(NewEvidence, input, '', 'evidence');
    const future = futureAcquisition(wanted.acquisition, ctx.deps.clock.now());
    if (future) throw new AppError('validation.failed', { message: future.message, fields: [future] });
    const kase = await ctx.deps.cases.require(actor, 'evidence.add', orgId, wanted.caseReference);
    await refuseTakenExhibit(kase.id, wanted.exhibit);
    return { wanted, kase };
  }

  async function refuseTakenExhibit(caseId: string, exhibit: string, trx = db): Promise<void> {
    const taken = await trx.selectFrom('evidence_items').select('id').where('case_id', '=', caseId).where('exhibit', '=', exhibit).executeTakeFirst();
    if (taken) {
      throw new AppError('evidence.exhibit_exists', {
        message: `exhibit ${exhibit} is already in this case`,
        fields: [{ path: 'exhibit', code: 'evidence.exhibit_exists' }],
      });
    }
  }

  /**
   * Records a stored blob as an item. Identical content already in the vault (any case) is kept
   * once: the new blob is dropped and the item points at the existing one. Nobody is told.
   */
  async function record(actor: Actor, kase: CaseRecord, wanted: NewEvidence, stored: Ingested): Promise<EvidenceItem> {
    const id = randomUUID();
    const now = ctx.deps.clock.now().toISOString();
    let dropBlob: string | undefined;
    try {
      await recordChange(ctx.deps, actorId(actor), async (trx, { audit }) => {
        await refuseTakenExhibit(kase.id, wanted.exhibit, trx);
        const twin = await trx
          .selectFrom('evidence_items')
          .select(['blob_key', 'stored_bytes'])
          .where('sha256', '=', stored.sha256)
          .where('state', '=', 'stored')
          .orderBy('created_at')
          .executeTakeFirst();
        const blobKey = twin && (await ctx.deps.store.stat(twin.blob_key)) ? twin.blob_key : stored.blobKey;
        if (blobKey !== stored.blobKey) dropBlob = stored.blobKey;
        await trx
          .insertInto('evidence_items')
          .values({
            id,
            case_id: kase.id,
            org_id: kase.orgId,
            exhibit: wanted.exhibit,
            description: wanted.description,
            file_name: wanted.fileName,
            acquisition: JSON.stringify(wanted.acquisition),
            bytes: stored.bytes,
            sha256: stored.sha256,
            md5: stored.md5 ?? null,
            sha1: stored.sha1 ?? null,
            blob_key: blobKey,
            stored_bytes: blobKey === stored.blobKey ? stored.storedBytes : Number(twin?.stored_bytes ?? stored.storedBytes),
            state: 'stored',
            created_at: now,
            created_by: actorId(actor),
            fixity_at: null,
            fixity_ok: null,
            destroyed_at: null,
          })
          .execute();
        const item = { id, caseId: kase.id, orgId: kase.orgId, sha256: stored.sha256, exhibit: wanted.exhibit };
        const a = wanted.acquisition;
        audit(
          custodyEntry(
            item,
            'acquired',
            'acquisition',
            {
              by: a.by,
              where: a.where,
              tool: a.tool,
              toolVersion: a.toolVersion,
              method: a.method,
              source: a.source,
              authority: a.authority,
              bytes: stored.bytes,
              ...(stored.md5 ? { md5: stored.md5 } : {}),
              ...(stored.sha1 ? { sha1: stored.sha1 } : {}),
            },
            a.at,
          ),
        );
        audit(custodyEntry(item, 'received', 'received into the vault', { bytes: stored.bytes, fileName: wanted.fileName }));
      });
    } catch (err) {
      await ctx.deps.store.delete(stored.blobKey).catch(() => undefined);
      throw err;
    }
    if (dropBlob) await ctx.deps.store.delete(dropBlob).catch(() => undefined);
    return get(actor, kase.orgId, id);
  }

  async function get(actor: Actor, orgId: string, itemId: string): Promise<EvidenceItem> {
    return toItem(await requireItem(ctx, actor, 'evidence.read', orgId, itemId));
  }

  const digestsOf = (wanted: NewEvidence): ExtraDigests => ({ md5: wanted.md5, sha1: wanted.sha1 });
  const newBlobKey = () => `vault/${randomUUID()}`;
  const coversWanted = (known: NonNullable<StagedUpload['digests']>, wanted: NewEvidence) =>
    /^[0-9a-f]{64}$/.test(known.sha256) && (!wanted.md5 || known.md5 !== undefined) && (!wanted.sha1 || known.sha1 !== undefined);

  return {
    /** The age recipients new blobs (and staged uploads) are encrypted to. */
    async vaultRecipients(): Promise<string[]> {
      return (await ctx.keys()).recipients;
    },

    async checkIntake(actor: Actor, orgId: string, input: unknown): Promise<NewEvidence> {
      return (await resolveIntake(actor, orgId, input)).wanted;
    },

    /**
     * Streams bytes into the vault: a stream (the form upload without JavaScript), or a file on the
     * node's own disk (the CLI), which is read straight into the sealing pool's blocks.
     */
    async add(
      actor: Actor,
      orgId: string,
      input: unknown,
      source: Readable | { path: string },
      options: { onProgress?: (bytes: number) => void } = {},
    ): Promise<EvidenceItem> {
      const { wanted, kase } = await resolveIntake(actor, orgId, input);
      const how = {
        store: ctx.deps.store,
        recipients: (await ctx.keys()).recipients,
        blobKey: newBlobKey(),
        digests: digestsOf(wanted),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      };
      const stored = source instanceof Readable ? await ingest(source, how) : await ingestFile(source.path, how);
      return record(actor, kase, wanted, stored);
    },

    /** A complete tus upload, already encrypted to the vault: hashed once, stored as it is. */
    async adoptStaged(actor: Actor, orgId: string, input: NewEvidence, staged: StagedUpload): Promise<EvidenceItem> {
      const { wanted, kase } = await resolveIntake(actor, orgId, input);
      const stored = await ingestEncrypted(staged.open(), {
        store: ctx.deps.store,
        identities: (await ctx.keys()).identities,
        blobKey: newBlobKey(),
        expectedBytes: staged.bytes,
        ...(staged.path ? { path: staged.path } : {}),
        digests: digestsOf(wanted),
        ...(staged.digests && coversWanted(staged.digests, wanted) ? { known: staged.digests } : {}),
      });
      return record(actor, kase, wanted, stored);
    },

    get,

    /**
     * For the operator at the shell, who acts in no organisation: which organisation holds a case
     * reference (or an item). People always name their own organisation instead.
     */
    async locate(actor: Actor, what: { caseReference?: string; itemId?: string; orgId?: string }): Promise<string> {
      if (actor.kind !== 'system') throw new AppError('forbidden', { message: 'only the node operator looks across organisations' });
      if (what.orgId) return what.orgId;
      const orgs = what.itemId
        ? await db.selectFrom('evidence_items').select('org_id').where('id', '=', what.itemId).execute()
        : await db
            .selectFrom('cases')
            .select('org_id')
            .where('reference', '=', what.caseReference ?? '')
            .execute();
      const first = orgs[0];
      if (!first) throw new AppError('not_found', { message: what.itemId ? `no evidence item ${what.itemId}` : `no case ${what.caseReference}` });
      if (orgs.length > 1) {
        throw new AppError('validation.failed', {
          message: `several organisations have a case ${what.caseReference}: name one with --org`,
          fields: [{ path: 'org', code: 'evidence.case_ambiguous' }],
        });
      }
      return first.org_id;
    },

    /** The items of a case, for someone on its access list. */
    async list(actor: Actor, orgId: string, caseReference: string): Promise<EvidenceItem[]> {
      const kase = await ctx.deps.cases.require(actor, 'evidence.read', orgId, caseReference);
      const rows = await itemQuery(db).where('i.case_id', '=', kase.id).orderBy('i.exhibit').execute();
      return rows.map(toItem);
    },

    /**
     * The plaintext of an item. The download is a custody event, recorded before the first byte
     * leaves; the stream re-hashes as it goes and fails at the end if the bytes are not the item's.
     */
    async download(actor: Actor, orgId: string, itemId: string, reason: string): Promise<{ item: EvidenceItem; stream: Readable }> {
      const row = await requireItem(ctx, actor, 'evidence.handle', orgId, itemId);
      const why = parseInput(z.object({ reason: Reason }), { reason }, '', 'evidence').reason;
      const item = toItem(row);
      if (item.state !== 'stored') throw new AppError('evidence.destroyed', { message: `exhibit ${item.exhibit} was destroyed on ${item.destroyedAt}` });
      const blob = await ctx.deps.store.get(row.blob_key);
      await recordChange(ctx.deps, actorId(actor), async (_trx, { audit }) => audit(custodyEntry(item, 'downloaded', why)));
      return { item, stream: verifiedPlaintext(blob, (await ctx.keys()).identities, item.sha256) };
    },

    /** A custody step recorded by a person: analysed, copied, transferred, sealed, released. */
    async recordCustody(actor: Actor, orgId: string, itemId: string, input: unknown): Promise<void> {
      const row = await requireItem(ctx, actor, 'evidence.handle', orgId, itemId);
      const wanted = parseInput(ManualEvent, input, '', 'evidence');
      const item = toItem(row);
      await recordChange(ctx.deps, actorId(actor), async (_trx, { audit }) =>
        audit(custodyEntry(item, wanted.event, wanted.reason, wanted.detail ? { detail: wanted.detail } : {})),
      );
    },

    /** Viewing an item's page is itself a custody event ("accessed"). */
    async recordAccess(actor: Actor, item: EvidenceItem): Promise<void> {
      await recordChange(ctx.deps, actorId(actor), async (_trx, { audit }) => audit(custodyEntry(item, 'accessed', 'item viewed')));
    },
  };
}

/** Decrypts a blob and checks, as the last byte passes, that the plaintext is the one recorded. */
export function verifiedPlaintext(blob: Readable, identities: readonly string[], sha256: string): Readable {
  const hash = createHash('sha256');
  const check = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      const found = hash.digest('hex');
      done(
        found === sha256
          ? null
          : new AppError('evidence.fixity_mismatch', { message: `content hash ${found} is not the recorded ${sha256}`, params: { expected: sha256, found } }),
      );
    },
  });
  pipeline(blob, decryptStream(identities), check).catch(() => undefined);
  return check;
}

export type Items = ReturnType<typeof createItems>;
