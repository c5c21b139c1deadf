/**
 * Test helpers: read back what a PDF says the way a reader would (pdf.js, through unpdf, a
 * devDependency: production code never imports this file), and check the file's skeleton.
 */
import { extractText, getDocumentProxy } from 'unpdf';

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
