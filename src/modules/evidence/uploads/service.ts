// Resumable evidence uploads (the domain behind the tus 1.0 adapter in src/http/api/uploads.routes.ts):
// create, append, status, terminate, expire and complete. Bytes are staged encrypted on the node's
// local disk (staging.ts) until the last one is in; then the vault adopts the staged age file.
//
// Error codes (AppError), each raised when:
// - upload.not_found: no such upload for this person (someone else's is not found either), or it was terminated;
// - upload.expired: its time ran out before it was complete (it is kept track of, so: gone);
// - upload.offset_mismatch: a PATCH did not start at the current offset (params.offset tells it);
// - upload.checksum_mismatch: the bytes of a PATCH did not match its checksum; nothing was kept;
// - upload.checksum_unsupported: a checksum algorithm other than sha1, sha256, md5;
// - upload.too_large: longer than the largest upload accepted, or bytes beyond the declared length;
// - upload.locked: another request is writing to this upload and did not finish in time;
// - upload.interrupted: the connection closed before the body ended (what was received is kept, unless it had a checksum);
// - upload.disk_full: the staging disk is full; nothing more was acknowledged;
// - upload.staging_damaged: the staged bytes cannot be read with the upload's key (tampering, a foreign file);
// - validation.failed: the metadata does not describe an evidence item (fields as `metadata.<key>`);
// - forbidden: the node's operator at the shell, who is no person, cannot own uploads;
// and whatever the vault raises while checking or adopting (not_found for an unseen case,
// evidence.exhibit_exists, …).
import { createHash, randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely, Selectable } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../../lib/clock.ts';
import { AppError, type FieldProblem, isAppError } from '../../../lib/errors.ts';
import { seal, unseal } from '../../../lib/seal.ts';
import type { Database, EvidenceUploadTable } from '../../../storage/db/schema.ts';
import type { Actor, Principal } from '../../identity/index.ts';
import type { Digests } from '../ingest.ts';
import type { EvidenceIntake, NewEvidence } from '../model.ts';
import { RunningDigests } from './running-digests.ts';
import { type Appender, createStaging, openStaging, removeStaging, type Staging, type StagingShape } from './staging.ts';

/** Checksum algorithms a PATCH may carry (tus checksum extension; sha1 is the one it requires). */
export const CHECKSUM_ALGORITHMS = ['sha1', 'sha256', 'md5'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/**
 * The Upload-Metadata keys an evidence upload understands, and where each goes in the vault's
 * description of a new item (`NewEvidence`). `md5` and `sha1` ask for those digests when present.
 * Other keys (tus clients add `filetype`, `name`…) are kept and echoed, never interpreted.
 */
export const METADATA_KEYS = {
  case: 'caseReference',
  exhibit: 'exhibit',
  filename: 'fileName',
  description: 'description',
  acquiredBy: 'acquisition.by',
  acquiredAt: 'acquisition.at',
  acquiredWhere: 'acquisition.where',
  tool: 'acquisition.tool',
  toolVersion: 'acquisition.toolVersion',
  method: 'acquisition.method',
  source: 'acquisition.source',
  authority: 'acquisition.authority',
  md5: 'md5',
  sha1: 'sha1',
} as const;
const KEY_OF_PATH: Record<string, string> = Object.fromEntries(Object.entries(METADATA_KEYS).map(([key, path]) => [path, key]));

export interface UploadsDeps {
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
  /** The node's key-encryption key: each upload's age file key is sealed under it. */
  kek: Buffer;
  intake: EvidenceIntake;
  /** Local directory where uploads are staged (config.uploadDir). */
  uploadDir: string;
  /** Hours from creation until an unfinished upload expires (config.uploadExpiryHours). */
  expiryHours: number;
  /** Largest Upload-Length accepted (config.maxUploadBytes). */
  maxBytes: number;
  /** How long a request waits for another one writing to the same upload before `upload.locked`. */
  lockWaitMs?: number;
  /** A PATCH without checksum is committed every this many bytes, so a crash loses at most this much. */
  commitEveryBytes?: number;
}

/** What a client may know of an upload. */
export interface UploadStatus {
  id: string;
  /** Bytes acknowledged. */
  offset: number;
  length: number;
  /** Upload-Metadata exactly as the client sent it at creation ('' if none). */
  metadata: string;
  /** ISO instant after which an unfinished upload is gone; absent once complete. */
  expiresAt?: string;
  /** The evidence item the upload became, once complete. */
  itemId?: string;
}

export interface NewUpload {
  /** Upload-Length: the plaintext size, fixed at creation (deferred length is not supported). */
  length: number;
  /** Decoded Upload-Metadata pairs. */
  metadata: Readonly<Record<string, string>>;
  /** The Upload-Metadata header as received, echoed by status. */
  metadataHeader: string;
}

export interface AppendRequest {
  /** Upload-Offset: where the client believes the upload stands. */
  offset: number;
  /** Content-Length when the client declared one: refused at once if it would overrun. */
  contentLength?: number | undefined;
  /** Upload-Checksum over this request's bytes: nothing is kept unless it matches. */
  checksum?: { algorithm: ChecksumAlgorithm; digest: Buffer } | undefined;
  /** The request body, consumed as it arrives (never buffered whole). */
  body?: AsyncIterable<Uint8Array> | undefined;
}

export interface SweepResult {
  /** Unfinished uploads that ran out of time: staging removed. */
  expired: number;
  /** Staging directories no open upload owns (left by a crash): removed. */
  orphans: number;
  /** Finished, failed or expired upload records past their retention: deleted. */
  forgotten: number;
}

/** Resumable evidence uploads (tus 1.0): the `evidence_uploads` table and the staging directory; complete uploads are adopted by the vault. */
export interface Uploads {
  readonly maxBytes: number;
  /** Creates an upload after the vault accepts its description. Length 0 completes at once. */
  create(actor: Actor, input: NewUpload): Promise<UploadStatus>;
  /** Offset from disk; completes an upload whose bytes are all in but whose adoption was interrupted. */
  status(actor: Actor, id: string): Promise<UploadStatus>;
  /** Takes the next bytes; the one that brings the offset to the length completes the upload. */
  append(actor: Actor, id: string, request: AppendRequest): Promise<UploadStatus>;
  /** Ends an upload: its staged bytes are removed at once. */
  terminate(actor: Actor, id: string): Promise<void>;
  /** Removes expired and orphaned staging and forgets old records; the server calls it on a timer. */
  sweepExpired(now?: Date): Promise<SweepResult>;
}

type UploadRow = Selectable<EvidenceUploadTable>;
interface StoredMetadata {
  header: string;
  evidence: NewEvidence;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HOUR_MS = 3_600_000;
/** Records of finished or abandoned uploads are kept this long after expiry (HEAD answers 410 meanwhile). */
const FORGET_AFTER_MS = 30 * 24 * HOUR_MS;
/** A staging directory without an open upload younger than this may be a creation in progress. */
const ORPHAN_GRACE_MS = HOUR_MS;
/** Vault failures worth retrying with the staged bytes kept (the upload stays open, complete on disk). */
const RETRIABLE = new Set(['internal', 'blob.disk_full', 'identity.busy']);

const notFound = (id: string) => new AppError('upload.not_found', { message: `no upload ${id}` });

function principalOf(actor: Actor): Principal {
  if (actor.kind !== 'principal') throw new AppError('forbidden', { message: 'uploads belong to a person; the node operator cannot own one' });
  return actor.principal;
}

/** The description of a new item from Upload-Metadata pairs (the vault validates it). */
export function evidenceInputFromMetadata(metadata: Readonly<Record<string, string>>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const acquisition: Record<string, unknown> = {};
  for (const [key, path] of Object.entries(METADATA_KEYS)) {
    if (!Object.hasOwn(metadata, key)) continue;
    const value = metadata[key] as string;
    if (path === 'md5' || path === 'sha1') input[path] = true;
    else if (path.startsWith('acquisition.')) acquisition[path.slice('acquisition.'.length)] = value;
    else input[path] = value;
  }
  input.acquisition = acquisition;
  return input;
}

/** Names invalid fields as the metadata keys the client sent (`metadata.acquiredBy`), not the vault's paths. */
function inMetadataTerms(error: unknown): unknown {
  if (!isAppError(error) || error.fields.length === 0) return error;
  const fields: FieldProblem[] = error.fields.map((f) => {
    const key = KEY_OF_PATH[f.path] ?? (f.path === 'acquisition' ? 'acquiredBy' : undefined);
    return key === undefined ? f : { ...f, path: `metadata.${key}` };
  });
  return new AppError(error.code, { message: error.message, fields, params: error.params, ...(error.details ? { details: error.details } : {}), cause: error });
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function diskError(error: unknown): unknown {
  if (errnoOf(error) === 'ENOSPC' || errnoOf(error) === 'EDQUOT') {
    return new AppError('upload.disk_full', { message: 'the staging disk is full; nothing more was acknowledged', cause: error });
  }
  return error;
}

/** One writer per upload at a time, in this process. */
class Locks {
  readonly #held = new Map<string, Promise<void>>();

  tryAcquire(id: string): (() => void) | undefined {
    if (this.#held.has(id)) return undefined;
    let release!: () => void;
    this.#held.set(
      id,
      new Promise<void>((resolve) => {
        release = resolve;
      }),
    );
    return () => {
      this.#held.delete(id);
      release();
    };
  }

  async acquire(id: string, waitMs: number): Promise<() => void> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const release = this.tryAcquire(id);
      if (release) return release;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new AppError('upload.locked', { message: 'another request is writing to this upload; retry shortly' });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#held.get(id), new Promise<void>((resolve) => (timer = setTimeout(resolve, remaining)))]);
      clearTimeout(timer);
    }
  }
}

/**
 * The uploads service. Each upload belongs to the person who created it, in the organisation they
 * acted in: anyone else is told it does not exist.
 *
 * @example
 * const uploads = createUploads({ db, clock, log, kek, intake: app.evidence, uploadDir, expiryHours: 24, maxBytes });
 * const created = await uploads.create(actor, { length: 5, metadata: { case: 'C-1', exhibit: 'E1', acquiredBy: 'PNP', acquiredAt: '2026-11-24T10:00:00-05:00' }, metadataHeader });
 * await uploads.append(actor, created.id, { offset: 0, body: [Buffer.from('hello')] }); // → { offset: 5, itemId }
 */
export function createUploads(deps: UploadsDeps): Uploads {
  const { db, clock, log, kek, intake } = deps;
  const locks = new Locks();
  const lockWaitMs = deps.lockWaitMs ?? 10_000;
  // Each commit holds the body back while it fsyncs (about 40 ms here): every 256 MiB costs a
  // quarter of what every 64 MiB did (bench/evidence.ts), and a crash still costs the client at
  // most a few seconds of sending again.
  const commitEvery = deps.commitEveryBytes ?? 256 * 1024 * 1024;
  const running = new RunningDigests();

  const shapeOf = (row: { id: string; length: number | string }): StagingShape => ({
    dir: join(deps.uploadDir, row.id),
    uploadId: row.id,
    length: Number(row.length),
  });
  const fileKeyOf = (row: UploadRow) => Buffer.from(unseal(kek, row.sealed_file_key, `upload:${row.id}`, 'upload.staging_damaged'), 'base64');
  const storedOf = (row: UploadRow) => JSON.parse(row.metadata) as StoredMetadata;

  function statusOf(row: UploadRow, offset: number, itemId?: string | null): UploadStatus {
    const status: UploadStatus = { id: row.id, offset, length: Number(row.length), metadata: storedOf(row).header };
    if (itemId) status.itemId = itemId;
    else status.expiresAt = row.expires_at;
    return status;
  }

  /** The caller's own upload, still usable (complete ones are readable), else not found / expired. */
  async function ownUpload(actor: Actor, id: string): Promise<UploadRow> {
    const principal = principalOf(actor);
    if (!UUID.test(id)) throw notFound(id);
    const row = await db.selectFrom('evidence_uploads').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || row.user_id !== principal.userId || row.org_id !== principal.orgId) throw notFound(id);
    if (row.state === 'complete') return row;
    if (Date.parse(row.expires_at) <= clock.now().getTime()) throw new AppError('upload.expired', { message: `upload ${id} expired at ${row.expires_at}` });
    if (row.state !== 'open') throw notFound(id);
    return row;
  }

  async function reread(id: string): Promise<UploadRow> {
    const row = await db.selectFrom('evidence_uploads').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(id);
    return row;
  }

  /**
   * Hands a complete staged upload to the vault. On success the upload records the item and its
   * staging goes; on a refusal (the case, the exhibit, the bytes) it fails and keeps nothing; on an
   * unexpected failure it stays open and complete on disk, so the next HEAD or PATCH retries.
   * Called with the upload's lock held.
   */
  async function adopt(actor: Actor, row: UploadRow, staging: Staging): Promise<UploadStatus> {
    const shape = shapeOf(row);
    let itemId: string;
    try {
      const path = await staging.completeFilePath();
      const digests = running.complete(row.id, shape.length);
      const item = await intake.adoptStaged(actor, row.org_id, storedOf(row).evidence, {
        bytes: shape.length,
        open: () => staging.openFile(),
        path,
        ...(digests ? { digests } : {}),
      });
      itemId = item.id;
      running.forget(row.id);
    } catch (error) {
      if (!isAppError(error) || RETRIABLE.has(error.code)) {
        log.error({ err: error, upload: row.id }, 'the vault could not adopt a complete upload; kept for a retry');
        throw error;
      }
      await db.updateTable('evidence_uploads').set({ state: 'failed' }).where('id', '=', row.id).where('state', '=', 'open').execute();
      running.forget(row.id);
      await removeStaging(shape.dir);
      throw error;
    }
    await db.updateTable('evidence_uploads').set({ state: 'complete', item_id: itemId }).where('id', '=', row.id).execute();
    await removeStaging(shape.dir).catch((error: unknown) => log.warn({ err: error, upload: row.id }, 'could not remove the staging of a complete upload'));
    return statusOf(row, shape.length, itemId);
  }

  /**
   * Reads the request body into the appender, and into the upload's running digests when it has
   * them; returns how it ended. Never reads past the declared length.
   */
  async function take(
    appender: Appender,
    body: AsyncIterable<Uint8Array>,
    remaining: number,
    hash: ReturnType<typeof createHash> | undefined,
    working: Digests | undefined,
    commit: () => Promise<unknown>,
  ): Promise<{ ended: 'complete' } | { ended: 'interrupted'; cause: unknown } | { ended: 'overrun' }> {
    const iterator = body[Symbol.asyncIterator]();
    let received = 0;
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await iterator.next();
      } catch (cause) {
        return { ended: 'interrupted', cause };
      }
      if (next.done) return { ended: 'complete' };
      const piece = next.value;
      received += piece.length;
      // Not one byte past the declared length is taken; the rest of the body is left unread.
      if (received > remaining) return { ended: 'overrun' };
      hash?.update(piece);
      working?.update(piece);
      const writing = appender.write(piece);
      if (writing) await writing;
      if (hash === undefined && appender.uncommitted >= commitEvery) await commit();
    }
  }

  return {
    maxBytes: deps.maxBytes,

    async create(actor, input) {
      const principal = principalOf(actor);
      if (!Number.isSafeInteger(input.length) || input.length < 0)
        throw new AppError('upload.length_required', { message: 'Upload-Length must be a non-negative integer' });
      if (input.length > deps.maxBytes) {
        throw new AppError('upload.too_large', { message: `the largest upload accepted is ${deps.maxBytes} bytes`, params: { max: deps.maxBytes } });
      }
      // The vault judges the description and the person's right to add to the case before any byte.
      let evidence: NewEvidence;
      try {
        evidence = await intake.checkIntake(actor, principal.orgId, evidenceInputFromMetadata(input.metadata));
      } catch (error) {
        throw inMetadataTerms(error);
      }
      const recipients = await intake.vaultRecipients();
      const now = clock.now();
      const row: UploadRow = {
        id: randomUUID(),
        org_id: principal.orgId,
        user_id: principal.userId,
        metadata: JSON.stringify({ header: input.metadataHeader, evidence } satisfies StoredMetadata),
        length: input.length,
        sealed_file_key: '',
        state: 'open',
        item_id: null,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + deps.expiryHours * HOUR_MS).toISOString(),
      };
      const shape = shapeOf(row);
      // Disk first, then the record: a crash in between leaves an orphan directory the sweep removes.
      let fileKey: Buffer;
      try {
        fileKey = await createStaging(shape, recipients);
      } catch (error) {
        await removeStaging(shape.dir).catch(() => undefined);
        throw diskError(error);
      }
      row.sealed_file_key = seal(kek, fileKey.toString('base64'), `upload:${row.id}`);
      try {
        await db.insertInto('evidence_uploads').values(row).execute();
      } catch (error) {
        await removeStaging(shape.dir).catch(() => undefined);
        throw error;
      }
      log.info({ upload: row.id, bytes: row.length }, 'upload created');
      if (input.length > 0) return statusOf(row, 0);
      // An empty file is complete on creation: its one (empty, final) chunk is sealed and adopted.
      const release = locks.tryAcquire(row.id) as () => void;
      try {
        const staging = await openStaging(shape, fileKey);
        const appender = await staging.append();
        try {
          await appender.commit();
        } finally {
          await appender.close();
        }
        return await adopt(actor, row, await openStaging(shape, fileKey));
      } finally {
        release();
      }
    },

    async status(actor, id) {
      const row = await ownUpload(actor, id);
      if (row.state === 'complete') return statusOf(row, Number(row.length), row.item_id);
      const staging = await openStaging(shapeOf(row), fileKeyOf(row));
      if (!staging.state.complete) return statusOf(row, staging.state.offset);
      // All bytes in but not adopted (a crash or a vault failure): finish now, unless a writer is at it.
      const release = locks.tryAcquire(id);
      if (!release) return statusOf(row, staging.state.offset);
      try {
        const current = await reread(id);
        if (current.state === 'complete') return statusOf(current, Number(current.length), current.item_id);
        return await adopt(actor, current, await openStaging(shapeOf(current), fileKeyOf(current)));
      } finally {
        release();
      }
    },

    async append(actor, id, request) {
      let row = await ownUpload(actor, id);
      const length = Number(row.length);
      if (row.state === 'complete') {
        // A client repeating its last PATCH (the answer was lost) learns where things stand.
        if (request.offset !== length)
          throw new AppError('upload.offset_mismatch', { message: `the upload is complete at ${length}`, params: { offset: length } });
        if ((request.contentLength ?? 0) > 0) throw new AppError('upload.too_large', { message: 'the upload is already complete' });
        return statusOf(row, length, row.item_id);
      }
      const release = await locks.acquire(id, lockWaitMs);
      try {
        row = await ownUpload(actor, id);
        if (row.state === 'complete') return statusOf(row, length, row.item_id);
        const shape = shapeOf(row);
        const staging = await openStaging(shape, fileKeyOf(row));
        const { offset } = staging.state;
        if (request.offset !== offset) {
          throw new AppError('upload.offset_mismatch', { message: `the upload stands at ${offset}, not ${request.offset}`, params: { offset } });
        }
        const remaining = length - offset;
        if (request.contentLength !== undefined && request.contentLength > remaining) {
          throw new AppError('upload.too_large', { message: `${request.contentLength} bytes sent, ${remaining} expected at most`, params: { max: remaining } });
        }
        if (staging.state.complete) return await adopt(actor, row, staging);
        if (request.body === undefined) return statusOf(row, offset);

        const appender = await staging.append().catch((error: unknown) => {
          throw diskError(error);
        });
        let state = staging.state;
        try {
          const hash = request.checksum ? createHash(request.checksum.algorithm) : undefined;
          const working = running.begin(id, offset, storedOf(row).evidence);
          // Every commit moves the answer's offset, a mid-body one too (it may have taken the last byte).
          const commit = async () => {
            state = await appender.commit();
            if (working) running.commit(id, state.offset, working);
            return state;
          };
          const outcome = await take(appender, request.body, remaining, hash, working, commit).catch(async (error: unknown) => {
            await appender.discard();
            throw diskError(error);
          });
          if (outcome.ended === 'overrun') {
            await appender.discard();
            throw new AppError('upload.too_large', { message: `more bytes than the ${length} declared`, params: { max: remaining } });
          }
          if (outcome.ended === 'interrupted') {
            // Without a checksum, what arrived is good data: keep it so the client resumes after it.
            // With one, nothing can be verified, so nothing is kept.
            if (hash) await appender.discard();
            else await commit().catch((error: unknown) => Promise.reject(diskError(error)));
            log.info({ upload: id, offset: state.offset }, 'upload interrupted');
            throw new AppError('upload.interrupted', {
              message: 'the connection closed before the body ended',
              cause: outcome.cause,
              params: { offset: state.offset },
            });
          }
          if (hash && request.checksum && !hash.digest().equals(request.checksum.digest)) {
            await appender.discard();
            throw new AppError('upload.checksum_mismatch', {
              message: `the ${request.checksum.algorithm} of the bytes sent does not match Upload-Checksum`,
              params: { offset },
            });
          }
          if (appender.uncommitted > 0) await commit().catch((error: unknown) => Promise.reject(diskError(error)));
        } finally {
          await appender.close();
        }
        if (state.complete) return await adopt(actor, row, await openStaging(shape, fileKeyOf(row)));
        return statusOf(row, state.offset);
      } finally {
        release();
      }
    },

    async terminate(actor, id) {
      const row = await ownUpload(actor, id);
      if (row.state === 'complete') {
        // The item stays in the vault; only the record of how it arrived goes.
        await db.deleteFrom('evidence_uploads').where('id', '=', id).execute();
        return;
      }
      const release = await locks.acquire(id, lockWaitMs);
      try {
        await db.updateTable('evidence_uploads').set({ state: 'failed' }).where('id', '=', id).where('state', '=', 'open').execute();
        running.forget(id);
        await removeStaging(shapeOf(row).dir);
      } finally {
        release();
      }
      log.info({ upload: id }, 'upload terminated');
    },

    async sweepExpired(now = clock.now()) {
      const at = now.toISOString();
      const result: SweepResult = { expired: 0, orphans: 0, forgotten: 0 };
      const expired = await db.selectFrom('evidence_uploads').select(['id', 'length']).where('state', '=', 'open').where('expires_at', '<=', at).execute();
      for (const row of expired) {
        const release = locks.tryAcquire(row.id);
        if (!release) continue;
        try {
          await removeStaging(shapeOf(row).dir);
          await db.updateTable('evidence_uploads').set({ state: 'failed' }).where('id', '=', row.id).where('state', '=', 'open').execute();
          running.forget(row.id);
          result.expired++;
        } finally {
          release();
        }
      }
      let names: string[] = [];
      try {
        names = (await readdir(deps.uploadDir)).filter((name) => UUID.test(name));
      } catch (error) {
        if (errnoOf(error) !== 'ENOENT') throw error;
      }
      for (let i = 0; i < names.length; i += 500) {
        const batch = names.slice(i, i + 500);
        const open = new Set(
          (await db.selectFrom('evidence_uploads').select('id').where('id', 'in', batch).where('state', '=', 'open').execute()).map((r) => r.id),
        );
        for (const name of batch) {
          if (open.has(name)) continue;
          const dir = join(deps.uploadDir, name);
          const info = await stat(dir).catch(() => undefined);
          if (!info || now.getTime() - info.mtimeMs < ORPHAN_GRACE_MS) continue;
          const release = locks.tryAcquire(name);
          if (!release) continue;
          try {
            await removeStaging(dir);
            result.orphans++;
          } finally {
            release();
          }
        }
      }
      const forgotten = await db
        .deleteFrom('evidence_uploads')
        .where('state', '!=', 'open')
        .where('expires_at', '<', new Date(now.getTime() - FORGET_AFTER_MS).toISOString())
        .executeTakeFirst();
      result.forgotten = Number(forgotten.numDeletedRows);
      if (result.expired + result.orphans + result.forgotten > 0) log.info(result, 'upload sweep');
      return result;
    },
  };
}
