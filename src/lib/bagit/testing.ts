// Test helpers for the BagIt tests (not used by production code). Digests and tag manifests here
// are computed independently of the writer, with plain node:crypto and node:fs.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createBagWriter } from './writer.ts';

export function hex(alg: 'sha256' | 'sha512', bytes: Uint8Array): string {
  return createHash(alg).update(bytes).digest('hex');
}

export async function tempDir(t: { after: (fn: () => Promise<void>) => void }, prefix = 'custodia-bagit-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Payload of the sample bag, keyed by path under data/. Names cover a space, Unicode, `%` and LF. */
export const SAMPLE_PAYLOAD: ReadonlyArray<readonly [string, Buffer]> = [
  ['exhibit-1.img.age', Buffer.from('age-encryption.org/v1\n-> X25519 exhibit one\n\u0000\u0001\u0002binary tail', 'latin1')],
  ['line\nbreak.txt', Buffer.from('a file whose name holds a line feed\n')],
  ['photos/scene 01.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01])],
  ['rate 100%.csv', Buffer.from('exhibit,share\nexhibit-1,100%\n')],
  ['témoignage-証拠.txt', Buffer.from('déclaration du témoin — 証拠\n', 'utf8')],
];

export const SAMPLE_TAGS: ReadonlyArray<readonly [string, string]> = [
  ['custody/case.jsonld', '{"@context":"https://schema.org","@type":"Dataset","name":"Case 2026-0042"}\n'],
  ['custody/proofs/exhibit-1.json', '{"leaf":"00ff","checkpoint":"example.org/log\\n42\\n"}\n'],
];

export const SAMPLE_INFO: Array<[string, string]> = [
  ['Source-Organization', 'Fiscalía Especializada en Ciberdelincuencia'],
  ['External-Identifier', 'EXP-2026-0042'],
  ['Internal-Sender-Identifier', 'custodia:case/2026-0042/export/1'],
  ['Custodia-Case', '2026-0042'],
  ['Custodia-Exhibit', 'exhibit-1'],
  ['Custodia-Exhibit', 'exhibit-2'],
];

/** Writes the sample bag into `dir` (streams for some files, a source file path for another). */
export async function writeSampleBag(dir: string, scratch: string) {
  const writer = await createBagWriter(dir, { info: SAMPLE_INFO, baggingDate: '2026-03-14', softwareAgent: 'Custodia test' });
  for (const [rel, bytes] of SAMPLE_PAYLOAD) {
    if (rel.startsWith('photos/')) {
      const source = join(scratch, 'scene.jpg');
      await writeFile(source, bytes);
      await writer.addPayloadFile(rel, source);
    } else {
      await writer.addPayloadFile(rel, Readable.from([bytes.subarray(0, 5), bytes.subarray(5)]));
    }
  }
  for (const [rel, text] of SAMPLE_TAGS) await writer.addTagFile(rel, text);
  return writer.finish();
}

/** Regular files under `dir`, bag-relative, `/`-separated. */
export async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(rel ? join(dir, rel) : dir, { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, path)));
    else out.push(path);
  }
  return out;
}

/**
 * Recomputes tag manifests from what is on disk, as a tamperer covering their tracks would, so a
 * test can show what only the other checks catch.
 */
export async function rewriteTagManifests(dir: string): Promise<void> {
  const tags = (await listFiles(dir)).filter((p) => !p.startsWith('data/') && !/^tagmanifest-/.test(p)).sort();
  for (const alg of ['sha256', 'sha512'] as const) {
    const lines = [];
    for (const p of tags) lines.push(`${hex(alg, await readFile(join(dir, p)))} ${p}\n`);
    await writeFile(join(dir, `tagmanifest-${alg}.txt`), lines.join(''));
  }
}
