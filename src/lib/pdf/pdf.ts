/**
 * renderPdf: a document as blocks → an archival, accessible PDF written by pdfkit as PDF/A-2a:
 * DejaVu fonts embedded as subsets with ToUnicode maps, XMP metadata with the PDF/A identification,
 * pdfkit's sRGB output intent, the document language, a structure tree for every piece of content
 * (headings, paragraphs, lists, tables with scoped header cells), bookmarks for the headings, and the
 * title shown in the viewer's title bar. Layout (layout.ts) is ours; pdfkit writes the file.
 */
import { createHash } from 'node:crypto';
import PDFDocument, { type DocumentOptions, type StructureElement } from 'pdfkit';
import { type FontStyle, fontFaces } from './fonts.ts';
import { type DrawOp, Layout, PAGE, type PdfBlock, type PdfCell, type StructNode } from './layout.ts';

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

/** The conformance every PDF claims in its XMP metadata (`pdfaid:part`, `pdfaid:conformance`). */
/**
 * A two-column table of facts, each row headed by its label: how archival documents state what they
 * record (a request's particulars, an evidence item's). `valueWidth` is the value column's share.
 */
export function factTable(headers: { field: string; value: string }, rows: PdfCell[][], valueWidth: number): PdfBlock {
  return {
    kind: 'table',
    headerRow: false,
    rowHeaders: true,
    columns: [
      { header: headers.field, width: 1 },
      { header: headers.value, width: valueWidth },
    ],
    rows,
  };
}

export const PDFA_CLAIM = { part: '2', conformance: 'A' } as const;
const PRODUCER = 'Custodia (PDFKit)';

const xml = (value: string) => value.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
const xmpDate = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * pdfkit with two things settled for archiving: the file identifier is a digest of the document
 * (pdfkit's own is a digest of the Info dictionary only), and the XMP description of the Info
 * dictionary escapes its values (pdfkit writes them raw, so a title with `&` or `<` made the packet
 * unreadable) and adds what PDF/A-2 pairs with Info's entries (modify date, language).
 */
class ArchivalDocument extends PDFDocument {
  declare _id: Uint8Array;
  private readonly language: string;

  constructor(options: DocumentOptions, id: Uint8Array) {
    super(options);
    this._id = id;
    this.language = options.lang ?? '';
  }

  _addInfo(): void {
    const info = this.info;
    const alt = (v: string) => `<rdf:Alt><rdf:li xml:lang="x-default">${xml(v)}</rdf:li></rdf:Alt>`;
    const created = info.CreationDate ?? new Date(0);
    this.appendXML(
      [
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">',
        '<dc:format>application/pdf</dc:format>',
        info.Title ? `<dc:title>${alt(info.Title)}</dc:title>` : '',
        info.Author ? `<dc:creator><rdf:Seq><rdf:li>${xml(info.Author)}</rdf:li></rdf:Seq></dc:creator>` : '',
        info.Subject ? `<dc:description>${alt(info.Subject)}</dc:description>` : '',
        this.language ? `<dc:language><rdf:Bag><rdf:li>${xml(this.language)}</rdf:li></rdf:Bag></dc:language>` : '',
        `<xmp:CreateDate>${xmpDate(created)}</xmp:CreateDate>`,
        `<xmp:ModifyDate>${xmpDate(info.ModDate ?? created)}</xmp:ModifyDate>`,
        `<xmp:MetadataDate>${xmpDate(info.ModDate ?? created)}</xmp:MetadataDate>`,
        `<xmp:CreatorTool>${xml(info.Creator ?? '')}</xmp:CreatorTool>`,
        `<pdf:Producer>${xml(info.Producer ?? '')}</pdf:Producer>`,
        '</rdf:Description>',
      ]
        .filter((line) => line !== '')
        .join('\n'),
    );
  }
}

const rgb = (gray: number) => [0, 0, 0].map(() => Math.round(gray * 255));

/** The first 16 bytes of a SHA-256 over everything the file is made from: the same document, the same identifier. */
function documentId(doc: PdfDocument, pages: number): Uint8Array {
  const footers = Array.from({ length: pages }, (_, i) => doc.footer?.(i + 1, pages) ?? '');
  const facts = [doc.lang, doc.title, doc.author ?? null, doc.subject ?? null, doc.createdAt.getTime(), doc.blocks, footers];
  return new Uint8Array(createHash('sha256').update(JSON.stringify(facts)).digest().subarray(0, 16));
}

export function renderPdf(doc: PdfDocument): Buffer {
  const faces = fontFaces();
  const layout = new Layout(faces);
  doc.blocks.forEach((block, i) => {
    layout.block(block, doc.blocks[i + 1]);
  });
  if (doc.footer) layout.footer(doc.footer);

  const pdf = new ArchivalDocument(
    {
      pdfVersion: '1.7',
      subset: 'PDF/A-2a',
      tagged: true,
      lang: doc.lang,
      displayTitle: true,
      autoFirstPage: false,
      size: [PAGE.width, PAGE.height],
      margin: 0,
      // pdfkit would otherwise start with Helvetica, which PDF/A could not have unembedded.
      font: faces.regular.font,
      info: {
        Title: doc.title,
        ...(doc.author ? { Author: doc.author } : {}),
        ...(doc.subject ? { Subject: doc.subject } : {}),
        Creator: 'Custodia',
        Producer: PRODUCER,
        // The document's own date, never the render time: the same document gives the same bytes.
        CreationDate: doc.createdAt,
        ModDate: doc.createdAt,
      },
    },
    documentId(doc, layout.pages.length),
  );

  // Registered under their PostScript names, the names pdfkit files fonts under: the default font is
  // then found again, not opened a second time and compared with the first.
  const fontName = Object.fromEntries(Object.values(faces).map((face) => [face.style, face.font.postscriptName])) as Record<FontStyle, string>;
  for (const face of Object.values(faces)) pdf.registerFont(fontName[face.style], face.font);

  const elements = new Map<StructNode, StructureElement>();
  const build = (node: StructNode): StructureElement => {
    const element = pdf.struct(node.type, node.attributes?.scope ? { scope: node.attributes.scope } : {});
    if (node.attributes?.listNumbering) element.dictionary.data['A'] = { O: 'List', ListNumbering: node.attributes.listNumbering };
    elements.set(node, element);
    for (const kid of node.kids) element.add(build(kid));
    return element;
  };
  pdf.addStructure(build(layout.root));

  const draw = (op: DrawOp) => {
    if (op.op === 'text' && op.gray === undefined) {
      // Black, the colour every page starts with: the fills and rules below restore it after them.
      pdf.font(fontName[op.style], op.size).text(op.text, op.x, PAGE.height - op.baseline, { lineBreak: false, baseline: 'alphabetic' });
      return;
    }
    pdf.save();
    if (op.op === 'text') {
      pdf
        .font(fontName[op.style], op.size)
        .fillColor(rgb(op.gray ?? 0))
        .text(op.text, op.x, PAGE.height - op.baseline, { lineBreak: false, baseline: 'alphabetic' });
    } else if (op.op === 'fill') {
      for (const [x, y, width, height] of op.rects) pdf.rect(x, PAGE.height - y - height, width, height);
      pdf.fill(rgb(op.gray));
    } else {
      pdf
        .lineWidth(op.width)
        .moveTo(op.x1, PAGE.height - op.y)
        .lineTo(op.x2, PAGE.height - op.y)
        .stroke(rgb(op.gray));
    }
    pdf.restore();
  };

  // Bookmarks: h1 and h2 at the top level, h3 under the h2 before it.
  let section: { level: number; item: ReturnType<typeof pdf.outline.addItem> } | undefined;
  layout.pages.forEach((page, index) => {
    pdf.addPage({ size: [PAGE.width, PAGE.height], margin: 0 });
    for (const heading of layout.headings.filter((h) => h.page === index)) {
      // pdfkit counts `left` from the right edge and `top` from the top: this is the heading's top left.
      const where = { top: PAGE.height - Math.round(heading.y + 4), left: PAGE.width };
      const parent = heading.level === 3 && section?.level === 2 ? section.item : pdf.outline;
      const item = parent.addItem(heading.text, where);
      if (parent === pdf.outline) section = { level: heading.level, item };
    }
    for (const segment of page.segments) {
      if (segment.node) {
        const content = pdf.markStructureContent(segment.node.type);
        segment.ops.forEach(draw);
        pdf.endMarkedContent();
        elements.get(segment.node)!.add(content);
      } else {
        pdf.markContent('Artifact', segment.artifact === 'Pagination' ? { type: 'Pagination', attached: ['Bottom'] } : { type: 'Layout' });
        segment.ops.forEach(draw);
        pdf.endMarkedContent();
      }
    }
  });

  pdf.end();
  // pdfkit writes synchronously into the stream's buffer; nothing has flowed yet, so read it all at once.
  const chunks: Buffer[] = [];
  for (let chunk = pdf.read() as Buffer | null; chunk !== null; chunk = pdf.read() as Buffer | null) chunks.push(chunk);
  return Buffer.concat(chunks);
}
