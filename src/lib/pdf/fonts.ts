/**
 * The fonts every PDF embeds (DejaVu, shipped in assets/fonts with its licence) and how a document
 * uses them: text becomes 2-byte glyph ids (Identity-H), each used glyph is remembered with the text it
 * stands for, and at the end the font is written as a subset CIDFontType2 with a ToUnicode CMap so
 * that the text can be searched, copied and read aloud.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { name, type PdfFile, Raw, type Ref } from './objects.ts';
import { parseTtf, subsetTtf, type Ttf } from './ttf.ts';

export type FontStyle = 'regular' | 'bold' | 'mono';

const FILES: Record<FontStyle, string> = { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf', mono: 'DejaVuSansMono.ttf' };
const faces = new Map<FontStyle, Ttf>();

/** Parsed once per process: a PDF per document must not re-read the font files. */
function face(style: FontStyle): Ttf {
  let ttf = faces.get(style);
  if (!ttf) {
    ttf = parseTtf(readFileSync(new URL(`../../../assets/fonts/${FILES[style]}`, import.meta.url)));
    faces.set(style, ttf);
  }
  return ttf;
}

export class FontUse {
  readonly ttf: Ttf;
  readonly resource: string;
  /** glyph id → the text it was used for (for ToUnicode). */
  readonly used = new Map<number, string>();
  private readonly fallback: number;

  constructor(style: FontStyle, resource: string) {
    this.ttf = face(style);
    this.resource = resource;
    // PDF/A forbids showing .notdef: a character the font lacks is shown as "?" instead.
    this.fallback = this.ttf.cmap.get(0x3f) ?? 0;
  }

  /** Glyph ids for `value`, remembering each for ToUnicode when `record`; control characters are dropped. */
  private glyphs(value: string, record: boolean): number[] {
    const out: number[] = [];
    for (const ch of value.replace(/[\t\u00a0]/g, ' ')) {
      const cp = ch.codePointAt(0)!;
      if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
      const gid = this.ttf.cmap.get(cp);
      if (gid === undefined) {
        if (record) this.used.set(this.fallback, '?');
        out.push(this.fallback);
      } else {
        if (record && !this.used.has(gid)) this.used.set(gid, ch);
        out.push(gid);
      }
    }
    return out;
  }

  /** Width in 1/1000 em, as the PDF's /W array states it (layout and viewer then agree exactly). */
  private width1000(gid: number): number {
    return Math.round(((this.ttf.advances[gid] ?? 0) * 1000) / this.ttf.unitsPerEm);
  }

  measure(value: string, size: number): number {
    return (this.glyphs(value, false).reduce((w, g) => w + this.width1000(g), 0) * size) / 1000;
  }

  /** The hex string operand of Tj for `value`. */
  encode(value: string): string {
    return `<${this.glyphs(value, true)
      .map((g) => g.toString(16).padStart(4, '0'))
      .join('')}>`;
  }

  /** Writes the Type0 font and everything it needs; returns the font's reference. */
  write(pdf: PdfFile): Ref {
    const ttf = this.ttf;
    const gids = [...this.used.keys()].sort((a, b) => a - b);
    const program = subsetTtf(ttf, gids);
    // The subset tag (§9.6.4) is six capital letters derived from the glyph set, so output is reproducible.
    const digest = createHash('sha256').update(gids.join(',')).digest();
    const tag = [...digest.subarray(0, 6)].map((b) => String.fromCharCode(65 + (b % 26))).join('');
    const fontName = `${tag}+${ttf.postscriptName}`;
    const scale = (v: number) => Math.round((v * 1000) / ttf.unitsPerEm);
    const descriptor = pdf.add({
      Type: name('FontDescriptor'),
      FontName: name(fontName),
      Flags: (ttf.fixedPitch ? 1 : 0) | 32,
      FontBBox: ttf.bbox.map(scale),
      ItalicAngle: ttf.italicAngle,
      Ascent: scale(ttf.ascent),
      Descent: scale(ttf.descent),
      CapHeight: scale(ttf.capHeight),
      // TrueType has no stem width; this is the usual estimate from the weight class.
      StemV: Math.round(10 + 220 * ((ttf.weight - 50) / 900) ** 2),
      FontFile2: pdf.stream({ Length1: program.length }, program),
    });
    const widths: (number | number[])[] = [];
    for (const g of gids) {
      const last = widths.at(-1);
      const lastStart = widths.at(-2);
      if (Array.isArray(last) && typeof lastStart === 'number' && lastStart + last.length === g) last.push(this.width1000(g));
      else widths.push(g, [this.width1000(g)]);
    }
    const cid = pdf.add({
      Type: name('Font'),
      Subtype: name('CIDFontType2'),
      BaseFont: name(fontName),
      CIDSystemInfo: { Registry: new Raw('(Adobe)'), Ordering: new Raw('(Identity)'), Supplement: 0 },
      FontDescriptor: descriptor,
      DW: 1000,
      W: widths,
      CIDToGIDMap: name('Identity'),
    });
    return pdf.add({
      Type: name('Font'),
      Subtype: name('Type0'),
      BaseFont: name(fontName),
      Encoding: name('Identity-H'),
      DescendantFonts: [cid],
      ToUnicode: pdf.stream({}, toUnicode(this.used)),
    });
  }
}

/** The ToUnicode CMap (Adobe technical note #5411): each glyph id back to its UTF-16BE text. */
function toUnicode(used: Map<number, string>): string {
  const entries = [...used].sort((a, b) => a[0] - b[0]);
  const lines = [
    '/CIDInit /ProcSet findresource begin',
    '12 dict begin',
    'begincmap',
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
    '/CMapName /Adobe-Identity-UCS def',
    '/CMapType 2 def',
    '1 begincodespacerange',
    '<0000> <FFFF>',
    'endcodespacerange',
  ];
  for (let i = 0; i < entries.length; i += 100) {
    const chunk = entries.slice(i, i + 100);
    lines.push(`${chunk.length} beginbfchar`);
    for (const [gid, ch] of chunk) {
      lines.push(`<${gid.toString(16).padStart(4, '0')}> <${Buffer.from(ch, 'utf16le').swap16().toString('hex')}>`);
    }
    lines.push('endbfchar');
  }
  lines.push('endcmap', 'CMapName currentdict /CMap defineresource pop', 'end', 'end');
  return lines.join('\n');
}
