// BagIt 1.0 (RFC 8493) validator: is a bag complete (every required element, every listed file
// present, every payload file listed in every payload manifest) and valid (every digest in every
// manifest and tag manifest matches)? It never follows symbolic links and never opens a path taken
// from a manifest: only regular files found by walking the bag directory are read, one at a time,
// streamed through every algorithm that lists them.
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ParallelDigests } from '../parallel-digests.ts';
import { parseBagInfo } from './bag-info.ts';
import {
  BAGIT_VERSION,
  compareUtf8,
  decodeManifestPath,
  encodeManifestPath,
  PAYLOAD_MANIFEST_RE,
  relativePathProblem,
  TAG_MANIFEST_RE,
  VERIFY_ALGORITHMS,
} from './format.ts';

/**
 * One thing wrong with a bag. `path` is bag-relative with `/` separators (unencoded), naming the file
 * at fault: the payload file whose digest differs, the manifest holding a bad line, bag-info.txt for
 * a wrong Payload-Oxum, `` for the bag directory itself.
 */
export interface BagProblem {
  code: string;
  path: string;
  detail?: string;
}

export interface BagValidateProgress {
  /** File being hashed. */
  path: string;
  /** Bytes of this file hashed so far. */
  fileBytes: number;
  /** Bytes hashed so far over all files. */
  doneBytes: number;
  /** Bytes to hash in all (sizes of every listed file found). */
  totalBytes: number;
}

export interface BagValidateOptions {
  onProgress?: (progress: BagValidateProgress) => void;
  /** Skip digest verification (completeness, structure and Payload-Oxum only). Default: verify. */
  skipDigests?: boolean;
}

export interface BagValidation {
  /** No problems: the bag is complete and, unless digests were skipped, valid. */
  valid: boolean;
  problems: BagProblem[];
  /** Departures from RFC 8493's SHOULDs that do not make the bag invalid (e.g. a tag file no tag manifest lists). */
  warnings: BagProblem[];
  payload: { files: number; octets: number };
  /** Algorithms of the payload manifests found, e.g. `['sha256', 'sha512']`. */
  algorithms: string[];
  digestsChecked: boolean;
}

const READ_CHUNK = 1 << 20;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

interface Manifest {
  name: string;
  algorithm: string;
  kind: 'payload' | 'tag';
  /** Decoded bag-relative path → expected hex digest (lower case). */
  entries: Map<string, string>;
}

interface Found {
  size: number;
}

/** Validates the bag in `dir`; see {@link BagValidation}. Does not throw for a bad bag, only reports. */
export async function validateBag(dir: string, options: BagValidateOptions = {}): Promise<BagValidation> {
  const problems: BagProblem[] = [];
  const warnings: BagProblem[] = [];
  const report = (code: string, path: string, detail?: string) => problems.push(detail === undefined ? { code, path } : { code, path, detail });
  const warn = (code: string, path: string, detail?: string) => warnings.push(detail === undefined ? { code, path } : { code, path, detail });
  const result = (payload = { files: 0, octets: 0 }, algorithms: string[] = [], digestsChecked = false): BagValidation => ({
    valid: problems.length === 0,
    problems,
    warnings,
    payload,
    algorithms,
    digestsChecked,
  });

  const top = await lstat(dir).catch(() => undefined);
  if (!top?.isDirectory()) {
    report('bagit.bag_missing', '', `${dir} is not a directory`);
    return result();
  }

  // 1. Every regular file in the bag, without following links.
  const files = new Map<string, Found>();
  const dirs = new Set<string>();
  await walk(dir, '', files, dirs, report);

  // 2. The bag declaration.
  const declaration = await readTagText(dir, files, 'bagit.txt', report);
  if (declaration === undefined) {
    if (!files.has('bagit.txt')) report('bagit.declaration_missing', 'bagit.txt', 'every bag needs a bagit.txt bag declaration');
  } else {
    checkDeclaration(declaration, report);
  }

  // 3. The payload directory.
  if (!dirs.has('data')) report('bagit.payload_dir_missing', 'data', 'every bag needs a data/ payload directory');

  // 4. Manifests.
  const manifests: Manifest[] = [];
  for (const name of [...files.keys()].filter((p) => !p.includes('/')).sort(compareUtf8)) {
    const payloadMatch = PAYLOAD_MANIFEST_RE.exec(name);
    const tagMatch = TAG_MANIFEST_RE.exec(name);
    const match = payloadMatch ?? tagMatch;
    if (!match) continue;
    const algorithm = match[1]!;
    const kind = payloadMatch ? 'payload' : 'tag';
    const spec = VERIFY_ALGORITHMS.get(algorithm);
    if (!spec) {
      report('bagit.algorithm_unsupported', name, `cannot verify checksum algorithm "${algorithm}"`);
      continue;
    }
    const text = await readTagText(dir, files, name, report);
    if (text === undefined) continue;
    manifests.push({ name, algorithm, kind, entries: parseManifest(name, kind, text, spec.hexLength, report) });
  }
  const payloadManifests = manifests.filter((m) => m.kind === 'payload');
  const tagManifests = manifests.filter((m) => m.kind === 'tag');
  const hasPayloadManifestFile = [...files.keys()].some((p) => PAYLOAD_MANIFEST_RE.test(p));
  if (!hasPayloadManifestFile) report('bagit.manifest_missing', 'manifest-<algorithm>.txt', 'every bag needs at least one payload manifest');

  // 5. Completeness of the payload.
  const payloadFiles = [...files.keys()].filter((p) => p.startsWith('data/')).sort(compareUtf8);
  const missing = new Map<string, string[]>();
  for (const manifest of manifests) {
    for (const path of manifest.entries.keys()) {
      if (!files.has(path)) missing.set(path, [...(missing.get(path) ?? []), manifest.name]);
    }
  }
  for (const [path, names] of [...missing].sort((a, b) => compareUtf8(a[0], b[0]))) {
    report('bagit.file_missing', path, `listed in ${names.join(', ')} but not found${normalizationHint(path, files)}`);
  }
  for (const path of payloadFiles) {
    const unlistedIn = payloadManifests.filter((m) => !m.entries.has(path)).map((m) => m.name);
    if (unlistedIn.length > 0) report('bagit.file_unlisted', path, `payload file not listed in ${unlistedIn.join(', ')}`);
  }

  // 6. Tag manifests must list every payload manifest; other tag files SHOULD be listed.
  for (const tagManifest of tagManifests) {
    for (const payloadManifest of [...files.keys()].filter((p) => PAYLOAD_MANIFEST_RE.test(p))) {
      if (!tagManifest.entries.has(payloadManifest))
        report('bagit.tagmanifest_incomplete', payloadManifest, `payload manifest not listed in ${tagManifest.name}`);
    }
  }
  if (tagManifests.length > 0) {
    for (const path of [...files.keys()].sort(compareUtf8)) {
      if (path.startsWith('data/') || TAG_MANIFEST_RE.test(path)) continue;
      const unlistedIn = tagManifests.filter((m) => !m.entries.has(path)).map((m) => m.name);
      if (unlistedIn.length > 0) warn('bagit.tag_unlisted', path, `tag file not listed in ${unlistedIn.join(', ')}; its content is not protected`);
    }
  }
  if (files.has('fetch.txt')) warn('bagit.fetch_unsupported', 'fetch.txt', 'remote payload is not fetched; files it lists must already be present');

  // 7. bag-info.txt and Payload-Oxum.
  const octets = payloadFiles.reduce((sum, p) => sum + files.get(p)!.size, 0);
  const bagInfo = await readTagText(dir, files, 'bag-info.txt', report);
  if (bagInfo !== undefined) {
    const parsed = parseBagInfo(bagInfo);
    for (const p of parsed.problems) report('bagit.baginfo_invalid', 'bag-info.txt', `line ${p.line}: ${p.detail}`);
    const oxums = parsed.entries.filter(([label]) => label.toLowerCase() === 'payload-oxum').map(([, value]) => value);
    if (oxums.length > 1) report('bagit.oxum_invalid', 'bag-info.txt', 'Payload-Oxum must not be repeated');
    else if (oxums.length === 1) {
      const oxum = oxums[0]!.trim();
      const m = /^(\d+)\.(\d+)$/.exec(oxum);
      if (!m) report('bagit.oxum_invalid', 'bag-info.txt', `Payload-Oxum "${oxum}" is not <octets>.<files>`);
      else if (Number(m[1]) !== octets || Number(m[2]) !== payloadFiles.length) {
        report('bagit.oxum_mismatch', 'bag-info.txt', `Payload-Oxum declares ${oxum}, payload is ${octets}.${payloadFiles.length}`);
      }
    }
  }

  const payload = { files: payloadFiles.length, octets };
  const algorithms = payloadManifests.map((m) => m.algorithm);
  if (options.skipDigests) return result(payload, algorithms, false);

  // 8. Digests: each listed file that exists is read once, through every algorithm listing it.
  const plan = new Map<string, Array<{ manifest: Manifest; expected: string }>>();
  for (const manifest of manifests) {
    for (const [path, expected] of manifest.entries) {
      if (!files.has(path)) continue;
      plan.set(path, [...(plan.get(path) ?? []), { manifest, expected }]);
    }
  }
  const paths = [...plan.keys()].sort(compareUtf8);
  const totalBytes = paths.reduce((sum, p) => sum + files.get(p)!.size, 0);
  let doneBytes = 0;
  for (const path of paths) {
    const checks = plan.get(path)!;
    const algs = [...new Set(checks.map((c) => c.manifest.algorithm))];
    // Each algorithm after the first on a worker thread (SHA-512 costs several times SHA-256).
    const hashes = new ParallelDigests(algs.map((a) => VERIFY_ALGORITHMS.get(a)!.nodeName));
    let fileBytes = 0;
    let computed: Record<string, string>;
    try {
      for await (const chunk of createReadStream(join(dir, ...path.split('/')), { highWaterMark: READ_CHUNK })) {
        const hashing = hashes.update(chunk as Buffer);
        if (hashing) await hashing;
        fileBytes += (chunk as Buffer).byteLength;
        doneBytes += (chunk as Buffer).byteLength;
        options.onProgress?.({ path, fileBytes, doneBytes, totalBytes });
      }
      computed = await hashes.digest();
    } catch (err) {
      hashes.abort();
      report('bagit.file_unreadable', path, (err as Error).message);
      continue;
    }
    const actual = new Map(algs.map((a) => [a, computed[VERIFY_ALGORITHMS.get(a)!.nodeName] as string]));
    for (const { manifest, expected } of checks) {
      const got = actual.get(manifest.algorithm)!;
      if (got === expected) continue;
      const code = manifest.kind === 'payload' ? 'bagit.digest_mismatch' : 'bagit.tagmanifest_mismatch';
      report(code, path, `${manifest.name}: expected ${expected}, computed ${got}`);
    }
  }
  return result(payload, algorithms, true);
}

type Report = (code: string, path: string, detail?: string) => void;

/** Collects regular files (with sizes) and directories under `root`; anything else is a problem. */
async function walk(root: string, rel: string, files: Map<string, Found>, dirs: Set<string>, report: Report): Promise<void> {
  const entries = await readdir(rel === '' ? root : join(root, ...rel.split('/')), { withFileTypes: true });
  entries.sort((a, b) => compareUtf8(a.name, b.name));
  for (const entry of entries) {
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
    const full = join(root, ...path.split('/'));
    const stats = await lstat(full);
    if (stats.isSymbolicLink()) report('bagit.path_invalid', path, 'symbolic link: links are not followed and cannot be part of a bag');
    else if (stats.isDirectory()) {
      dirs.add(path);
      await walk(root, path, files, dirs, report);
    } else if (stats.isFile()) files.set(path, { size: stats.size });
    else report('bagit.path_invalid', path, 'not a regular file or directory');
  }
}

/** A tag file as UTF-8 text without a BOM, or `undefined` (absent, or reported as badly encoded). */
async function readTagText(dir: string, files: Map<string, Found>, path: string, report: Report): Promise<string | undefined> {
  if (!files.has(path)) return undefined;
  const bytes = await readFile(join(dir, ...path.split('/')));
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    report('bagit.encoding_invalid', path, 'tag files must not begin with a byte-order mark');
    return undefined;
  }
  try {
    return utf8.decode(bytes);
  } catch {
    report('bagit.encoding_invalid', path, 'not valid UTF-8');
    return undefined;
  }
}

function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** RFC 8493 §2.1.1: exactly two lines, in order; only version 1.0 is accepted. */
function checkDeclaration(text: string, report: Report): void {
  const lines = splitLines(text);
  const version = /^BagIt-Version: (\S+)$/.exec(lines[0] ?? '');
  if (!version) report('bagit.version_invalid', 'bagit.txt', 'first line must be "BagIt-Version: 1.0"');
  else if (version[1] !== BAGIT_VERSION) report('bagit.version_invalid', 'bagit.txt', `BagIt-Version is ${version[1]}, only ${BAGIT_VERSION} is supported`);
  if (lines[1] !== 'Tag-File-Character-Encoding: UTF-8')
    report('bagit.encoding_invalid', 'bagit.txt', 'second line must be "Tag-File-Character-Encoding: UTF-8"');
  if (lines.length > 2) report('bagit.declaration_invalid', 'bagit.txt', 'bagit.txt must have exactly two lines');
}

/** Parses `checksum<whitespace>path` lines; bad lines, unsafe paths and duplicates are reported. */
function parseManifest(name: string, kind: 'payload' | 'tag', text: string, hexLength: number, report: Report): Map<string, string> {
  const entries = new Map<string, string>();
  splitLines(text).forEach((line, index) => {
    const where = `line ${index + 1}`;
    if (line === '') return;
    const m = /^([0-9A-Fa-f]+)[ \t]+(.+)$/.exec(line);
    if (!m) {
      report('bagit.manifest_line_invalid', name, `${where}: not "<checksum> <path>"`);
      return;
    }
    const digest = m[1]!.toLowerCase();
    const encoded = m[2]!;
    if (digest.length !== hexLength) {
      report('bagit.manifest_line_invalid', name, `${where}: checksum has ${digest.length} hex digits, expected ${hexLength}`);
      return;
    }
    const path = decodeManifestPath(encoded);
    if (path === undefined) {
      report('bagit.path_invalid', name, `${where}: "${encoded}" has a % that is not %0D, %0A or %25`);
      return;
    }
    const problem = relativePathProblem(path);
    if (problem) {
      report('bagit.path_invalid', name, `${where}: "${encoded}": ${problem}`);
      return;
    }
    if (kind === 'payload' && !path.startsWith('data/')) {
      report('bagit.path_invalid', name, `${where}: "${encoded}" is outside the payload directory data/`);
      return;
    }
    if (kind === 'tag' && (path.startsWith('data/') || TAG_MANIFEST_RE.test(path))) {
      report('bagit.path_invalid', name, `${where}: "${encoded}": a tag manifest must not list payload files or tag manifests`);
      return;
    }
    if (entries.has(path)) {
      report('bagit.manifest_duplicate', name, `${where}: "${encodeManifestPath(path)}" is listed twice`);
      return;
    }
    entries.set(path, digest);
  });
  return entries;
}

/** A hint when the missing name exists under another Unicode normalisation form (NFC vs NFD). */
function normalizationHint(path: string, files: Map<string, Found>): string {
  const nfc = path.normalize('NFC');
  for (const candidate of files.keys()) {
    if (candidate !== path && candidate.normalize('NFC') === nfc) return ` (a file named "${candidate}" differs only in Unicode normalisation)`;
  }
  return '';
}
