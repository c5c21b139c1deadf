/**
 * Lays blocks out on A4 pages and records, as it draws, the logical structure (ISO 32000-1 §14.7/14.8):
 * every piece of real content is marked content tied to a structure element (H1, P, Table/TR/TH/TD,
 * L/LI/Lbl/LBody), and everything else (rules, shading, repeated table headers, page numbers) is an
 * artifact, so that screen readers read the document once, in order.
 */
import type { Face, FontStyle } from './fonts.ts';

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

/** Structure attributes the writer sets: a header cell's scope, a list's numbering. */
export interface StructAttributes {
  scope?: 'Column' | 'Row';
  listNumbering?: 'Decimal' | 'Disc';
}

export interface StructNode {
  type: string;
  /** Child elements; an element's own content is in the segments that name it, page by page. */
  kids: StructNode[];
  attributes?: StructAttributes;
}

/** What a page draws, in PDF user space (origin at the bottom left, y upwards). */
export type DrawOp =
  | { op: 'text'; style: FontStyle; size: number; x: number; baseline: number; text: string; gray?: number }
  | { op: 'fill'; gray: number; rects: [x: number, y: number, width: number, height: number][] }
  | { op: 'rule'; gray: number; width: number; x1: number; x2: number; y: number };

/** Real content of one structure element, or an artifact (layout decoration, or pagination). */
export interface Segment {
  node?: StructNode;
  artifact?: 'Layout' | 'Pagination';
  ops: DrawOp[];
}

export interface LaidPage {
  segments: Segment[];
}

export type Fonts = Record<FontStyle, Face>;

export const PAGE = { width: 595.28, height: 841.89, margin: 50, bottom: 70 };
const WIDTH = PAGE.width - 2 * PAGE.margin;
const PAD = 3;
const HEADINGS = { h1: { size: 17, before: 0, after: 8 }, h2: { size: 13, before: 14, after: 5 }, h3: { size: 11, before: 10, after: 4 } };
const BODY = 10;
const SMALL = 8.5;
const TABLE_LEADING = SMALL * 1.3;
export function wrap(font: Face, size: number, value: string, width: number): string[] {
  const out: string[] = [];
  for (const para of value.split('\n')) {
    let line = '';
    // Tabs, control characters and characters the font lacks are settled before measuring.
    const printable = font.printable(para);
    if (printable !== para) {
      out.push(...wrap(font, size, printable, width));
      continue;
    }
    // The width of the line so far with a space after each word: pdfkit measures and draws text in runs
    // that end at a space, so a line's width is the sum of its runs' and each word is measured once.
    let runs = 0;
    for (const word of para.split(' ')) {
      const candidate = line === '' ? font.measure(word, size) : runs + font.measure(word, size);
      if (candidate <= width) {
        if (line === '') line = word;
        else line = `${line} ${word}`;
        runs = line === '' ? 0 : runs + font.measure(`${word} `, size);
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
      runs = line === '' ? 0 : font.measure(`${line} `, size);
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
    this.pages.push({ segments: [] });
    this.y = PAGE.height - PAGE.margin;
  }

  /** Room for `height` more points on this page, or a new page. */
  private room(height: number): void {
    if (this.y - height < PAGE.bottom && !this.atTop) this.newPage();
  }

  private ops(node: StructNode | undefined): DrawOp[] {
    const page = this.page;
    const last = page.segments.at(-1);
    if (last && (node ? last.node === node : !last.node && last.artifact === 'Layout')) return last.ops;
    const segment: Segment = node ? { node, ops: [] } : { artifact: 'Layout', ops: [] };
    page.segments.push(segment);
    return segment.ops;
  }

  private text(node: StructNode | undefined, font: Face, size: number, x: number, baseline: number, value: string): void {
    const text = font.printable(value);
    if (text === '') return;
    this.ops(node).push({ op: 'text', style: font.style, size, x, baseline, text });
  }

  private child(parent: StructNode, type: string, attributes?: StructAttributes): StructNode {
    const node: StructNode = { type, kids: [], ...(attributes ? { attributes } : {}) };
    parent.kids.push(node);
    return node;
  }

  /** Lines of one element, breaking pages between lines. */
  private lines(node: StructNode, font: Face, size: number, lines: string[], x = PAGE.margin): void {
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
    const list = this.child(this.root, 'L', { listNumbering: ordered ? 'Decimal' : 'Disc' });
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
        const rects = header.flatMap((h, i) => (h ? [[xs[i] ?? 0, bottom, widths[i] ?? 0, height] as [number, number, number, number]] : []));
        this.ops(undefined).push({ op: 'fill', gray: 0.9, rects });
      }
      cells.forEach((lines, i) => {
        lines.slice(0, count).forEach((line, k) => {
          this.text(nodes[i], fontOf(i, header[i] ?? false, row[i]), SMALL, (xs[i] ?? 0) + PAD, this.y - PAD - SMALL - k * leading, line);
        });
      });
      this.ops(undefined).push({ op: 'rule', gray: 0.55, width: 0.5, x1: PAGE.margin, x2: PAGE.margin + WIDTH, y: bottom });
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
      const nodes = t.columns.map(() => this.child(tr, 'TH', { scope: 'Column' }));
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
      const nodes = t.columns.map((_, i) => this.child(tr, header[i] ? 'TH' : 'TD', header[i] ? { scope: 'Row' } : undefined));
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
      const value = font.printable(label(i + 1, this.pages.length));
      const x = (PAGE.width - font.measure(value, SMALL)) / 2;
      page.segments.push({ artifact: 'Pagination', ops: [{ op: 'text', style: font.style, size: SMALL, x, baseline: 36, text: value, gray: 0.25 }] });
    });
  }
}
