/**
 * The fonts every PDF embeds (DejaVu, shipped in assets/fonts with its licence), parsed once per
 * process with fontkit and handed to pdfkit as parsed fonts, which embeds each as a subset
 * (CIDFontType2, Identity-H) with a ToUnicode map. Layout measures text here exactly as pdfkit will
 * draw it: the same fontkit shaping (kerning included), run word by word.
 */
import { readFileSync } from 'node:fs';
import { create, type Font, type GlyphRun } from 'fontkit';

export type FontStyle = 'regular' | 'bold' | 'mono';

const FILES: Record<FontStyle, string> = { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf', mono: 'DejaVuSansMono.ttf' };
/** Shaped words are kept per process; a document with endless unique words must not grow it forever. */
const CACHE_LIMIT = 50_000;

/**
 * The font with its `layout` (shaping a run of text: glyphs, kerning) remembered across documents.
 * pdfkit shapes every word of every document again, and shaping was most of a document's cost; pdfkit
 * takes any parsed font that has `layout`, so it gets this one. It scales the positions it is given in
 * place, so each call returns its own copy of them.
 */
function rememberingLayout(font: Font): { font: Font; shape: (text: string) => GlyphRun } {
  const runs = new Map<string, GlyphRun>();
  const shape = (text: string): GlyphRun => {
    let run = runs.get(text);
    if (!run) {
      run = font.layout(text);
      if (runs.size >= CACHE_LIMIT) runs.clear();
      runs.set(text, run);
    }
    return run;
  };
  const remembering = Object.create(font) as Font;
  remembering.layout = (text, features, ...rest) => {
    if (features !== undefined || rest.length > 0) return font.layout(text, features, ...rest);
    const run = shape(text);
    return Object.assign(Object.create(Object.getPrototypeOf(run) as object) as GlyphRun, run, { positions: run.positions.map((p) => ({ ...p })) });
  };
  // Subsetting reads each used glyph's outline again for every document; an outline never changes, so
  // it is read once per process. (fontkit's glyph reads its outline in `_decode`; should a later fontkit
  // not have one, glyphs are read as fontkit does.)
  const read = new WeakSet<object>();
  remembering.getGlyph = (id, codePoints) => {
    const glyph = font.getGlyph.call(remembering, id, codePoints);
    const outline = glyph as unknown as { _decode?: () => unknown };
    if (!read.has(glyph) && typeof outline._decode === 'function') {
      const decoded = outline._decode();
      outline._decode = () => decoded;
      read.add(glyph);
    }
    return glyph;
  };
  return { font: remembering, shape };
}

export class Face {
  readonly style: FontStyle;
  /** The parsed font, as pdfkit embeds it. */
  readonly font: Font;
  private readonly shape: (text: string) => GlyphRun;
  private readonly unitsPerEm: number;
  private readonly printableChars = new Map<string, boolean>();
  private readonly runWidths = new Map<string, number>();
  private readonly fallback: string;

  constructor(style: FontStyle) {
    this.style = style;
    const font = create(readFileSync(new URL(`../../../assets/fonts/${FILES[style]}`, import.meta.url)));
    if (!('layout' in font)) throw new Error(`${FILES[style]} is a font collection`);
    ({ font: this.font, shape: this.shape } = rememberingLayout(font));
    this.unitsPerEm = font.unitsPerEm;
    // PDF/A forbids showing .notdef: a character the font lacks is shown as "?" instead.
    this.fallback = font.hasGlyphForCodePoint(0x3f) ? '?' : '';
  }

  /** `value` as it can be drawn: tabs and no-break spaces as spaces, control characters dropped, characters the font lacks as "?". */
  printable(value: string): string {
    let out = '';
    for (const ch of value.replace(/[\t\u00a0]/g, ' ')) {
      const cp = ch.codePointAt(0)!;
      if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
      let known = this.printableChars.get(ch);
      if (known === undefined) {
        known = this.font.hasGlyphForCodePoint(cp);
        this.printableChars.set(ch, known);
      }
      out += known ? ch : this.fallback;
    }
    return out;
  }

  /** Width in points of printable text, split into runs at spaces as pdfkit lays it out. */
  measure(value: string, size: number): number {
    let units = 0;
    let start = 0;
    for (let i = 0; i <= value.length; i++) {
      if (i < value.length && value[i] !== ' ') continue;
      const run = value.slice(start, i + 1);
      start = i + 1;
      if (run === '') continue;
      let width = this.runWidths.get(run);
      if (width === undefined) {
        width = this.shape(run).advanceWidth;
        if (this.runWidths.size >= CACHE_LIMIT) this.runWidths.clear();
        this.runWidths.set(run, width);
      }
      units += width;
    }
    return (units * size) / this.unitsPerEm;
  }
}

let faces: Record<FontStyle, Face> | undefined;

/** The three faces, parsed on first use: a PDF per document must not re-read the font files. */
export function fontFaces(): Record<FontStyle, Face> {
  faces ??= { regular: new Face('regular'), bold: new Face('bold'), mono: new Face('mono') };
  return faces;
}
