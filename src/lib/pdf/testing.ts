/**
 * Test helpers: read back what a PDF says the way a reader would (pdf.js, through unpdf, a
 * devDependency: production code never imports this file), check the file's skeleton, and check it
 * as an archive would with independent tools (qpdf, poppler's pdffonts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractText, getDocumentProxy } from 'unpdf';
import { DIALECTS } from '../../../test/support/dialects.ts';
import { PDFA_CLAIM } from './pdf.ts';

/** The text of each page, as pdf.js extracts it through the fonts' ToUnicode maps. */
export async function pageTexts(pdf: Buffer): Promise<string[]> {
  const doc = await getDocumentProxy(new Uint8Array(pdf));
  try {
    const { text } = await extractText(doc, { mergePages: false });
    return text;
  } finally {
    await doc.destroy();
  }
}

/** Offsets that the cross-reference table gives for each object number. */
export function xrefOffsets(pdf: Buffer): Map<number, number> {
  const body = pdf.toString('latin1');
  const at = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(body)?.[1]);
  const section = /^xref\n(\d+) (\d+)\n/.exec(body.slice(at));
  if (!section) throw new Error('no xref table at startxref');
  const first = Number(section[1]);
  const offsets = new Map<number, number>();
  const entries = body.slice(at + section[0].length).split('\n');
  for (let i = 0; i < Number(section[2]); i++) {
    const [offset, , kind] = (entries[i] ?? '').split(' ');
    if (kind === 'n') offsets.set(first + i, Number(offset));
  }
  return offsets;
}

interface TreeNode {
  role?: string;
  type?: string;
  children?: TreeNode[];
}

/** The structure roles pdf.js reads for a page, as nested arrays: ['Document', ['H1'], ['Table', ['TR', ['TH']]]]. */
export async function pageStructure(pdf: Buffer, page: number): Promise<unknown[]> {
  const doc = await getDocumentProxy(new Uint8Array(pdf));
  try {
    const tree = (await (await doc.getPage(page)).getStructTree()) as TreeNode;
    const simplify = (node: TreeNode): unknown[] => [node.role, ...(node.children ?? []).filter((c) => c.role).map(simplify)];
    return (tree.children ?? []).map(simplify);
  } finally {
    await doc.destroy();
  }
}

/** What pdf.js reports of the document: Info, XMP and whether it is marked (tagged). */
export async function documentFacts(pdf: Buffer): Promise<{ info: Record<string, unknown>; xmp: Record<string, unknown>; marked: boolean }> {
  const doc = await getDocumentProxy(new Uint8Array(pdf));
  try {
    const meta = await doc.getMetadata();
    const markInfo = await doc.getMarkInfo();
    return { info: meta.info as Record<string, unknown>, xmp: Object.fromEntries(meta.metadata ?? []), marked: markInfo?.Marked === true };
  } finally {
    await doc.destroy();
  }
}

/** The bookmark titles, nested as [title, [children]]. */
export async function outlineTitles(pdf: Buffer): Promise<unknown[]> {
  const doc = await getDocumentProxy(new Uint8Array(pdf));
  try {
    interface Node {
      title: string;
      items: Node[];
    }
    const walk = (nodes: Node[]): unknown[] => nodes.map((n) => (n.items.length > 0 ? [n.title, walk(n.items)] : n.title));
    return walk(((await doc.getOutline()) ?? []) as Node[]);
  } finally {
    await doc.destroy();
  }
}

export const QPDF = '/usr/bin/qpdf';
export const PDFFONTS = '/usr/bin/pdffonts';
const missingTools = [QPDF, PDFFONTS].filter((tool) => !existsSync(tool));
/**
 * The archival checks skip, saying why, where qpdf or pdffonts is not installed, as the age and
 * browser tests do; but not in CI (CUSTODIA_TEST_DIALECTS names postgres there, see .ci/run), which
 * installs both: there a missing tool fails the checks instead of hiding them.
 */
export const skipWithoutPdfTools: string | false =
  missingTools.length === 0 || DIALECTS.includes('postgres') ? false : `${missingTools.join(' and ')} not found: apt-get install -y qpdf poppler-utils`;

function run(tool: string, args: string[]): string {
  const result = spawnSync(tool, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.ifError(result.error);
  assert.equal(result.status, 0, `${tool} ${args.join(' ')}: ${result.stdout}${result.stderr}`);
  return result.stdout;
}

/**
 * What an archive checks before it takes a PDF, by tools that share no code with the writer:
 * qpdf finds no syntax or stream errors; pdffonts lists every font as embedded and none as Type 3;
 * the XMP metadata identifies the PDF/A part and conformance we claim; the catalog marks the file
 * tagged (MarkInfo /Marked true, a StructTreeRoot), names its language and shows its title.
 */
export function assertArchival(pdf: Buffer, lang: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'custodia-pdf-'));
  try {
    const file = join(dir, 'document.pdf');
    writeFileSync(file, pdf);
    assert.match(run(QPDF, ['--check', file]), /No syntax or stream encoding errors/);

    const fonts = run(PDFFONTS, [file])
      .split('\n')
      .slice(2)
      .filter((line) => line.trim() !== '');
    assert.ok(fonts.length > 0, 'pdffonts lists no font');
    for (const line of fonts) {
      // name, type (may hold spaces), encoding, emb, sub, uni, object number, generation.
      const [emb, , uni] = line.trim().split(/\s+/).slice(-5);
      assert.equal(emb, 'yes', `not embedded: ${line}`);
      assert.equal(uni, 'yes', `no ToUnicode map: ${line}`);
      assert.doesNotMatch(line, /Type 3/, `a Type 3 font: ${line}`);
    }

    const json = JSON.parse(run(QPDF, ['--json=2', '--json-key=qpdf', '--json-stream-data=inline', file])) as {
      qpdf: [unknown, Record<string, { value?: unknown; stream?: { dict: Record<string, unknown>; data?: string } }>];
    };
    const objects = json.qpdf[1];
    const resolve = (value: unknown): unknown => {
      if (typeof value !== 'string' || !/^\d+ \d+ R$/.test(value)) return value;
      const object = objects[`obj:${value}`];
      return object?.stream ?? object?.value;
    };
    const trailer = (objects['trailer']?.value ?? {}) as Record<string, unknown>;
    const catalog = (resolve(trailer['/Root']) ?? {}) as Record<string, unknown>;
    assert.equal(catalog['/Type'], '/Catalog');
    assert.equal((resolve(catalog['/MarkInfo']) as Record<string, unknown> | undefined)?.['/Marked'], true, 'MarkInfo /Marked true');
    assert.equal((resolve(catalog['/StructTreeRoot']) as Record<string, unknown> | undefined)?.['/Type'], '/StructTreeRoot', 'StructTreeRoot');
    assert.equal(catalog['/Lang'], `u:${lang}`, '/Lang');
    assert.equal((resolve(catalog['/ViewerPreferences']) as Record<string, unknown> | undefined)?.['/DisplayDocTitle'], true, 'DisplayDocTitle');

    const metadata = resolve(catalog['/Metadata']) as { dict: Record<string, unknown>; data?: string } | undefined;
    assert.equal(metadata?.dict['/Subtype'], '/XML', 'an XMP metadata stream');
    const xmp = Buffer.from(metadata?.data ?? '', 'base64').toString('utf8');
    const property = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xmp)?.[1];
    assert.equal(property('pdfaid:part'), PDFA_CLAIM.part, 'pdfaid:part');
    assert.equal(property('pdfaid:conformance'), PDFA_CLAIM.conformance, 'pdfaid:conformance');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
