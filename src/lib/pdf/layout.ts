/**
 * Lays blocks out on A4 pages and records, as it draws, the logical structure (ISO 32000-1 §14.7/14.8):
 * every piece of real content is marked content tied to a structure element (H1, P, Table/TR/TH/TD,
 * L/LI/Lbl/LBody), and everything else (rules, shading, repeated table headers, page numbers) is an
 * artifact, so that screen readers read the document once, in order.
 */
import type { FontUse } from './fonts.ts';
import { type Dict, name } from './objects.ts';

export interface PdfColumn {
  header: string;
  /** Relative width (default 1). */
  width?: number;
  /** Monospace cells (hashes, paths): long unbroken strings wrap at any character. */
  mono?: boolean;
}

/** A table cell: text, or text in monospace (a hash or a path inside an otherwise proportional column). */
export type PdfCell = string | { text: string; mono?: boolean };

export type PdfBlock =
  | { kind: 'h1' | 'h2' | 'h3' | 'p'; text: string }
  | { kind: 'mono'; text: string }
  | { kind: 'list'; items: string[]; ordered?: boolean }
  | {
      kind: 'table';
      columns: PdfColumn[];
      rows: PdfCell[][];
      /** Show the column headers (default true); repeated, as artifacts, on every page the table continues on. */
      headerRow?: boolean;
      /** The first cell of each row heads that row (label/value tables). */
      rowHeaders?: boolean;
    };

type TableBlock = Extract<PdfBlock, { kind: 'table' }>;

export interface Mcr {
  page: number;
  mcid: number;
}

export interface StructNode {
  type: string;
  kids: (StructNode | Mcr)[];
  attributes?: Dict;
}

interface Segment {
  node?: StructNode;
  mcid?: number;
  /** The opening operator of an artifact, e.g. `/Artifact BMC`. */
  artifact?: string;
  ops: string[];
}

export interface LaidPage {
  segments: Segment[];
  /** marked[mcid] is the structure element that content belongs to (the page's parent tree entry). */
  marked: StructNode[];
}

export interface Fonts {
  regular: FontUse;
  bold: FontUse;
  mono: FontUse;
}

export const PAGE = { width: 595.28, height: 841.89, margin: 50, bottom: 70 };
const WIDTH = PAGE.width - 2 * PAGE.margin;
const PAD = 3;
const HEADINGS = { h1: { size: 17, before: 0, after: 8 }, h2: { size: 13, before: 14, after: 5 }, h3: { size: 11, before: 10, after: 4 } };
const BODY = 10;
const SMALL = 8.5;
const TABLE_LEADING = SMALL * 1.3;
const n = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));

export function wrap(font: FontUse, size: number, value: string, width: number): string[] {
  const out: string[] = [];
  for (const para of value.split('\n')) {
    let line = '';
    for (const word of para.split(' ')) {
      const candidate = line === '' ? word : `${line} ${word}`;
      if (font.measure(candidate, size) <= width) {
        line = candidate;
        continue;
      }
      if (line !== '') out.push(line);
      // A word wider than the line (a hash, a path) breaks between characters.
      let chars = [...word];
      while (chars.length > 1 && font.measure(chars.join(''), size) > width) {
        let fit = 1;
        while (fit < chars.length && font.measure(chars.slice(0, fit + 1).join(''), size) <= width) fit++;
        // Within a path or key, prefer breaking after a separator, if that does not waste most of the line.
        const soft = chars.slice(0, fit).findLastIndex((c) => '/-:._+'.includes(c));
        if (soft >= fit / 2) fit = soft + 1;
        out.push(chars.slice(0, fit).join(''));
        chars = chars.slice(fit);
      }
      line = chars.join('');
    }
    out.push(line);
  }
  return out;
}

export class Layout {
  readonly pages: LaidPage[] = [];
  readonly root: StructNode = { type: 'Document', kids: [] };
  /** Headings and where they start, for the bookmarks (outline) panel. */
  readonly headings: { level: number; text: string; page: number; y: number }[] = [];
  private y = 0;
  private readonly fonts: Fonts;

  constructor(fonts: Fonts) {
    this.fonts = fonts;
    this.newPage();
  }

  private get page(): LaidPage {
    return this.pages.at(-1)!;
  }

  private get atTop(): boolean {
    return this.y === PAGE.height - PAGE.margin;
  }

  private newPage(): void {
    this.pages.push({ segments: [], marked: [] });
    this.y = PAGE.height - PAGE.margin;
  }

  /** Room for `height` more points on this page, or a new page. */
  private room(height: number): void {
    if (this.y - height < PAGE.bottom && !this.atTop) this.newPage();
  }

  private ops(node: StructNode | undefined, artifact = '/Artifact BMC'): string[] {
    const page = this.page;
    const last = page.segments.at(-1);
    if (last && (node ? last.node === node : !last.node && last.artifact === artifact)) return last.ops;
    const segment: Segment = node ? { node, mcid: page.marked.length, ops: [] } : { artifact, ops: [] };
    if (node) {
      node.kids.push({ page: this.pages.length - 1, mcid: page.marked.length });
      page.marked.push(node);
    }
    page.segments.push(segment);
    return segment.ops;
  }

  private text(node: StructNode | undefined, font: FontUse, size: number, x: number, baseline: number, value: string): void {
    if (value === '') return;
    this.ops(node).push(`BT /${font.resource} ${n(size)} Tf ${n(x)} ${n(baseline)} Td ${font.encode(value)} Tj ET`);
  }

  private child(parent: StructNode, type: string, attributes?: Dict): StructNode {
    const node: StructNode = { type, kids: [], ...(attributes ? { attributes } : {}) };
    parent.kids.push(node);
    return node;
  }

  /** Lines of one element, breaking pages between lines. */
  private lines(node: StructNode, font: FontUse, size: number, lines: string[], x = PAGE.margin): void {
    const leading = size * 1.35;
    for (const line of lines) {
      this.room(leading);
      this.text(node, font, size, x, this.y - size, line);
      this.y -= leading;
    }
  }

  /** Lays out `b`; `next` is the block after it (a heading stays on the page of what follows). */
  block(b: PdfBlock, next?: PdfBlock): void {
    if (b.kind === 'table') {
      this.table(b);
      return;
    }
    if (b.kind === 'list') {
      this.list(b.items, b.ordered ?? false);
      return;
    }
    if (b.kind === 'p' || b.kind === 'mono') {
      const font = b.kind === 'p' ? this.fonts.regular : this.fonts.mono;
      const size = b.kind === 'p' ? BODY : SMALL;
      const lines = wrap(font, size, b.text, WIDTH);
      // A paragraph introducing a command stays on the page of the command's first lines.
      if (b.kind === 'p' && next?.kind === 'mono') this.room(lines.length * size * 1.35 + this.follows(next));
      this.lines(this.child(this.root, 'P'), font, size, lines);
      this.y -= 5;
      return;
    }
    const h = HEADINGS[b.kind];
    const lines = wrap(this.fonts.bold, h.size, b.text, WIDTH);
    this.room(h.before + lines.length * h.size * 1.35 + this.follows(next));
    if (!this.atTop) this.y -= h.before;
    this.room(h.size * 1.35);
    this.headings.push({ level: Number(b.kind[1]), text: b.text, page: this.pages.length - 1, y: this.y });
    this.lines(this.child(this.root, b.kind.toUpperCase()), this.fonts.bold, h.size, lines);
    this.y -= h.after;
  }

  private list(items: string[], ordered: boolean): void {
    const list = this.child(this.root, 'L', { O: name('List'), ListNumbering: name(ordered ? 'Decimal' : 'Disc') });
    const indent = 18;
    const leading = BODY * 1.35;
    items.forEach((item, i) => {
      const li = this.child(list, 'LI');
      const lines = wrap(this.fonts.regular, BODY, item, WIDTH - indent);
      this.room(leading);
      this.text(this.child(li, 'Lbl'), this.fonts.regular, BODY, PAGE.margin + 4, this.y - BODY, ordered ? `${i + 1}.` : '•');
      this.lines(this.child(li, 'LBody'), this.fonts.regular, BODY, lines, PAGE.margin + indent);
      this.y -= 2;
    });
    this.y -= 4;
  }

  private metrics(t: TableBlock) {
    const total = t.columns.reduce((s, c) => s + (c.width ?? 1), 0);
    const widths = t.columns.map((c) => (WIDTH * (c.width ?? 1)) / total);
    const fontOf = (col: number, header: boolean, cell?: PdfCell) => {
      if (header) return this.fonts.bold;
      const mono = typeof cell === 'object' && cell.mono !== undefined ? cell.mono : t.columns[col]?.mono;
      return mono ? this.fonts.mono : this.fonts.regular;
    };
    const isHeader = (col: number) => col === 0 && (t.rowHeaders ?? false);
    const rowLines = (row: PdfCell[]) =>
      t.columns.map((_, i) => {
        const cell = row[i] ?? '';
        return wrap(fontOf(i, isHeader(i), cell), SMALL, typeof cell === 'string' ? cell : cell.text, (widths[i] ?? 0) - 2 * PAD);
      });
    const headerLines = t.columns.map((c, i) => wrap(this.fonts.bold, SMALL, c.header, (widths[i] ?? 0) - 2 * PAD));
    const showHeader = t.headerRow ?? true;
    const height = (cells: string[][]) => Math.max(1, ...cells.map((c) => c.length)) * TABLE_LEADING + 2 * PAD;
    // What must fit for the table to start on this page: its header and first row (or a good part of it).
    const start = (showHeader ? height(headerLines) : 0) + Math.min(t.rows[0] ? height(rowLines(t.rows[0])) : 0, 120);
    return { widths, fontOf, isHeader, rowLines, headerLines, showHeader, start };
  }

  /** The least height that should follow a heading on its page, so that it is not left alone. */
  private follows(next: PdfBlock | undefined): number {
    if (next?.kind === 'table') return this.metrics(next).start;
    if (next?.kind === 'mono') return 2 * SMALL * 1.35;
    return 3 * BODY * 1.35;
  }

  private table(t: TableBlock): void {
    const { widths, fontOf, isHeader, rowLines, headerLines, showHeader, start } = this.metrics(t);
    const xs = widths.map((_, i) => PAGE.margin + widths.slice(0, i).reduce((s, w) => s + w, 0));
    const leading = TABLE_LEADING;
    const table = this.child(this.root, 'Table');
    // Draws up to `max` lines of each cell as one row slice; returns the lines left over.
    const slice = (cells: string[][], nodes: (StructNode | undefined)[], header: boolean[], max: number, row: PdfCell[] = []): string[][] => {
      const count = Math.min(max, Math.max(1, ...cells.map((c) => c.length)));
      const height = count * leading + 2 * PAD;
      const bottom = this.y - height;
      if (header.some(Boolean)) {
        const fill = header.map((h, i) => (h ? `${n(xs[i] ?? 0)} ${n(bottom)} ${n(widths[i] ?? 0)} ${n(height)} re` : '')).join(' ');
        this.ops(undefined).push(`q 0.9 g ${fill} f Q`);
      }
      cells.forEach((lines, i) => {
        lines.slice(0, count).forEach((line, k) => {
          this.text(nodes[i], fontOf(i, header[i] ?? false, row[i]), SMALL, (xs[i] ?? 0) + PAD, this.y - PAD - SMALL - k * leading, line);
        });
      });
      this.ops(undefined).push(`q 0.55 G 0.5 w ${n(PAGE.margin)} ${n(bottom)} m ${n(PAGE.margin + WIDTH)} ${n(bottom)} l S Q`);
      this.y = bottom;
      return cells.map((lines) => lines.slice(count));
    };
    const fits = (cells: string[][]) => Math.max(1, ...cells.map((c) => c.length)) * leading + 2 * PAD <= this.y - PAGE.bottom;
    const maxLines = () => Math.max(1, Math.floor((this.y - PAGE.bottom - 2 * PAD) / leading));
    const repeatHeader = () => {
      if (showHeader)
        slice(
          headerLines,
          headerLines.map(() => undefined),
          headerLines.map(() => true),
          Number.POSITIVE_INFINITY,
        );
    };

    this.room(start);
    if (showHeader) {
      const tr = this.child(table, 'TR');
      const nodes = t.columns.map(() => this.child(tr, 'TH', { O: name('Table'), Scope: name('Column') }));
      slice(
        headerLines,
        nodes,
        nodes.map(() => true),
        Number.POSITIVE_INFINITY,
      );
    }
    let rowsOnPage = 0;
    for (const row of t.rows) {
      const tr = this.child(table, 'TR');
      const header = t.columns.map((_, i) => isHeader(i));
      const nodes = t.columns.map((_, i) => this.child(tr, header[i] ? 'TH' : 'TD', header[i] ? { O: name('Table'), Scope: name('Row') } : undefined));
      let cells = rowLines(row);
      // A row moves whole to the next page when it can; a row taller than a page is split between lines.
      if (!fits(cells) && rowsOnPage > 0) {
        this.newPage();
        repeatHeader();
        rowsOnPage = 0;
      }
      for (;;) {
        cells = slice(cells, nodes, header, maxLines(), row);
        rowsOnPage++;
        if (cells.every((c) => c.length === 0)) break;
        this.newPage();
        repeatHeader();
      }
    }
    this.y -= 8;
  }

  /** Page numbers, centred at the foot of every page (pagination artifacts). */
  footer(label: (page: number, pages: number) => string): void {
    const font = this.fonts.regular;
    this.pages.forEach((page, i) => {
      const value = label(i + 1, this.pages.length);
      const x = (PAGE.width - font.measure(value, SMALL)) / 2;
      page.segments.push({
        artifact: '/Artifact <</Type /Pagination /Subtype /Footer>> BDC',
        ops: [`0.25 g BT /${font.resource} ${SMALL} Tf ${n(x)} 36 Td ${font.encode(value)} Tj ET 0 g`],
      });
    });
  }
}

/** The content stream of a laid-out page. */
export function contentStream(page: LaidPage): string {
  return page.segments
    .map((s) => (s.node ? `/${s.node.type} <</MCID ${s.mcid}>> BDC\n${s.ops.join('\n')}\nEMC` : `${s.artifact}\n${s.ops.join('\n')}\nEMC`))
    .join('\n');
}
