// Offline verifier of an evidence export package (see writer.ts): no database, no network. It
// repeats every check the writer made, from the package alone, and cross-checks the package's
// parts against one another, since a tamperer can rewrite any unsigned file (tag manifests
// included) but not the ledger's signed checkpoint and entries. A tampered package never makes it
// throw: every finding is collected as a problem naming the file or ledger entry at fault.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Decryptor } from '../../../lib/age/age.ts';
import { parseBagInfo } from '../../../lib/bagit/bag-info.ts';
import { decodeManifestPath } from '../../../lib/bagit/format.ts';
import { validateBag } from '../../../lib/bagit/validator.ts';
import { AppError } from '../../../lib/errors.ts';
import { parseCheckpoint } from '../../../lib/tlog/checkpoint.ts';
import { openNote, parseVerifierKey } from '../../../lib/tlog/note.ts';
import {
  AGE_SUFFIX,
  CASE_UCO_PATH,
  CHECKPOINT_PATH,
  DISCLOSURES_DIR,
  EVENTS_PATH,
  type EventsFile,
  EXHIBIT_LABEL,
  PROOFS_DIR,
  parseExhibitInfoValue,
  REPORT_LOCALES,
  reportPath,
  VKEY_PATH,
} from './layout.ts';
import { checkCaseUco } from './verify-case-uco.ts';
import { checkProofFile, crossCheckEvents, openEntries, parseEventsFile, type VerifiedLeaf } from './verify-custody.ts';

/**
 * Every problem code the verifier reports besides the bag's own, which are `package.bag_<reason>`
 * for each `bagit.<reason>` of src/lib/bagit/validator.ts (e.g. package.bag_digest_mismatch).
 */
export const PACKAGE_PROBLEM_CODES = [
  'package.file_missing',
  'package.file_unreadable',
  'package.vkey_invalid',
  'package.vkey_untrusted',
  'package.checkpoint_invalid',
  'package.proof_name_invalid',
  'package.proof_malformed',
  'package.proof_index_mismatch',
  'package.proof_checkpoint_mismatch',
  'package.proof_entry_missing',
  'package.proof_invalid',
  'package.proof_missing',
  'package.proof_unlisted',
  'package.entry_invalid',
  'package.disclosure_missing',
  'package.disclosure_invalid',
  'package.disclosure_mismatch',
  'package.disclosure_unlisted',
  'package.events_invalid',
  'package.event_mismatch',
  'package.custody_hash_mismatch',
  'package.item_unanchored',
  'package.baginfo_mismatch',
  'package.case_uco_invalid',
  'package.case_uco_mismatch',
  'package.payload_missing',
  'package.payload_unlisted',
  'package.payload_hash_mismatch',
  'package.payload_decrypt_failed',
] as const;

/** One finding: `code` is stable (`package.*`, translated elsewhere), `message` is English detail. */
export interface PackageProblem {
  code: string;
  /** Bag-relative path of the file at fault. */
  path?: string;
  /** Ledger index of the custody entry at fault. */
  entry?: number;
  message: string;
}

export interface VerifyProgress {
  /** `bag`: hashing every file against the manifests; `decrypt`: decrypting `.age` payloads to check them. */
  phase: 'bag' | 'decrypt';
  path: string;
  /** Bytes of this file read so far. */
  bytes: number;
  /** Bytes read so far, and to read, in this phase. */
  doneBytes: number;
  totalBytes: number;
}

export interface VerifyOptions {
  /** age identities of the recipient: `.age` payloads are then decrypted and their SHA-256 checked. */
  identities?: string[];
  /**
   * The log key the verifier trusts (as published by the node). Without it the package's own
   * custody/log.vkey is used, which shows the package is consistent but not whose log it came from.
   */
  trustedLogVerifierKey?: string;
  onProgress?(p: VerifyProgress): void;
}

export interface PackageVerification {
  ok: boolean;
  problems: PackageProblem[];
  caseReference?: string;
  items: Array<{ exhibit: string; path: string; sha256: string; plaintextChecked: boolean }>;
  custodyEvents: number;
  checkpoint?: { origin: string; size: number };
}

const READ_CHUNK = 1 << 20;
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A tag file's text, or undefined after reporting it missing. Only regular files are read (no links). */
async function readTag(dir: string, path: string, add: (p: PackageProblem) => void): Promise<string | undefined> {
  const full = join(dir, ...path.split('/'));
  const s = await lstat(full).catch(() => undefined);
  if (!s?.isFile()) {
    add({ code: 'package.file_missing', path, message: `${path} is missing or not a regular file` });
    return undefined;
  }
  return readFile(full, 'utf8').catch((err: unknown) => {
    add({ code: 'package.file_unreadable', path, message: `cannot read ${path}: ${messageOf(err)}` });
    return undefined;
  });
}

/** manifest-sha256.txt as path → digest (its lines were already checked by validateBag). */
function parseSha256Manifest(text: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of (text ?? '').split(/\r\n|\r|\n/)) {
    const m = /^([0-9A-Fa-f]{64})[ \t]+(.+)$/.exec(line);
    const path = m ? decodeManifestPath(m[2]!) : undefined;
    if (path !== undefined) out.set(path, m![1]!.toLowerCase());
  }
  return out;
}

async function decryptedDigest(file: string, identities: string[], onChunk: (n: number) => void): Promise<{ sha256: string; bytes: number }> {
  const decryptor = new Decryptor(identities, { armor: false });
  const hash = createHash('sha256');
  let bytes = 0;
  const absorb = (parts: Buffer[]) => {
    for (const p of parts) {
      hash.update(p);
      bytes += p.length;
    }
  };
  for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK })) {
    absorb(decryptor.update(chunk as Buffer));
    onChunk((chunk as Buffer).length);
  }
  absorb(decryptor.final());
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * Verifies the package in `dir`. Throws (evidence.package_unreadable) only when `dir` is not a
 * readable directory; everything wrong inside it is returned in `problems`.
 */
export async function verifyEvidencePackage(dir: string, options: VerifyOptions = {}): Promise<PackageVerification> {
  const top = await lstat(dir).catch((err: unknown) => {
    throw new AppError('evidence.package_unreadable', { message: `cannot read ${dir}: ${messageOf(err)}`, cause: err });
  });
  if (!top.isDirectory()) throw new AppError('evidence.package_unreadable', { message: `${dir} is not a directory` });

  const problems: PackageProblem[] = [];
  const add = (p: PackageProblem) => problems.push(p);

  // 1. The bag: completeness and every digest in every manifest. Warnings count too: Custodia
  // writes none, so one means the package was changed after it was made.
  const bag = await validateBag(dir, {
    onProgress: (p) => options.onProgress?.({ phase: 'bag', path: p.path, bytes: p.fileBytes, doneBytes: p.doneBytes, totalBytes: p.totalBytes }),
  });
  for (const p of [...bag.problems, ...bag.warnings]) {
    add({ code: `package.bag_${p.code.replace(/^bagit\./, '')}`, path: p.path, message: p.detail ?? p.code });
  }
  const badPaths = new Set(bag.problems.map((p) => p.path));

  // 2. The log key and the checkpoint every proof must carry.
  let vkey = (await readTag(dir, VKEY_PATH, add))?.trim();
  if (vkey !== undefined) {
    try {
      parseVerifierKey(vkey);
    } catch (err) {
      add({ code: 'package.vkey_invalid', path: VKEY_PATH, message: `not a signed-note verifier key: ${messageOf(err)}` });
      vkey = undefined;
    }
  }
  if (options.trustedLogVerifierKey !== undefined && vkey !== undefined && vkey !== options.trustedLogVerifierKey.trim()) {
    add({ code: 'package.vkey_untrusted', path: VKEY_PATH, message: 'the package names another log key than the trusted one' });
  }
  if (options.trustedLogVerifierKey !== undefined) vkey = options.trustedLogVerifierKey.trim();
  const checkpointText = await readTag(dir, CHECKPOINT_PATH, add);
  let checkpoint: { origin: string; size: number } | undefined;
  if (checkpointText !== undefined && vkey !== undefined) {
    try {
      const cp = parseCheckpoint(openNote(checkpointText, [vkey]).text);
      checkpoint = { origin: cp.origin, size: cp.size };
    } catch (err) {
      add({ code: 'package.checkpoint_invalid', path: CHECKPOINT_PATH, message: `not a checkpoint signed by the log key: ${messageOf(err)}` });
    }
  }

  // 3. Proofs, and the disclosures that open blinded entries: from here on, an entry's details are
  // those its leaf proves (a legacy leaf) or that open its commitments (a blinded one), nothing else.
  const leaves: VerifiedLeaf[] = [];
  const proofIndexes = new Set<number>();
  const proofNames = await readdir(join(dir, ...PROOFS_DIR.split('/'))).catch(() => undefined);
  if (proofNames === undefined) add({ code: 'package.file_missing', path: PROOFS_DIR, message: `${PROOFS_DIR}/ is missing` });
  for (const name of (proofNames ?? []).sort()) {
    const path = `${PROOFS_DIR}/${name}`;
    const text = await readTag(dir, path, add);
    if (text === undefined) continue;
    const m = /^(0|[1-9]\d*)\.tlog-proof$/.exec(name);
    if (m) proofIndexes.add(Number(m[1]));
    const leaf = checkProofFile(path, text, checkpointText, vkey, add);
    if (leaf && m) leaves.push(leaf);
  }
  // The folder is absent from packages whose entries are all legacy (written before blinding).
  const disclosures = new Map<string, string>();
  for (const name of ((await readdir(join(dir, ...DISCLOSURES_DIR.split('/'))).catch(() => undefined)) ?? []).sort()) {
    const path = `${DISCLOSURES_DIR}/${name}`;
    const text = await readTag(dir, path, add);
    if (text !== undefined) disclosures.set(path, text);
  }
  const entries = openEntries(leaves, disclosures, proofIndexes, add);

  // 4. The custody list, the exhibits in bag-info.txt, the payload files and the CASE graph, all
  // against one another and against the signed entries.
  const eventsText = await readTag(dir, EVENTS_PATH, add);
  const events = eventsText === undefined ? undefined : parseEventsFile(eventsText, add);
  const bagInfoText = await readTag(dir, 'bag-info.txt', add);
  const bagInfo = parseBagInfo(bagInfoText ?? '').entries;
  const caseReference = bagInfo.find(([label]) => label.toLowerCase() === 'external-identifier')?.[1];
  const items: PackageVerification['items'] = [];

  if (events) {
    crossCheckEvents(events, entries, proofIndexes, add);
    if (checkpoint && events.logOrigin !== checkpoint.origin)
      add({ code: 'package.events_invalid', path: EVENTS_PATH, message: `log origin ${events.logOrigin} is not the checkpoint's ${checkpoint.origin}` });
    if (bagInfoText !== undefined) checkBagInfo(events, bagInfo, caseReference, add);
    const caseUco = await readTag(dir, CASE_UCO_PATH, add);
    if (caseUco !== undefined) checkCaseUco(caseUco, events, add);
    const manifest = parseSha256Manifest(await readFile(join(dir, 'manifest-sha256.txt'), 'utf8').catch(() => undefined));
    for (const path of manifest.keys()) {
      if (!events.items.some((i) => i.path === path)) add({ code: 'package.payload_unlisted', path, message: `${path} is not an exhibit of the package` });
    }
    items.push(...(await checkPayloads(dir, events, manifest, badPaths, options, add)));
  }

  for (const locale of REPORT_LOCALES) for (const kind of ['html', 'pdf'] as const) await readTag(dir, reportPath(locale, kind), add);

  const out: PackageVerification = { ok: problems.length === 0, problems, items, custodyEvents: events?.events.length ?? entries.size };
  if (caseReference !== undefined) out.caseReference = caseReference;
  if (checkpoint) out.checkpoint = checkpoint;
  return out;
}

function checkBagInfo(events: EventsFile, info: Array<[string, string]>, caseReference: string | undefined, add: (p: PackageProblem) => void): void {
  const problem = (message: string) => add({ code: 'package.baginfo_mismatch', path: 'bag-info.txt', message });
  if (caseReference !== events.case.reference) problem(`External-Identifier ${caseReference ?? '(none)'} is not the case reference ${events.case.reference}`);
  const declared = new Map<string, string>();
  for (const [label, value] of info) {
    if (label.toLowerCase() !== EXHIBIT_LABEL.toLowerCase()) continue;
    const parsed = parseExhibitInfoValue(value);
    if (!parsed) problem(`${EXHIBIT_LABEL}: "${value}" is not "<exhibit> sha256:<hex>"`);
    else if (declared.has(parsed.exhibit)) problem(`exhibit ${parsed.exhibit} is declared twice`);
    else declared.set(parsed.exhibit, parsed.sha256);
  }
  for (const item of events.items) {
    const sha = declared.get(item.exhibit);
    if (sha === undefined) problem(`exhibit ${item.exhibit} is not declared`);
    else if (sha !== item.sha256) problem(`exhibit ${item.exhibit} is declared as sha256:${sha}, the custody record says ${item.sha256}`);
    declared.delete(item.exhibit);
  }
  for (const exhibit of declared.keys()) problem(`exhibit ${exhibit} is declared but not in the package`);
}

/**
 * Plaintext payloads: the manifest's SHA-256 (which validateBag checked against the bytes) must be
 * the recorded one, so the file is checked without reading it twice. `.age` payloads are decrypted
 * and hashed when identities are given.
 */
async function checkPayloads(
  dir: string,
  events: EventsFile,
  manifest: Map<string, string>,
  badPaths: Set<string>,
  options: VerifyOptions,
  add: (p: PackageProblem) => void,
): Promise<PackageVerification['items']> {
  const out: PackageVerification['items'] = [];
  let totalBytes = 0;
  if (options.identities) {
    for (const item of events.items.filter((i) => i.encrypted))
      totalBytes += (await lstat(join(dir, ...item.path.split('/'))).catch(() => undefined))?.size ?? 0;
  }
  let doneBytes = 0;
  for (const item of events.items) {
    const result = { exhibit: item.exhibit, path: item.path, sha256: item.sha256, plaintextChecked: false };
    out.push(result);
    if (item.encrypted !== item.path.endsWith(AGE_SUFFIX)) {
      add({
        code: 'package.events_invalid',
        path: item.path,
        message: `${item.path} is ${item.encrypted ? 'said to be encrypted but has no .age suffix' : 'said to be plaintext but ends in .age'}`,
      });
    }
    const listed = manifest.get(item.path);
    if (listed === undefined) {
      add({ code: 'package.payload_missing', path: item.path, message: `exhibit ${item.exhibit}: ${item.path} is not in the payload manifest` });
      continue;
    }
    if (badPaths.has(item.path)) continue; // the bag problem already names it
    if (!item.encrypted) {
      const size = (await lstat(join(dir, ...item.path.split('/'))).catch(() => undefined))?.size;
      if (listed !== item.sha256 || size !== item.bytes) {
        add({
          code: 'package.payload_hash_mismatch',
          path: item.path,
          message: `exhibit ${item.exhibit}: the file has ${size ?? '?'} bytes with SHA-256 ${listed}, the custody record says ${item.bytes} bytes with ${item.sha256}`,
        });
      } else result.plaintextChecked = true;
      continue;
    }
    if (!options.identities) continue;
    let bytes = 0;
    try {
      const got = await decryptedDigest(join(dir, ...item.path.split('/')), options.identities, (n) => {
        bytes += n;
        doneBytes += n;
        options.onProgress?.({ phase: 'decrypt', path: item.path, bytes, doneBytes, totalBytes });
      });
      if (got.sha256 !== item.sha256 || got.bytes !== item.bytes) {
        add({
          code: 'package.payload_hash_mismatch',
          path: item.path,
          message: `exhibit ${item.exhibit}: decrypts to ${got.bytes} bytes with SHA-256 ${got.sha256}, the custody record says ${item.bytes} bytes with ${item.sha256}`,
        });
      } else result.plaintextChecked = true;
    } catch (err) {
      add({ code: 'package.payload_decrypt_failed', path: item.path, message: `exhibit ${item.exhibit}: cannot decrypt ${item.path}: ${messageOf(err)}` });
    }
  }
  return out;
}
