// BagIt 1.0 (RFC 8493) writer for evidence export packages. Payload files are streamed: each byte is
// read once, hashed with every algorithm and written to a staging file that is fsynced and renamed
// into data/, so memory stays flat whatever the file size. finish() writes bag-info.txt (with
// Payload-Oxum), the payload manifests and, last of all, the tag manifests.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { BatchedWriter } from '../batched-writer.ts';
import { EarlySync } from '../early-sync.ts';
import { AppError, type ErrorCode } from '../errors.ts';
import { streamed } from '../memory.ts';
import { type BagInfoEntry, formatBagInfo, labelProblem, valueProblem } from './bag-info.ts';
import {
  BAGIT_DECLARATION,
  compareUtf8,
  encodeManifestPath,
  isoDate,
  PAYLOAD_MANIFEST_RE,
  relativePathProblem,
  TAG_MANIFEST_RE,
  WRITE_ALGORITHMS,
  type WriteAlgorithm,
} from './format.ts';
import { fsyncDir, writeFileDurably } from './fsio.ts';

export const DEFAULT_SOFTWARE_AGENT = 'Custodia BagIt writer (RFC 8493)';
/** Bag-info labels the writer fills itself; callers set them through options, not `info`. */
const WRITER_LABELS = new Set(['bagging-date', 'payload-oxum', 'bag-software-agent']);
/** Root tag names the writer owns or does not support (fetch.txt). */
const RESERVED_ROOT_NAMES = new Set(['bagit.txt', 'bag-info.txt', 'fetch.txt']);
const STAGING_DIR = '.bagit-staging';
const READ_CHUNK = 1 << 20;
/** A datasync starts in the background every this many payload bytes written (lib/early-sync.ts). */
const EARLY_SYNC_BYTES = 32 * 1024 * 1024;

export interface BagWriteProgress {
  /** Bag-relative path of the payload file being written, e.g. `data/exhibit-1.img.age`. */
  path: string;
  /** Bytes of this file written so far. */
  fileBytes: number;
  /** Payload bytes written so far by this writer, over all files. */
  totalBytes: number;
}

export interface BagWriterOptions {
  /** Caller's bag-info elements in order, e.g. `['External-Identifier', 'EXH-2026-001']`; labels may repeat. */
  info?: readonly BagInfoEntry[];
  /** Payload and tag manifest algorithms; both sha256 and sha512 by default. */
  algorithms?: readonly WriteAlgorithm[];
  /** `Bagging-Date`: a `YYYY-MM-DD` string or a Date (its UTC day); today (UTC) by default. */
  baggingDate?: string | Date;
  /** `Bag-Software-Agent`; {@link DEFAULT_SOFTWARE_AGENT} by default. */
  softwareAgent?: string;
  /** Called after every chunk written to a payload file. */
  onProgress?: (progress: BagWriteProgress) => void;
}

export interface BagFileRecord {
  /** Bag-relative path with `/` separators, unencoded (`data/…` for payload files). */
  path: string;
  size: number;
  /** Lower-case hex digest per algorithm written. */
  digests: Partial<Record<WriteAlgorithm, string>>;
}

export interface BagSummary {
  dir: string;
  algorithms: WriteAlgorithm[];
  /** `<octets>.<file count>` as written to bag-info.txt. */
  payloadOxum: string;
  octets: number;
  fileCount: number;
  /** Payload files in manifest order. */
  files: BagFileRecord[];
  /** Every tag file listed in the tag manifests (bagit.txt, bag-info.txt, manifests, custom tags). */
  tagFiles: BagFileRecord[];
}

/**
 * A payload file's bytes: a path, a stream, or an async iterable. Each chunk is hashed and copied
 * before the next one is asked for, so a source may lend its chunks (reuse their memory on the next
 * step), as lib/age/parallel-open.ts does.
 */
export type PayloadSource = Readable | AsyncIterable<Uint8Array> | string;

export interface BagWriter {
  readonly dir: string;
  /** Streams `source` (a stream, or the path of a file to copy) into `data/<relPath>`. */
  addPayloadFile(relPath: string, source: PayloadSource): Promise<BagFileRecord>;
  /** Writes a tag file outside data/, e.g. `custody/case.jsonld`; strings are written as UTF-8. */
  addTagFile(relPath: string, contents: Uint8Array | string): Promise<BagFileRecord>;
  /** Writes bag-info.txt, manifests and tag manifests, syncs everything; the writer is then closed. */
  finish(): Promise<BagSummary>;
  /** Gives up: removes staging files and closes the writer. What was written stays on disk. */
  abort(): Promise<void>;
}

function fail(code: ErrorCode, message: string, params: Record<string, string | number> = {}, cause?: unknown): AppError {
  return new AppError(code, { message, params, cause });
}

function checkOptions(options: BagWriterOptions): { algorithms: WriteAlgorithm[]; info: BagInfoEntry[]; baggingDate: string; agent: string } {
  const algorithms = [...(options.algorithms ?? WRITE_ALGORITHMS)];
  if (algorithms.length === 0) throw fail('bagit.algorithm_unsupported', 'at least one checksum algorithm is required');
  for (const alg of algorithms) {
    if (!WRITE_ALGORITHMS.includes(alg)) throw fail('bagit.algorithm_unsupported', `unsupported algorithm ${String(alg)}`, { algorithm: String(alg) });
  }
  if (new Set(algorithms).size !== algorithms.length) throw fail('bagit.algorithm_unsupported', 'an algorithm is listed twice');

  const info = [...(options.info ?? [])];
  for (const [label, value] of info) {
    const problem = labelProblem(label) ?? valueProblem(value);
    if (problem) throw fail('bagit.info_invalid', `bag-info element "${label}": ${problem}`, { label });
    if (WRITER_LABELS.has(label.toLowerCase())) {
      throw fail('bagit.info_invalid', `bag-info element "${label}" is written by the bag writer`, { label });
    }
  }

  const date = options.baggingDate ?? new Date();
  const baggingDate = typeof date === 'string' ? date : isoDate(date);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(baggingDate) || Number.isNaN(Date.parse(`${baggingDate}T00:00:00Z`))) {
    throw fail('bagit.info_invalid', `Bagging-Date must be YYYY-MM-DD, got "${baggingDate}"`, { label: 'Bagging-Date' });
  }
  const agent = options.softwareAgent ?? DEFAULT_SOFTWARE_AGENT;
  const agentProblem = valueProblem(agent);
  if (agentProblem) throw fail('bagit.info_invalid', `Bag-Software-Agent: ${agentProblem}`, { label: 'Bag-Software-Agent' });
  return { algorithms, info, baggingDate, agent };
}

/**
 * Starts a bag in `dir`, which must be absent or empty. Payload and tag files may be added
 * concurrently; call `finish()` once they have all settled.
 */
export async function createBagWriter(dir: string, options: BagWriterOptions = {}): Promise<BagWriter> {
  const checked = checkOptions(options);
  await mkdir(dir, { recursive: true });
  const existing = await readdir(dir);
  if (existing.length > 0) throw fail('bagit.dir_not_empty', `bag directory ${dir} is not empty`, { dir });
  await mkdir(join(dir, 'data'));
  await mkdir(join(dir, STAGING_DIR));
  return new FsBagWriter(dir, checked, options.onProgress);
}

type WriterState = 'open' | 'finishing' | 'closed';

class FsBagWriter implements BagWriter {
  readonly dir: string;
  readonly #algorithms: WriteAlgorithm[];
  readonly #info: BagInfoEntry[];
  readonly #baggingDate: string;
  readonly #agent: string;
  readonly #onProgress: ((progress: BagWriteProgress) => void) | undefined;
  readonly #staging: string;
  /** Bag-relative paths of files written or being written, and every directory above them. */
  readonly #files = new Set<string>();
  readonly #dirs = new Set<string>();
  readonly #payload = new Map<string, BagFileRecord>();
  readonly #tags = new Map<string, BagFileRecord>();
  #state: WriterState = 'open';
  #pending = 0;
  #writtenBytes = 0;

  constructor(
    dir: string,
    checked: { algorithms: WriteAlgorithm[]; info: BagInfoEntry[]; baggingDate: string; agent: string },
    onProgress: ((progress: BagWriteProgress) => void) | undefined,
  ) {
    this.dir = dir;
    this.#algorithms = checked.algorithms;
    this.#info = checked.info;
    this.#baggingDate = checked.baggingDate;
    this.#agent = checked.agent;
    this.#onProgress = onProgress;
    this.#staging = join(dir, STAGING_DIR);
  }

  async addPayloadFile(relPath: string, source: PayloadSource): Promise<BagFileRecord> {
    this.#assertOpen();
    const problem = relativePathProblem(relPath);
    if (problem) throw fail('bagit.path_invalid', `payload path "${relPath}": ${problem}`, { path: relPath });
    const bagPath = `data/${relPath}`;
    this.#reserve(bagPath);
    this.#pending++;
    const target = join(this.dir, ...bagPath.split('/'));
    const tmp = join(this.#staging, `${randomUUID()}.part`);
    let size = 0;
    try {
      await mkdir(dirname(target), { recursive: true });
      const hashes = this.#algorithms.map((alg) => createHash(alg));
      const handle = await open(tmp, 'wx');
      // The disk writes back while the payload is still being produced, not all at the final fsync.
      const early = new EarlySync(handle, EARLY_SYNC_BYTES);
      const out = new BatchedWriter(handle, { afterWrite: (bytes) => early.wrote(bytes) });
      try {
        const input = typeof source === 'string' ? createReadStream(source, { highWaterMark: READ_CHUNK }) : source;
        for await (const chunk of input as AsyncIterable<unknown>) {
          if (!(chunk instanceof Uint8Array))
            throw fail('bagit.source_invalid', `payload source for "${relPath}" yielded a non-binary chunk`, { path: bagPath });
          for (const hash of hashes) hash.update(chunk);
          await out.write(chunk);
          // Sources allocate as they go (a file's reads, a decryptor's output): collect as we go too.
          streamed(chunk.byteLength);
          size += chunk.byteLength;
          this.#writtenBytes += chunk.byteLength;
          this.#onProgress?.({ path: bagPath, fileBytes: size, totalBytes: this.#writtenBytes });
        }
        await out.end();
        await early.settled();
        await handle.sync();
      } finally {
        await out.settled();
        await early.settled();
        await handle.close();
      }
      await rename(tmp, target);
      await fsyncDir(dirname(target));
      const digests: Partial<Record<WriteAlgorithm, string>> = {};
      this.#algorithms.forEach((alg, i) => {
        digests[alg] = hashes[i]!.digest('hex');
      });
      const record: BagFileRecord = { path: bagPath, size, digests };
      this.#payload.set(bagPath, record);
      return record;
    } catch (err) {
      await rm(tmp, { force: true });
      this.#files.delete(bagPath);
      this.#writtenBytes -= size;
      if (err instanceof AppError) throw err;
      throw fail('bagit.payload_write_failed', `could not write payload file "${bagPath}": ${(err as Error).message}`, { path: bagPath }, err);
    } finally {
      this.#pending--;
    }
  }

  async addTagFile(relPath: string, contents: Uint8Array | string): Promise<BagFileRecord> {
    this.#assertOpen();
    const problem = relativePathProblem(relPath);
    if (problem) throw fail('bagit.path_invalid', `tag path "${relPath}": ${problem}`, { path: relPath });
    const first = relPath.split('/')[0]!;
    const atRoot = !relPath.includes('/');
    if (
      first === 'data' ||
      first === STAGING_DIR ||
      (atRoot && (RESERVED_ROOT_NAMES.has(relPath) || PAYLOAD_MANIFEST_RE.test(relPath) || TAG_MANIFEST_RE.test(relPath)))
    ) {
      throw fail('bagit.path_reserved', `tag path "${relPath}" is reserved by BagIt or by the writer`, { path: relPath });
    }
    this.#reserve(relPath);
    this.#pending++;
    try {
      const record = await this.#writeTag(relPath, typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents);
      return record;
    } catch (err) {
      this.#files.delete(relPath);
      if (err instanceof AppError) throw err;
      throw fail('bagit.tag_write_failed', `could not write tag file "${relPath}": ${(err as Error).message}`, { path: relPath }, err);
    } finally {
      this.#pending--;
    }
  }

  async finish(): Promise<BagSummary> {
    this.#assertOpen();
    if (this.#pending > 0) throw fail('bagit.writer_busy', `${this.#pending} file(s) still being written; wait for them before finish()`);
    this.#state = 'finishing';
    try {
      const files = [...this.#payload.values()].sort((a, b) => compareUtf8(encodeManifestPath(a.path), encodeManifestPath(b.path)));
      const octets = files.reduce((sum, f) => sum + f.size, 0);
      const payloadOxum = `${octets}.${files.length}`;

      await this.#writeTag('bagit.txt', Buffer.from(BAGIT_DECLARATION, 'utf8'));
      const info: BagInfoEntry[] = [...this.#info, ['Bagging-Date', this.#baggingDate], ['Payload-Oxum', payloadOxum], ['Bag-Software-Agent', this.#agent]];
      await this.#writeTag('bag-info.txt', Buffer.from(formatBagInfo(info), 'utf8'));
      for (const alg of this.#algorithms) {
        const text = files.map((f) => `${f.digests[alg]} ${encodeManifestPath(f.path)}\n`).join('');
        await this.#writeTag(`manifest-${alg}.txt`, Buffer.from(text, 'utf8'));
      }
      // Tag manifests last: a bag whose writing was interrupted has none and cannot pass as complete.
      const tagFiles = [...this.#tags.values()].sort((a, b) => compareUtf8(encodeManifestPath(a.path), encodeManifestPath(b.path)));
      for (const alg of this.#algorithms) {
        const text = tagFiles.map((f) => `${f.digests[alg]} ${encodeManifestPath(f.path)}\n`).join('');
        const name = `tagmanifest-${alg}.txt`;
        await writeFileDurably(join(this.#staging, `${randomUUID()}.part`), join(this.dir, name), Buffer.from(text, 'utf8'));
      }
      await rmdir(this.#staging);
      await this.#syncDirectories();
      this.#state = 'closed';
      return { dir: this.dir, algorithms: [...this.#algorithms], payloadOxum, octets, fileCount: files.length, files, tagFiles };
    } catch (err) {
      this.#state = 'closed';
      if (err instanceof AppError) throw err;
      throw fail('bagit.finish_failed', `could not finish the bag: ${(err as Error).message}`, { dir: this.dir }, err);
    }
  }

  async abort(): Promise<void> {
    this.#state = 'closed';
    await rm(this.#staging, { recursive: true, force: true });
  }

  #assertOpen(): void {
    if (this.#state !== 'open') throw fail('bagit.writer_closed', 'the bag writer is finished or aborted');
  }

  /** Claims a bag-relative path; rejects exact duplicates and file/directory clashes (`a` vs `a/b`). */
  #reserve(bagPath: string): void {
    if (this.#files.has(bagPath)) throw fail('bagit.path_duplicate', `"${bagPath}" was already added`, { path: bagPath });
    if (this.#dirs.has(bagPath)) throw fail('bagit.path_conflict', `"${bagPath}" is already a directory in the bag`, { path: bagPath });
    const segments = bagPath.split('/');
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join('/');
      if (this.#files.has(parent)) throw fail('bagit.path_conflict', `"${parent}" is a file, so "${bagPath}" cannot be added`, { path: bagPath });
    }
    this.#files.add(bagPath);
    for (let i = 1; i < segments.length; i++) this.#dirs.add(segments.slice(0, i).join('/'));
  }

  async #writeTag(relPath: string, bytes: Uint8Array): Promise<BagFileRecord> {
    const target = join(this.dir, ...relPath.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFileDurably(join(this.#staging, `${randomUUID()}.part`), target, bytes);
    const digests: Partial<Record<WriteAlgorithm, string>> = {};
    for (const alg of this.#algorithms) digests[alg] = createHash(alg).update(bytes).digest('hex');
    const record: BagFileRecord = { path: relPath, size: bytes.byteLength, digests };
    this.#tags.set(relPath, record);
    return record;
  }

  /** fsyncs every directory holding something the writer created, deepest first, then the bag's parent. */
  async #syncDirectories(): Promise<void> {
    const dirs = [...this.#dirs, 'data'].sort((a, b) => b.split('/').length - a.split('/').length);
    for (const rel of new Set(dirs)) await fsyncDir(join(this.dir, ...rel.split('/')));
    await fsyncDir(this.dir);
    await fsyncDir(dirname(this.dir));
  }
}
