// Writes an evidence export package: a BagIt 1.0 bag (RFC 8493, sha256 and sha512 manifests) whose
// payload is the evidence (plaintext, or age files re-wrapped to a recipient) and whose tag files
// carry the custody history (CASE/UCO JSON-LD, ledger proofs, the disclosures that open blinded
// entries, checkpoint, log key) and a
// verification report for court. Everything is checked before or while it is written, and the bag
// is built in a sibling directory renamed into place at the end, so a failure leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { rewrapStream } from '../../../lib/age/age.ts';
import { validateBag } from '../../../lib/bagit/validator.ts';
import { type BagFileRecord, type BagSummary, type BagWriter, createBagWriter } from '../../../lib/bagit/writer.ts';
import { AppError } from '../../../lib/errors.ts';
import { encodeDisclosureFile } from '../../ledger/index.ts';
import type { EvidenceItem } from '../model.ts';
import { buildCaseUco } from './case-uco.ts';
import { type CheckedEvent, type CustodyInput, checkCustody } from './custody-check.ts';
import {
  CASE_UCO_PATH,
  CHECKPOINT_PATH,
  disclosurePath,
  EVENTS_FORMAT,
  EVENTS_PATH,
  type EventsFile,
  EXHIBIT_LABEL,
  exhibitInfoValue,
  planPayloadPaths,
  proofPath,
  REPORT_LOCALES,
  type ReportLocale,
  reportPath,
  SOFTWARE_AGENT,
  VKEY_PATH,
} from './layout.ts';
import { renderVerificationReport } from './report.ts';
import type { ReportCheck, ReportModel } from './report-model.ts';
import { plaintextOf, rewrappedOf } from './sources.ts';
import { buildReportModel } from './verification-model.ts';

export interface PackageSourceItem {
  item: EvidenceItem;
  /** The stored blob: an age v1 file encrypted to the vault. */
  openStored(): Promise<Readable>;
}

export interface PackageInput {
  case: { id: string; reference: string; title: string; orgId: string; orgName: string };
  /** ISO instant with offset; its date (as written) is the Bagging-Date. */
  generatedAt: string;
  /** The person making the package. */
  generatedBy: string;
  /** AGE-SECRET-KEY-1… able to open the stored blobs. */
  vaultIdentities: string[];
  items: PackageSourceItem[];
  /** Each custody event: its details, its proof bundle, and the salt that opens its leaf when that is blinded. */
  custody: CustodyInput[];
  logOrigin: string;
  /** Signed-note verifier key `<name>+<hex id>+<base64>`. */
  logVerifierKey: string;
  /** The signed checkpoint note every proof uses (with cosignatures). */
  checkpoint: string;
  /** age1…: payload files become `<name>.age`, their header re-wrapped to it. */
  recipient?: string;
}

export interface PackageWriteProgress {
  /** Bag-relative path of the payload file being written. */
  path: string;
  /** Bytes of that file written so far. */
  bytes: number;
  /** Payload bytes written so far. */
  totalBytes: number;
  /** Payload bytes expected in all; for `.age` payloads an estimate that leaves out the age headers. */
  totalExpected: number;
}

export type RenderReport = (model: ReportModel, locale: ReportLocale) => Promise<{ html: string; pdf: Buffer }>;

export interface PackageWriteOptions {
  onProgress?(p: PackageWriteProgress): void;
  /** The report renderer; renderVerificationReport of ./report.ts by default (tests replace it). */
  renderReport?: RenderReport;
}

export interface PackageWriteResult {
  dir: string;
  /** Files in the bag, payload and tag files (manifests and tag manifests included). */
  files: number;
  payloadBytes: number;
  report: ReportModel;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
/** age STREAM: a 16-byte nonce, then 64 KiB chunks each with a 16-byte tag (at least one chunk). */
const AGE_NONCE = 16;
const AGE_CHUNK = 64 * 1024;
const AGE_TAG = 16;

function invalid(message: string, params: Record<string, string | number> = {}): AppError {
  return new AppError('evidence.package_input_invalid', { message, params });
}

/** Bag-info values are single lines. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function checkInput(input: PackageInput): void {
  if (!ISO_INSTANT.test(input.generatedAt) || Number.isNaN(Date.parse(input.generatedAt))) throw invalid('generatedAt must be an ISO 8601 instant with offset');
  if (input.vaultIdentities.length === 0) throw invalid('at least one vault identity is needed to open the stored blobs');
  if (input.items.length === 0) throw invalid('a package needs at least one item');
  if (!input.case.reference.trim()) throw invalid('the case reference is empty');
  const ids = new Set<string>();
  const exhibits = new Set<string>();
  for (const { item } of input.items) {
    if (ids.has(item.id)) throw invalid(`item ${item.id} is listed twice`, { itemId: item.id });
    if (exhibits.has(item.exhibit)) throw invalid(`exhibit ${item.exhibit} is listed twice`, { exhibit: item.exhibit });
    if (!/^[0-9a-f]{64}$/.test(item.sha256)) throw invalid(`exhibit ${item.exhibit} has no valid SHA-256`, { exhibit: item.exhibit });
    if (/\s/.test(item.exhibit) || item.exhibit === '') throw invalid(`exhibit number "${item.exhibit}" is empty or has spaces`, { exhibit: item.exhibit });
    ids.add(item.id);
    exhibits.add(item.exhibit);
  }
  // Construct (and drop) a rewrapper now: it validates the keys before any work is done.
  if (input.recipient !== undefined) rewrapStream(input.vaultIdentities, [input.recipient]).destroy();
}

/** outDir must not exist, or be an empty directory; its parent must exist. */
async function checkTarget(target: string): Promise<void> {
  const s = await stat(target).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (s === undefined) {
    const parent = await stat(resolve(target, '..')).catch(() => undefined);
    if (!parent?.isDirectory()) throw invalid(`the folder that should hold ${target} does not exist`);
    return;
  }
  if (!s.isDirectory() || (await readdir(target)).length > 0)
    throw new AppError('evidence.package_dir_not_empty', { message: `${target} exists and is not an empty directory`, params: { dir: target } });
}

function expectedBytes(items: readonly PackageSourceItem[], encrypted: boolean): number {
  return items.reduce((sum, { item }) => {
    const overhead = encrypted ? AGE_NONCE + AGE_TAG * Math.max(1, Math.ceil(item.bytes / AGE_CHUNK)) : 0;
    return sum + item.bytes + overhead;
  }, 0);
}

function fixityMismatch(item: EvidenceItem, got: { sha256: string; bytes: number }): AppError {
  return new AppError('evidence.fixity_mismatch', {
    message: `exhibit ${item.exhibit}: the stored blob decrypts to ${got.bytes} bytes with SHA-256 ${got.sha256}, recorded ${item.bytes} bytes with ${item.sha256}`,
    params: { exhibit: item.exhibit },
  });
}

/** Streams one item into the bag and checks its plaintext against the recorded SHA-256 and size. */
async function writePayload(bag: BagWriter, source: PackageSourceItem, relPath: string, input: PackageInput): Promise<BagFileRecord> {
  const { item } = source;
  let stored: Readable | undefined;
  try {
    stored = await source.openStored();
    if (input.recipient === undefined) {
      const record = await bag.addPayloadFile(relPath, plaintextOf(stored, input.vaultIdentities));
      const got = { sha256: record.digests.sha256!, bytes: record.size };
      if (got.sha256 !== item.sha256 || got.bytes !== item.bytes) throw fixityMismatch(item, got);
      return record;
    }
    const { stream, plaintext } = rewrappedOf(stored, input.vaultIdentities, input.recipient);
    const record = await bag.addPayloadFile(relPath, stream);
    const got = { sha256: plaintext.sha256(), bytes: plaintext.bytes() };
    if (got.sha256 !== item.sha256 || got.bytes !== item.bytes) throw fixityMismatch(item, got);
    return record;
  } catch (err) {
    if (err instanceof AppError && err.code === 'evidence.fixity_mismatch') throw err;
    throw new AppError('evidence.package_payload_failed', {
      message: `exhibit ${item.exhibit}: could not export the stored blob: ${(err as Error).message}`,
      params: { exhibit: item.exhibit },
      cause: err,
    });
  } finally {
    stored?.destroy();
  }
}

function eventsFile(input: PackageInput, paths: string[], events: CheckedEvent[]): EventsFile {
  return {
    format: EVENTS_FORMAT,
    case: { reference: input.case.reference, title: input.case.title },
    logOrigin: input.logOrigin,
    items: input.items.map(({ item }, i) => ({
      itemId: item.id,
      exhibit: item.exhibit,
      path: `data/${paths[i]}`,
      sha256: item.sha256,
      bytes: item.bytes,
      encrypted: input.recipient !== undefined,
    })),
    events: events.map((e) => ({
      index: e.index,
      itemId: e.item.id,
      exhibit: e.item.exhibit,
      event: e.event,
      at: e.entry.at,
      actor: e.entry.actor,
      reason: e.reason,
      proof: proofPath(e.index),
    })),
  };
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Writes the package into `outDir` (absent or empty). Throws evidence.package_input_invalid,
 * evidence.package_checkpoint_invalid, evidence.package_proof_invalid, evidence.package_custody_mismatch,
 * evidence.package_item_unanchored, evidence.package_dir_not_empty, evidence.fixity_mismatch or
 * evidence.package_payload_failed (and whatever the report renderer throws); nothing is left at
 * `outDir` when it throws.
 */
export async function writeEvidencePackage(outDir: string, input: PackageInput, options: PackageWriteOptions = {}): Promise<PackageWriteResult> {
  checkInput(input);
  const { events, checkpoint } = checkCustody(input);
  const paths = planPayloadPaths(
    input.items.map(({ item }) => item),
    input.recipient !== undefined,
  );
  const target = resolve(outDir);
  await checkTarget(target);
  const partial = `${target}.partial-${randomBytes(6).toString('hex')}`;
  const totalExpected = expectedBytes(input.items, input.recipient !== undefined);
  const render = options.renderReport ?? renderVerificationReport;

  try {
    const bag = await createBagWriter(partial, {
      info: [
        ['Source-Organization', oneLine(input.case.orgName)],
        ['Contact-Name', oneLine(input.generatedBy)],
        ['External-Identifier', oneLine(input.case.reference)],
        ['External-Description', oneLine(input.case.title)],
        ['Bag-Group-Identifier', oneLine(input.case.id)],
        ...input.items.map(({ item }) => [EXHIBIT_LABEL, exhibitInfoValue(item.exhibit, item.sha256)] as const),
      ],
      baggingDate: input.generatedAt.slice(0, 10),
      softwareAgent: SOFTWARE_AGENT,
      onProgress: (p) => options.onProgress?.({ path: p.path, bytes: p.fileBytes, totalBytes: p.totalBytes, totalExpected }),
    });
    let summary: BagSummary;
    try {
      // One payload at a time: the disk, not the CPU, is the limit, and order keeps progress readable.
      for (const [i, source] of input.items.entries()) await writePayload(bag, source, paths[i]!, input);

      const caseItems = input.items.map(({ item }, i) => ({ ...item, path: `data/${paths[i]}` }));
      const caseUco = buildCaseUco({
        logOrigin: input.logOrigin,
        case: input.case,
        items: caseItems,
        events: events.map((e) => ({ index: e.index, itemId: e.item.id, event: e.event, at: e.entry.at, actor: e.entry.actor, reason: e.reason })),
      });
      await bag.addTagFile(CASE_UCO_PATH, json(caseUco));
      for (const e of events) await bag.addTagFile(proofPath(e.index), e.proof);
      // A blinded leaf commits to its details: the disclosure lets the verifier recompute the commitment.
      const disclosed = events.flatMap((e) => (e.disclosure ? [{ index: e.index, salt: e.disclosure.salt, details: e.entry }] : []));
      for (const d of disclosed) await bag.addTagFile(disclosurePath(d.index), encodeDisclosureFile(d));
      await bag.addTagFile(CHECKPOINT_PATH, input.checkpoint);
      await bag.addTagFile(VKEY_PATH, `${input.logVerifierKey}\n`);
      await bag.addTagFile(EVENTS_PATH, json(eventsFile(input, paths, events)));

      // Every check below has passed by the time the report is written: a failure throws before.
      const checks: ReportCheck[] = [
        { code: 'checkpoint_signature', ok: true, detail: `${checkpoint.origin} ${checkpoint.size}` },
        { code: 'custody_proofs', ok: true, detail: `${events.length}/${events.length}` },
        ...(disclosed.length > 0 ? [{ code: 'custody_disclosures' as const, ok: true, detail: `${disclosed.length}/${disclosed.length}` }] : []),
        { code: 'payload_hashes', ok: true, detail: `${input.items.length}/${input.items.length}` },
        { code: 'case_uco', ok: true, detail: CASE_UCO_PATH },
        { code: 'bag_valid', ok: true, detail: 'BagIt 1.0, sha256 + sha512' },
      ];
      const report = buildReportModel({
        case: input.case,
        generatedAt: input.generatedAt,
        generatedBy: input.generatedBy,
        logOrigin: input.logOrigin,
        logVerifierKey: input.logVerifierKey,
        ...(input.recipient !== undefined ? { recipient: input.recipient } : {}),
        items: caseItems.map((item) => ({ item, path: item.path })),
        events,
        checkpoint,
        checks,
      });
      for (const locale of REPORT_LOCALES) {
        const { html, pdf } = await render(report, locale);
        await bag.addTagFile(reportPath(locale, 'html'), html);
        await bag.addTagFile(reportPath(locale, 'pdf'), pdf);
      }
      summary = await bag.finish();

      // The manifests come from the bytes as written; this re-checks the structure (completeness,
      // Payload-Oxum, tag manifests) without reading the payload a second time.
      const check = await validateBag(partial, { skipDigests: true });
      if (!check.valid) {
        throw new AppError('evidence.package_write_failed', {
          message: `the written bag does not validate: ${check.problems.map((p) => `${p.code} ${p.path}`).join(', ')}`,
        });
      }
      await moveIntoPlace(partial, target);
      return { dir: target, files: summary.files.length + summary.tagFiles.length + summary.algorithms.length, payloadBytes: summary.octets, report };
    } catch (err) {
      await bag.abort();
      throw err;
    }
  } catch (err) {
    await rm(partial, { recursive: true, force: true });
    throw err;
  }
}

async function moveIntoPlace(partial: string, target: string): Promise<void> {
  // An empty outDir given by the caller is replaced; anything that appeared in it meanwhile is kept.
  await rmdir(target).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  await rename(partial, target);
}
