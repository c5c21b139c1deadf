import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { isoWithOffset } from '../../lib/time.ts';
import { formatCheckpoint } from '../../lib/tlog/checkpoint.ts';
import { CompactRange, consistencyProof, inclusionProof, leafHashOfPrefixed } from '../../lib/tlog/merkle.ts';
import { signNote } from '../../lib/tlog/note.ts';
import { formatTlogProof } from '../../lib/tlog/proof-bundle.ts';
import { encodeEntryBundle, TILE_WIDTH } from '../../lib/tlog/tiles.ts';
import type { DialectName } from '../../storage/db/dialect.ts';
import { startsWith } from '../../storage/db/like.ts';
import type { Database } from '../../storage/db/schema.ts';
import { auditLedger } from './audit.ts';
import { blind, decodeLeaf, freshSalts, type Leaf } from './blinding.ts';
import { decodeEntry, type LedgerEntry, type LedgerEntryInput, parseEntry } from './entry.ts';
import type { LedgerService } from './index.ts';
import { allVerifierKeys, currentKey, type NodeKey, rotateKey } from './keys.ts';
import type { ShredRequest } from './record-change.ts';
import { allCheckpoints, cosignatureLines, insertRows, latestCheckpoint, lockSequencer, type StoredCheckpoint, treeSize } from './store.ts';
import { createSubjectIndex } from './subject-index.ts';
import { extendTiles, TileStore, tileHashSource } from './tiles.ts';
import { createWitness } from './witness.ts';

export interface LedgerDeps {
  db: Kysely<Database>;
  dialect: DialectName;
  clock: Clock;
  timeZone: string;
  log: Logger;
  /** Key-encryption key for the signing keys at rest. */
  kek: Buffer;
  /** Configured origin; when absent, the one chosen at first start is kept. */
  origin?: string | undefined;
  /** How witnesses are reached; tests and peers on loopback use the global fetch. */
  fetch?: typeof fetch;
  /** Unindexed entries after which an append also indexes subjects (default 32,768; tests go lower). */
  subjectIndexBatch?: number;
}

export interface Appended {
  index: number;
  leafHash: Buffer;
}

/**
 * One entry as stored: its leaf (the public bytes: a blinded entry, or a legacy entry written before
 * blinding), its leaf hash, and — unless shredded — its details and the salt that opens the leaf.
 * Details are for those who may read the subject: adapters decide before showing them.
 */
export interface StoredEntry {
  index: number;
  /** The leaf's bytes, as the entry bundles serve them. */
  bytes: Buffer;
  leaf: Leaf;
  /** The details; undefined once shredded. */
  entry: LedgerEntry | undefined;
  /** Opens a blinded leaf with `entry`; undefined for legacy entries (the leaf is the details) and once shredded. */
  salt: Buffer | undefined;
  /** When its details and salt were deleted, and the `ledger.shredded` entry that records it. */
  shredded?: { at: string; by: number | null };
  leafHash: Buffer;
  recordedAt: string;
}

/** What a shredding did: how many entries lost their details, and the entry recording it. */
export interface Shredded {
  count: number;
  record: Appended;
}

/** An entry found by its subjects (audit views). */
export interface FoundEntry {
  index: number;
  entry: LedgerEntry;
  recordedAt: string;
}

/** The latest checkpoint with its signed note and the witnesses' cosignature lines appended. */
export interface SignedCheckpoint {
  checkpoint: StoredCheckpoint;
  note: string;
  /** The names of the witnesses that cosigned it. */
  cosigners: string[];
}

export interface InclusionProof {
  index: number;
  size: number;
  leafHash: Buffer;
  proof: Buffer[];
  root: Buffer;
}

export interface ConsistencyProof {
  from: number;
  to: number;
  proof: Buffer[];
}

/** A key that signed (or signs) this log's checkpoints, as a note verifier key. */
export interface VerifierKey {
  vkey: string;
  createdAt: string;
  retiredAt: string | null;
}

/** A witness this node asks to cosign its checkpoints. */
export interface WitnessPeer {
  name: string;
  url: string;
  vkey: string;
  /** The largest tree size it has cosigned. */
  cosignedSize: number;
  lastError: string | null;
  updatedAt: string;
}

/** Another log this node witnesses, and the last state of it that it cosigned (root in base64). */
export interface WitnessedLog {
  origin: string;
  vkey: string;
  size: number;
  root: string;
  updatedAt: string;
}

interface Pending {
  entries: LedgerEntry[];
  resolve: (value: Appended[]) => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH = 8192;
const INSERT_CHUNK = 500;
/**
 * Entries left unindexed before an append transaction also brings the subject index up to date:
 * large enough that the index's B-tree pages are rewritten once per many entries, not per commit.
 */
const SUBJECT_BATCH = 32_768;
/** Checkpoints coalesce the commits of this long (well inside the 1 s integration target). */
const PUBLISH_INTERVAL_MS = 100;
/** How long after the last append the subject index is brought up to date anyway. */
const SUBJECT_IDLE_MS = 250;

/**
 * The custody ledger: an append-only RFC 9162 log stored as C2SP tiles, with signed checkpoints,
 * proofs, and witnesses. One sequencer at a time; concurrent appends are committed together
 * (group commit) and acknowledged only once the transaction holding them is durable.
 */
export async function createLedgerService(deps: LedgerDeps): Promise<LedgerService> {
  const { db } = deps;
  const tiles = new TileStore();
  const source = tileHashSource(db, tiles);
  const subjectIndex = await createSubjectIndex(db, deps.dialect);
  let indexTimer: NodeJS.Timeout | undefined;
  const existing = await db.selectFrom('ledger_keys').select('name').where('purpose', '=', 'log').orderBy('created_at').executeTakeFirst();
  const origin = existing?.name ?? deps.origin ?? `localhost/custodia/${crypto.randomUUID().slice(0, 8)}`;
  if (deps.origin && existing && deps.origin !== existing.name) {
    throw new AppError('ledger.origin_changed', {
      message: `this node's log is ${existing.name}; a log cannot change its origin (configured: ${deps.origin})`,
    });
  }
  let logKey: NodeKey = await currentKey(db, deps.kek, 'log', origin, deps.clock.now());
  const witnessKey: NodeKey = await currentKey(db, deps.kek, 'witness', `${origin}/witness`, deps.clock.now());
  const witness = createWitness({ db, clock: deps.clock, key: witnessKey });

  let range: CompactRange | undefined;
  /** Counts commits (and failed ones), so an edge loaded across one is known to be stale. */
  let commits = 0;
  /** Witness peers known to this process; undefined until first looked up. */
  let peerCount: number | undefined;
  /** The chain of checkpoint publications, one after another. */
  let publications: Promise<StoredCheckpoint | undefined> = Promise.resolve(undefined);
  /** 'checkpoint' (StoredCheckpoint) after each checkpoint is signed and stored. */
  const events = new EventEmitter();
  const queue: Pending[] = [];
  let flushing: Promise<void> | undefined;

  function validate(inputs: LedgerEntryInput[]): LedgerEntry[] {
    const now = isoWithOffset(deps.clock.now(), deps.timeZone);
    return inputs.map((input, i) => {
      // The caller's object is never changed: the time is stamped on a copy.
      const result = parseEntry((input.at === undefined ? { ...input, at: now } : input) as Record<string, unknown>);
      if (!result.success) {
        throw new AppError('validation.failed', {
          message: 'invalid ledger entry',
          fields: result.error.issues.map((issue) => ({ path: `entries[${i}].${issue.path.join('.')}`, code: 'ledger.entry_invalid', message: issue.message })),
        });
      }
      return result.data;
    });
  }

  /**
   * Appends inside the caller's transaction, so an event is recorded if and only if the change it
   * describes is. Call `afterCommit()` once the transaction has committed.
   */
  async function appendWithin(trx: Kysely<Database>, inputs: LedgerEntryInput[]): Promise<Appended[]> {
    return appendValidated(trx, validate(inputs));
  }

  async function appendValidated(trx: Kysely<Database>, entries: LedgerEntry[]): Promise<Appended[]> {
    await lockSequencer(trx, deps.dialect);
    const size = await treeSize(trx);
    const recordedAt = deps.clock.now().toISOString();
    const salts = freshSalts(entries.length);
    const rows = entries.map((entry, i) => {
      for (const ref of entry.refs) {
        if (ref >= size + i)
          throw new AppError('validation.failed', {
            message: `entry refers to entry ${ref}, which is not earlier`,
            fields: [{ path: `entries[${i}].refs`, code: 'ledger.bad_ref' }],
          });
      }
      const blinded = blind(entry, origin, salts[i] as Buffer);
      return {
        index: size + i,
        entry,
        leafText: blinded.leafText,
        leaf: leafHashOfPrefixed(blinded.leafInput),
        salt: salts[i] as Buffer,
        detailsText: blinded.detailsText,
      };
    });
    // The hot path: plain parameterised multi-row inserts, without building a query tree per value.
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows.slice(i, i + INSERT_CHUNK);
      await insertRows(
        trx,
        deps.dialect,
        'ledger_entries',
        // The details and salt in the same row: one B-tree insert per entry (a table of their own cost 12%).
        ['idx', 'type', 'entry', 'leaf_hash', 'recorded_at', 'salt', 'details'],
        chunk.map((r) => [r.index, r.entry.type, r.leafText, r.leaf, recordedAt, r.salt, r.detailsText]),
      );
    }
    await extendTiles(
      trx,
      tiles,
      size,
      rows.map((r) => r.leaf),
    );
    return rows.map((r) => ({ index: r.index, leafHash: r.leaf }));
  }

  /** After a transaction that appended: keep the in-memory tree edge in step, then sign a checkpoint. */
  function committed(appended: Appended[]): void {
    commits++;
    const first = appended[0]?.index;
    if (first !== undefined && range && range.size === first) for (const a of appended) range.append(a.leafHash);
    else range = undefined;
    schedulePublication();
  }

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const batch: Pending[] = [];
      let count = 0;
      // Take whole callers up to MAX_BATCH entries; splice once (shift per element is quadratic).
      let take = 0;
      while (take < queue.length && count < MAX_BATCH) count += (queue[take++] as Pending).entries.length;
      batch.push(...queue.splice(0, take));
      try {
        // Entries were validated by append(); only the caller-facing appendWithin validates again.
        const entries = batch.flatMap((p) => p.entries);
        const subjects = entries.map((e) => e.subjects);
        let indexed: number | undefined;
        const appended = await db.transaction().execute(async (trx) => {
          const result = await appendValidated(trx, entries);
          const first = result[0]?.index ?? 0;
          const size = first + result.length;
          // Past the threshold each append transaction also indexes the oldest half of it: the
          // index's pages are rewritten once per many entries, and no single commit grows by much.
          const batch = deps.subjectIndexBatch ?? SUBJECT_BATCH;
          if (size - subjectIndex.indexedSize >= batch) indexed = await subjectIndex.catchUp(trx, size, { first, subjects }, Math.ceil(batch / 2));
          return result;
        });
        subjectIndex.remember(appended[0]?.index ?? 0, subjects);
        if (indexed !== undefined) subjectIndex.committed(indexed);
        scheduleIndexing();
        let offset = 0;
        for (const p of batch) {
          p.resolve(appended.slice(offset, offset + p.entries.length));
          offset += p.entries.length;
        }
        committed(appended);
      } catch (error) {
        range = undefined;
        commits++;
        for (const p of batch) p.reject(error);
      }
    }
  }

  /** Appends entries; resolves with their indices once they are durable. */
  function append(inputs: LedgerEntryInput[]): Promise<Appended[]> {
    let entries: LedgerEntry[];
    try {
      entries = validate(inputs);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<Appended[]>((resolve, reject) => {
      queue.push({ entries, resolve, reject });
      kick();
    });
  }

  /** Starts the sequencer loop unless it runs; it drains the queue batch by batch, then stops. */
  function kick(): void {
    if (flushing) return;
    flushing = (async () => {
      // Yield once so that appends issued in the same tick join the first batch.
      await new Promise((r) => setImmediate(r));
      await flush();
    })().finally(() => {
      flushing = undefined;
      if (queue.length > 0) kick();
    });
  }

  /** Brings the subject index up to the stored tree, in its own transaction. */
  async function indexSubjects(): Promise<void> {
    const indexed = await db.transaction().execute(async (trx) => {
      await lockSequencer(trx, deps.dialect);
      return subjectIndex.catchUp(trx, await treeSize(trx));
    });
    subjectIndex.committed(indexed);
  }

  /**
   * Checkpoints are signed at most every PUBLISH_INTERVAL_MS: each is a signature and a durable
   * insert on the event loop, and a burst of small commits (audit events) would otherwise pay one each.
   */
  let publishTimer: NodeJS.Timeout | undefined;
  function schedulePublication(): void {
    if (publishTimer) return;
    publishTimer = setTimeout(() => {
      publishTimer = undefined;
      void publish().catch((error: unknown) => deps.log.error({ err: error }, 'checkpoint publication failed'));
    }, PUBLISH_INTERVAL_MS);
  }

  /** Once appends pause, the index catches up; under load the append transactions do it in bulk. */
  function scheduleIndexing(): void {
    if (indexTimer) indexTimer.refresh();
    else {
      indexTimer = setTimeout(() => {
        indexTimer = undefined;
        if (flushing || queue.length > 0) return scheduleIndexing();
        indexSubjects().catch((error: unknown) => deps.log.error({ err: error }, 'subject indexing failed'));
      }, SUBJECT_IDLE_MS);
      indexTimer.unref();
    }
  }

  /**
   * The tree's right edge at `size`. `seen` is the commit count when `size` was read: a commit
   * landing after that makes the loaded edge stale, so it is kept as this process's right edge only
   * if nothing was committed meanwhile (else the next publication would sign an old size as current).
   */
  async function rangeFor(size: number, seen: number): Promise<CompactRange> {
    if (range && range.size === size) return range;
    const loaded = await CompactRange.load(source, size);
    if (seen === commits) range = loaded;
    return loaded;
  }

  /**
   * Signs a checkpoint for the current size if it has grown. Publications run one after another, and
   * each call waits for one that starts after it: the answer covers everything committed before the
   * call (a publication already under way may have read an older size).
   */
  function publish(): Promise<StoredCheckpoint | undefined> {
    const next = publications.catch(() => undefined).then(() => publishOnce());
    publications = next;
    return next;
  }

  // The newest checkpoint this process stored: spares a query per publication.
  let lastPublished: StoredCheckpoint | undefined;

  async function publishOnce(): Promise<StoredCheckpoint | undefined> {
    // The in-memory right edge is exact for what this process committed; any size up to the stored
    // tree is a valid checkpoint, and another process's appends are picked up by the next one.
    const seen = commits;
    const size = range ? range.size : await treeSize(db);
    const latest = lastPublished ?? (await latestCheckpoint(db));
    if (size === 0 || (latest && latest.size >= size)) return latest;
    const root = (await rangeFor(size, seen)).root();
    const body = formatCheckpoint({ origin, size, root });
    const note = signNote(body, [{ skey: logKey.skey }]);
    const signedAt = isoWithOffset(deps.clock.now(), deps.timeZone);
    const inserted = await db
      .insertInto('ledger_checkpoints')
      .values({ size, root, note, signed_at: signedAt })
      .onConflict((oc) => oc.column('size').doNothing())
      .executeTakeFirst();
    // Another process may have signed this size first: then its checkpoint is the one stored.
    const stored = Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1 ? { size, root, note, signedAt } : ((await latestCheckpoint(db)) as StoredCheckpoint);
    lastPublished = stored;
    events.emit('checkpoint', stored);
    if (peerCount !== 0) void requestCosignatures(stored).catch((error: unknown) => deps.log.warn({ err: error }, 'witnessing failed'));
    return stored;
  }

  /** Asks every witness peer to cosign a checkpoint, proving consistency from what it last cosigned. */
  async function requestCosignatures(checkpoint: StoredCheckpoint): Promise<void> {
    const peers = await db.selectFrom('ledger_witness_peers').selectAll().execute();
    peerCount = peers.length;
    await Promise.all(
      peers.map((peer) =>
        witness.requestFromPeer({
          peer: { name: peer.name, url: peer.url, vkey: peer.vkey, cosignedSize: Number(peer.cosigned_size) },
          checkpoint,
          proof: (oldSize) => (oldSize > 0 && oldSize < checkpoint.size ? consistencyProof(source, oldSize, checkpoint.size) : Promise.resolve([])),
          fetch: deps.fetch ?? fetch,
        }),
      ),
    );
  }

  async function signedCheckpoint(): Promise<{ checkpoint: StoredCheckpoint; note: string; cosigners: string[] } | undefined> {
    const latest = await latestCheckpoint(db);
    if (!latest) return undefined;
    const cosignatures = await cosignatureLines(db, latest.size);
    return { checkpoint: latest, note: latest.note + cosignatures.join(''), cosigners: cosignatures.map((line) => line.split(' ')[1] ?? '') };
  }

  /** A proof bundle against a given signed checkpoint, so that many bundles can share one. */
  async function proofBundleAt(index: number, signed: { checkpoint: StoredCheckpoint; note: string }): Promise<string> {
    if (index >= signed.checkpoint.size)
      throw new AppError('not_found', { message: `entry ${index} is not in the checkpoint of size ${signed.checkpoint.size}` });
    const entry = await entryAt(index);
    return formatTlogProof({ extra: entry.bytes, index, proof: await inclusionProof(source, index, signed.checkpoint.size), checkpointNote: signed.note });
  }

  async function entryAt(index: number): Promise<StoredEntry> {
    const row = await db
      .selectFrom('ledger_entries')
      .select(['entry', 'leaf_hash', 'recorded_at', 'salt', 'details', 'shredded_at', 'shredded_by'])
      .where('idx', '=', index)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', { message: `no ledger entry ${index}` });
    const bytes = Buffer.from(row.entry, 'utf8');
    return {
      index,
      bytes,
      leaf: decodeLeaf(bytes),
      entry: row.details === null ? undefined : decodeEntry(Buffer.from(row.details, 'utf8')),
      salt: row.salt ? Buffer.from(row.salt) : undefined,
      ...(row.shredded_at ? { shredded: { at: row.shredded_at, by: row.shredded_by === null ? null : Number(row.shredded_by) } } : {}),
      leafHash: Buffer.from(row.leaf_hash),
      recordedAt: row.recorded_at,
    };
  }

  /**
   * Crypto-shreds every entry naming `subject`, inside the caller's transaction: their details and
   * salts are deleted and their subjects leave the index, and one `ledger.shredded` entry (naming
   * `record.subjects`, never the shredded subject) records how many and why. The leaves stay, so
   * the log stays consistent, and nothing left can be linked to what was shredded.
   */
  async function shredWithin(trx: Kysely<Database>, actor: string, request: ShredRequest): Promise<Shredded> {
    await lockSequencer(trx, deps.dialect);
    await subjectIndex.catchUp(trx, await treeSize(trx));
    const rows = await trx
      .selectFrom('ledger_subjects as s')
      .innerJoin('ledger_entries as e', 'e.idx', 's.idx')
      .select('s.idx')
      .where('s.subject', '=', request.subject)
      .where('e.details', 'is not', null)
      .orderBy('s.idx')
      .execute();
    const indices = rows.map((r) => Number(r.idx));
    const [record] = await appendWithin(trx, [
      {
        type: 'ledger.shredded',
        actor,
        subjects: request.record.subjects,
        data: { count: indices.length, reason: request.reason, ...(request.basis ? { basis: request.basis } : {}) },
      },
    ]);
    if (!record) throw new Error('the ledger appended nothing');
    const at = isoWithOffset(deps.clock.now(), deps.timeZone);
    for (let i = 0; i < indices.length; i += INSERT_CHUNK) {
      const chunk = indices.slice(i, i + INSERT_CHUNK);
      await trx
        .updateTable('ledger_entries')
        .set({ salt: null, details: null, shredded_at: at, shredded_by: record.index })
        .where('idx', 'in', chunk)
        .execute();
      await trx.deleteFrom('ledger_subjects').where('idx', 'in', chunk).execute();
    }
    return { count: indices.length, record };
  }

  function checkSize(name: string, value: number, size: number, min = 0): void {
    if (!Number.isSafeInteger(value) || value < min || value > size) {
      throw new AppError('validation.failed', {
        message: `${name} must be between ${min} and the tree size ${size}`,
        fields: [{ path: name, code: 'ledger.size_out_of_range', params: { value: String(value), size } }],
      });
    }
  }

  return {
    origin,
    events,
    vkey: () => logKey.vkey,
    witnessVkey: () => witnessKey.vkey,
    verifierKeys: () => allVerifierKeys(db, 'log'),
    append,
    appendWithin,
    afterCommit: committed,
    shredWithin,
    async shred(actor: string, request: ShredRequest): Promise<Shredded> {
      const shredded = await db.transaction().execute((trx) => shredWithin(trx, actor, request));
      committed([shredded.record]);
      return shredded;
    },
    async publicFrom(): Promise<number> {
      const row = await db.selectFrom('ledger_blinding').select('first_blinded').where('id', '=', 1).executeTakeFirst();
      return row ? Number(row.first_blinded) : 0;
    },
    publish,
    indexSubjects,
    /** Finishes what is under way: the subject index and a checkpoint covering every append. */
    async settle(): Promise<void> {
      if (indexTimer) clearTimeout(indexTimer);
      indexTimer = undefined;
      if (publishTimer) clearTimeout(publishTimer);
      publishTimer = undefined;
      while (flushing) await flushing;
      await indexSubjects();
      await publish();
    },
    size: () => treeSize(db),
    signedCheckpoint,
    entry: entryAt,

    async entriesFor(subject: string, limit = 100): Promise<number[]> {
      await indexSubjects();
      const rows = await db.selectFrom('ledger_subjects').select('idx').where('subject', '=', subject).orderBy('idx').limit(limit).execute();
      return rows.map((r) => Number(r.idx));
    },

    /**
     * Entries naming every one of `subjects`, newest first: for audit views. `before` pages back
     * from an index; `from`/`to` bound the recording time (ISO instants).
     */
    async findEntries(query: { subjects: string[]; typePrefix?: string; from?: string; to?: string; before?: number; limit: number }) {
      await indexSubjects();
      // Shredded entries left the subject index, so every entry found has its details.
      let q = db.selectFrom('ledger_entries as e').select(['e.idx', 'e.details', 'e.recorded_at']);
      query.subjects.forEach((subject, i) => {
        const alias = `s${i}` as 's0';
        q = q.innerJoin(`ledger_subjects as ${alias}`, (join) => join.onRef(`${alias}.idx`, '=', 'e.idx').on(`${alias}.subject`, '=', subject));
      });
      if (query.typePrefix) q = q.where(startsWith('e.type', query.typePrefix));
      if (query.from) q = q.where('e.recorded_at', '>=', query.from);
      if (query.to) q = q.where('e.recorded_at', '<', query.to);
      if (query.before !== undefined) q = q.where('e.idx', '<', query.before);
      const rows = await q.orderBy('e.idx', 'desc').limit(query.limit).execute();
      return rows.flatMap((r) =>
        r.details === null ? [] : [{ index: Number(r.idx), entry: decodeEntry(Buffer.from(r.details, 'utf8')), recordedAt: r.recorded_at }],
      );
    },

    /** An inclusion proof for entry `index` in the tree of `size` (default: the latest checkpoint). */
    async inclusion(index: number, size?: number) {
      const latest = await latestCheckpoint(db);
      const treeAt = size ?? latest?.size ?? 0;
      checkSize('size', treeAt, await treeSize(db), 1);
      if (!Number.isSafeInteger(index) || index < 0 || index >= treeAt) {
        throw new AppError('validation.failed', {
          message: `index must be below the tree size ${treeAt}`,
          fields: [{ path: 'index', code: 'ledger.index_out_of_range', params: { value: String(index), size: treeAt } }],
        });
      }
      const entry = await entryAt(index);
      return { index, size: treeAt, leafHash: entry.leafHash, proof: await inclusionProof(source, index, treeAt), root: (await rangeAt(treeAt)).root() };
    },

    async consistency(size1: number, size2: number) {
      const size = await treeSize(db);
      checkSize('from', size1, size, 1);
      checkSize('to', size2, size, 1);
      if (size1 > size2)
        throw new AppError('validation.failed', {
          message: 'from must not exceed to',
          fields: [{ path: 'from', code: 'ledger.size_out_of_range', params: { value: String(size1), size: size2 } }],
        });
      return { from: size1, to: size2, proof: await consistencyProof(source, size1, size2) };
    },

    /** An offline proof for one entry: c2sp.org/tlog-proof@v1, with the entry's bytes as `extra`. */
    async proofBundle(index: number): Promise<string> {
      let signed = await signedCheckpoint();
      if (!signed || signed.checkpoint.size <= index) {
        await publish();
        signed = await signedCheckpoint();
      }
      if (!signed || signed.checkpoint.size <= index) throw new AppError('not_found', { message: `no ledger entry ${index}` });
      return proofBundleAt(index, signed);
    },

    proofBundleAt,

    /** A tile as tlog-tiles serves it; `width` below the stored width gives the older partial tile. */
    async tile(level: number, index: number, width: number): Promise<Buffer | undefined> {
      const tile = await tiles.read(db, level, index);
      if (!tile || tile.width < width) return undefined;
      return tile.hashes.subarray(0, width * 32);
    },

    async entryBundle(index: number, width: number): Promise<Buffer | undefined> {
      const first = index * TILE_WIDTH;
      const rows = await db
        .selectFrom('ledger_entries')
        .select(['idx', 'entry'])
        .where('idx', '>=', first)
        .where('idx', '<', first + width)
        .orderBy('idx')
        .execute();
      if (rows.length < width) return undefined;
      return encodeEntryBundle(rows.map((r) => Buffer.from(r.entry, 'utf8')));
    },

    audit: () => auditLedger({ db, tiles: new TileStore(), origin, verifierKeys: () => allVerifierKeys(db, 'log') }),
    checkpoints: () => allCheckpoints(db),

    async rotateLogKey(): Promise<string> {
      logKey = await rotateKey(db, deps.kek, 'log', origin, deps.clock.now());
      return logKey.vkey;
    },

    async addWitnessPeer(peer: { name: string; url: string; vkey: string }): Promise<void> {
      await witness.addPeer(peer);
      peerCount = undefined;
    },
    listWitnessPeers: () => witness.listPeers(),
    witnessLog: (log: { origin: string; vkey: string }) => witness.addWitnessedLog(log),
    listWitnessedLogs: () => witness.listWitnessedLogs(),
    /** The C2SP tlog-witness add-checkpoint endpoint, served by this node as a witness. */
    addCheckpoint: (body: string) => witness.addCheckpoint(body),
    requestCosignatures: async () => {
      const latest = await latestCheckpoint(db);
      if (latest) await requestCosignatures(latest);
    },
  };

  async function rangeAt(size: number): Promise<CompactRange> {
    return size === range?.size ? range : CompactRange.load(source, size);
  }
}
