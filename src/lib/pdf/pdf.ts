/**
 * renderPdf: a document as blocks → an archival, accessible PDF (aiming at PDF/A-2a): fonts embedded
 * as subsets with ToUnicode maps, XMP metadata, an sRGB output intent, document language, a structure
 * tree for every piece of content, and the title shown in the viewer's title bar.
 */
import { FontUse } from './fonts.ts';
import { srgbProfile } from './icc.ts';
import { contentStream, Layout, PAGE, type PdfBlock, type StructNode } from './layout.ts';
import { type Dict, date, name, PdfFile, type Ref, text, type Value } from './objects.ts';
import { xmpPacket } from './xmp.ts';

export type { PdfBlock, PdfCell, PdfColumn } from './layout.ts';

export interface PdfDocument {
  /** BCP 47 language of the text, e.g. `es` or `es-PE`. */
  lang: string;
  title: string;
  author?: string;
  subject?: string;
  createdAt: Date;
  blocks: PdfBlock[];
  /** Footer text of each page, e.g. (n, m) => `Página ${n} de ${m}`. */
  footer?: (page: number, pages: number) => string;
}

const PRODUCER = 'Custodia PDF writer';

export function renderPdf(doc: PdfDocument): Buffer {
  const fonts = { regular: new FontUse('regular', 'F1'), bold: new FontUse('bold', 'F2'), mono: new FontUse('mono', 'F3') };
  const layout = new Layout(fonts);
  doc.blocks.forEach((block, i) => {
    layout.block(block, doc.blocks[i + 1]);
  });
  if (doc.footer) layout.footer(doc.footer);
  const contents = layout.pages.map(contentStream);

  const pdf = new PdfFile();
  const catalog = pdf.alloc();
  const pagesRef = pdf.alloc();
  const treeRoot = pdf.alloc();
  const pageRefs = layout.pages.map(() => pdf.alloc());

  // Fonts are written after layout: only then is the set of glyphs to keep known.
  const fontDict: Dict = {};
  for (const font of Object.values(fonts)) if (font.used.size > 0) fontDict[font.resource] = font.write(pdf);
  const resources = pdf.add({ Font: fontDict });

  const nodeRefs = new Map<StructNode, Ref>();
  const allocate = (node: StructNode) => {
    nodeRefs.set(node, pdf.alloc());
    for (const kid of node.kids) if ('type' in kid) allocate(kid);
  };
  allocate(layout.root);
  // /Pg names the (first) page of an element's content; readers use it to build each page's tree.
  const firstPage = (node: StructNode): number | undefined => {
    for (const kid of node.kids) {
      const page = 'type' in kid ? firstPage(kid) : kid.page;
      if (page !== undefined) return page;
    }
    return undefined;
  };
  const writeNode = (node: StructNode, parent: Ref) => {
    const self = nodeRefs.get(node)!;
    const page = firstPage(node);
    const kids: Value[] = node.kids.map((kid) => ('type' in kid ? nodeRefs.get(kid)! : { Type: name('MCR'), Pg: pageRefs[kid.page]!, MCID: kid.mcid }));
    pdf.set(self, {
      Type: name('StructElem'),
      S: name(node.type),
      P: parent,
      Pg: page === undefined ? undefined : pageRefs[page],
      K: kids.length > 0 ? kids : undefined,
      A: node.attributes,
    });
    for (const kid of node.kids) if ('type' in kid) writeNode(kid, self);
  };
  writeNode(layout.root, treeRoot);

  layout.pages.forEach((_, i) => {
    pdf.set(pageRefs[i]!, {
      Type: name('Page'),
      Parent: pagesRef,
      MediaBox: [0, 0, PAGE.width, PAGE.height],
      Resources: resources,
      Contents: pdf.stream({}, Buffer.from(contents[i]!, 'latin1')),
      StructParents: i,
      // Tab order follows the structure (PDF/UA asks it of every page).
      Tabs: name('S'),
    });
  });
  pdf.set(pagesRef, { Type: name('Pages'), Kids: pageRefs, Count: pageRefs.length });
  const nums: Value[] = layout.pages.flatMap((page, i) => [i, page.marked.map((node) => nodeRefs.get(node)!)]);
  pdf.set(treeRoot, {
    Type: name('StructTreeRoot'),
    K: nodeRefs.get(layout.root)!,
    ParentTree: pdf.add({ Nums: nums }),
    ParentTreeNextKey: layout.pages.length,
  });

  const facts = {
    title: doc.title,
    author: doc.author,
    subject: doc.subject,
    lang: doc.lang,
    createdAt: doc.createdAt,
    creatorTool: 'Custodia',
    producer: PRODUCER,
  };
  const metadata = pdf.stream({ Type: name('Metadata'), Subtype: name('XML') }, Buffer.from(xmpPacket(facts), 'utf8'), true);
  const outputIntent = pdf.add({
    Type: name('OutputIntent'),
    S: name('GTS_PDFA1'),
    OutputConditionIdentifier: text('sRGB IEC61966-2.1'),
    RegistryName: text('http://www.color.org'),
    Info: text('sRGB IEC61966-2.1'),
    DestOutputProfile: pdf.stream({ N: 3 }, srgbProfile()),
  });
  const outlines = writeOutline(pdf, layout.headings, pageRefs);
  pdf.set(catalog, {
    Type: name('Catalog'),
    Pages: pagesRef,
    Lang: text(doc.lang),
    MarkInfo: { Marked: true },
    StructTreeRoot: treeRoot,
    Metadata: metadata,
    OutputIntents: [outputIntent],
    ViewerPreferences: { DisplayDocTitle: true },
    Outlines: outlines,
    PageMode: outlines ? name('UseOutlines') : undefined,
  });
  const info = pdf.add({
    Title: text(doc.title),
    Author: doc.author ? text(doc.author) : undefined,
    Subject: doc.subject ? text(doc.subject) : undefined,
    Creator: text('Custodia'),
    Producer: text(PRODUCER),
    CreationDate: date(doc.createdAt),
    ModDate: date(doc.createdAt),
  });
  return pdf.finish(catalog, info);
}

/** Bookmarks from the headings (h1 and h2 at the top level, h3 under the h2 before it), for navigation. */
function writeOutline(pdf: PdfFile, headings: Layout['headings'], pageRefs: Ref[]): Ref | undefined {
  if (headings.length === 0) return undefined;
  const root = pdf.alloc();
  interface Item {
    ref: Ref;
    heading: Layout['headings'][number];
    kids: Item[];
  }
  const top: Item[] = [];
  for (const heading of headings) {
    const item: Item = { ref: pdf.alloc(), heading, kids: [] };
    const parent = top.at(-1);
    if (heading.level === 3 && parent && parent.heading.level === 2) parent.kids.push(item);
    else top.push(item);
  }
  const write = (items: Item[], parent: Ref) => {
    items.forEach((item, i) => {
      pdf.set(item.ref, {
        Title: text(item.heading.text),
        Parent: parent,
        Prev: items[i - 1]?.ref,
        Next: items[i + 1]?.ref,
        First: item.kids[0]?.ref,
        Last: item.kids.at(-1)?.ref,
        // Closed (negative count): the panel shows the sections, each opens to its exhibits.
        Count: item.kids.length > 0 ? -item.kids.length : undefined,
        Dest: [pageRefs[item.heading.page]!, name('XYZ'), null, Math.round(item.heading.y + 4), null],
      });
      write(item.kids, item.ref);
    });
  };
  write(top, root);
  pdf.set(root, { Type: name('Outlines'), First: top[0]!.ref, Last: top.at(-1)!.ref, Count: top.length });
  return root;
}
