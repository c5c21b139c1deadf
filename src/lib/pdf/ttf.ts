/**
 * A TrueType (glyf-outline) font read just enough to embed it in a PDF as a CIDFontType2: metrics,
 * the Unicode cmap (formats 4 and 12) and a subsetter. The subset keeps glyph ids unchanged (so the
 * PDF can use CIDToGIDMap /Identity) and empties every glyph the document does not use; glyphs past
 * the highest one used are dropped, which for Latin text removes most of the font.
 */
export interface Ttf {
  data: Buffer;
  tables: Map<string, { offset: number; length: number }>;
  postscriptName: string;
  unitsPerEm: number;
  bbox: [number, number, number, number];
  ascent: number;
  descent: number;
  capHeight: number;
  italicAngle: number;
  fixedPitch: boolean;
  weight: number;
  numGlyphs: number;
  advances: Uint16Array;
  lsbs: Int16Array;
  /** Unicode code point → glyph id. */
  cmap: Map<number, number>;
  /** glyf offsets, numGlyphs + 1 entries. */
  loca: Uint32Array;
}

export function parseTtf(data: Buffer): Ttf {
  if (data.readUInt32BE(0) !== 0x00010000 && data.toString('latin1', 0, 4) !== 'true') throw new Error('not a TrueType font with glyf outlines');
  const tables = new Map<string, { offset: number; length: number }>();
  const count = data.readUInt16BE(4);
  for (let i = 0; i < count; i++) {
    const rec = 12 + i * 16;
    tables.set(data.toString('latin1', rec, rec + 4), { offset: data.readUInt32BE(rec + 8), length: data.readUInt32BE(rec + 12) });
  }
  const at = (tag: string): number => {
    const t = tables.get(tag);
    if (!t) throw new Error(`font has no ${tag} table`);
    return t.offset;
  };
  const head = at('head');
  const hhea = at('hhea');
  const maxp = at('maxp');
  const post = at('post');
  const numGlyphs = data.readUInt16BE(maxp + 4);
  const os2 = tables.get('OS/2')?.offset;
  // Embedding is allowed unless the font says "restricted licence" (fsType bit 1 alone).
  if (os2 !== undefined && (data.readUInt16BE(os2 + 8) & 0x000f) === 0x0002) throw new Error('font licence forbids embedding');
  const ascent = data.readInt16BE(hhea + 4);

  const advances = new Uint16Array(numGlyphs);
  const lsbs = new Int16Array(numGlyphs);
  const hmtx = at('hmtx');
  const numHMetrics = data.readUInt16BE(hhea + 34);
  for (let g = 0; g < numGlyphs; g++) {
    if (g < numHMetrics) {
      advances[g] = data.readUInt16BE(hmtx + g * 4);
      lsbs[g] = data.readInt16BE(hmtx + g * 4 + 2);
    } else {
      advances[g] = advances[numHMetrics - 1] ?? 0;
      lsbs[g] = data.readInt16BE(hmtx + numHMetrics * 4 + (g - numHMetrics) * 2);
    }
  }

  const longLoca = data.readInt16BE(head + 50) === 1;
  const locaAt = at('loca');
  const loca = new Uint32Array(numGlyphs + 1);
  for (let g = 0; g <= numGlyphs; g++) loca[g] = longLoca ? data.readUInt32BE(locaAt + g * 4) : data.readUInt16BE(locaAt + g * 2) * 2;

  return {
    data,
    tables,
    postscriptName: readPostscriptName(data, tables.get('name')?.offset),
    unitsPerEm: data.readUInt16BE(head + 18),
    bbox: [data.readInt16BE(head + 36), data.readInt16BE(head + 38), data.readInt16BE(head + 40), data.readInt16BE(head + 42)],
    ascent,
    descent: data.readInt16BE(hhea + 6),
    capHeight: os2 !== undefined && data.readUInt16BE(os2) >= 2 ? data.readInt16BE(os2 + 88) : Math.round(ascent * 0.7),
    italicAngle: data.readInt32BE(post + 4) / 65536,
    fixedPitch: data.readUInt32BE(post + 12) !== 0,
    weight: os2 !== undefined ? data.readUInt16BE(os2 + 4) : 400,
    numGlyphs,
    advances,
    lsbs,
    // A subset we wrote has no cmap (the PDF maps codes to glyphs itself).
    cmap: tables.has('cmap') ? readCmap(data, at('cmap')) : new Map(),
    loca,
  };
}

function readPostscriptName(data: Buffer, name: number | undefined): string {
  if (name === undefined) return 'Font';
  const count = data.readUInt16BE(name + 2);
  const strings = name + data.readUInt16BE(name + 4);
  for (let i = 0; i < count; i++) {
    const r = name + 6 + i * 12;
    if (data.readUInt16BE(r + 6) !== 6) continue;
    const platform = data.readUInt16BE(r);
    const bytes = data.subarray(strings + data.readUInt16BE(r + 10), strings + data.readUInt16BE(r + 10) + data.readUInt16BE(r + 8));
    const text = platform === 3 || platform === 0 ? Buffer.from(bytes).swap16().toString('utf16le') : bytes.toString('latin1');
    return text.replace(/[^\x21-\x7e]|[[\](){}<>/%]/g, '');
  }
  return 'Font';
}

function readCmap(data: Buffer, cmap: number): Map<number, number> {
  const count = data.readUInt16BE(cmap + 2);
  let best: { offset: number; rank: number } | undefined;
  for (let i = 0; i < count; i++) {
    const r = cmap + 4 + i * 8;
    const platform = data.readUInt16BE(r);
    const encoding = data.readUInt16BE(r + 2);
    const offset = cmap + data.readUInt32BE(r + 4);
    const format = data.readUInt16BE(offset);
    // Prefer a full-Unicode table (format 12), then the BMP one (format 4).
    const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    const rank = !unicode ? 0 : format === 12 ? 2 : format === 4 ? 1 : 0;
    if (rank > 0 && (!best || rank > best.rank)) best = { offset, rank };
  }
  if (!best) throw new Error('font has no Unicode cmap (format 4 or 12)');
  const map = new Map<number, number>();
  const t = best.offset;
  if (best.rank === 2) {
    const groups = data.readUInt32BE(t + 12);
    for (let i = 0; i < groups; i++) {
      const g = t + 16 + i * 12;
      const start = data.readUInt32BE(g);
      const end = data.readUInt32BE(g + 4);
      const glyph = data.readUInt32BE(g + 8);
      for (let c = start; c <= end; c++) map.set(c, glyph + c - start);
    }
    return map;
  }
  const segs = data.readUInt16BE(t + 6) / 2;
  const ends = t + 14;
  const starts = ends + segs * 2 + 2;
  const deltas = starts + segs * 2;
  const rangeOffsets = deltas + segs * 2;
  for (let i = 0; i < segs; i++) {
    const start = data.readUInt16BE(starts + i * 2);
    const end = data.readUInt16BE(ends + i * 2);
    const delta = data.readInt16BE(deltas + i * 2);
    const ro = data.readUInt16BE(rangeOffsets + i * 2);
    for (let c = start; c <= end && c !== 0xffff; c++) {
      let glyph: number;
      if (ro === 0) glyph = (c + delta) & 0xffff;
      else {
        glyph = data.readUInt16BE(rangeOffsets + i * 2 + ro + (c - start) * 2);
        if (glyph !== 0) glyph = (glyph + delta) & 0xffff;
      }
      if (glyph !== 0) map.set(c, glyph);
    }
  }
  return map;
}

/** Glyph ids a composite glyph is built from (they must stay in the subset). */
function components(ttf: Ttf, gid: number): number[] {
  const start = ttf.loca[gid] ?? 0;
  if ((ttf.loca[gid + 1] ?? 0) <= start) return [];
  const glyf = ttf.tables.get('glyf')!.offset + start;
  if (ttf.data.readInt16BE(glyf) >= 0) return [];
  const out: number[] = [];
  let p = glyf + 10;
  for (;;) {
    const flags = ttf.data.readUInt16BE(p);
    out.push(ttf.data.readUInt16BE(p + 2));
    p += 4 + (flags & 0x0001 ? 4 : 2) + (flags & 0x0008 ? 2 : flags & 0x0040 ? 4 : flags & 0x0080 ? 8 : 0);
    if (!(flags & 0x0020)) return out;
  }
}

/** A font program holding only `used` glyphs (and what composites need), ids unchanged. */
export function subsetTtf(ttf: Ttf, used: Iterable<number>): Buffer {
  const keep = new Set<number>([0]);
  const work = [...used];
  while (work.length > 0) {
    const g = work.pop()!;
    if (g >= ttf.numGlyphs || keep.has(g)) continue;
    keep.add(g);
    work.push(...components(ttf, g));
  }
  const n = Math.max(...keep) + 1;
  const src = (tag: string) => {
    const t = ttf.tables.get(tag);
    return t ? ttf.data.subarray(t.offset, t.offset + t.length) : undefined;
  };

  const glyfSrc = src('glyf')!;
  const pieces: Buffer[] = [];
  const loca = Buffer.alloc((n + 1) * 4);
  let offset = 0;
  for (let g = 0; g < n; g++) {
    loca.writeUInt32BE(offset, g * 4);
    if (!keep.has(g)) continue;
    const piece = glyfSrc.subarray(ttf.loca[g], ttf.loca[g + 1]);
    const padded = Buffer.alloc((piece.length + 3) & ~3);
    piece.copy(padded);
    pieces.push(padded);
    offset += padded.length;
  }
  loca.writeUInt32BE(offset, n * 4);

  const hmtx = Buffer.alloc(n * 4);
  for (let g = 0; g < n; g++) {
    hmtx.writeUInt16BE(ttf.advances[g] ?? 0, g * 4);
    hmtx.writeInt16BE(ttf.lsbs[g] ?? 0, g * 4 + 2);
  }
  const head = Buffer.from(src('head')!);
  head.writeUInt32BE(0, 8);
  head.writeInt16BE(1, 50);
  const hhea = Buffer.from(src('hhea')!);
  hhea.writeUInt16BE(n, 34);
  const maxp = Buffer.from(src('maxp')!);
  maxp.writeUInt16BE(n, 4);
  // post version 3: no glyph names (they would name glyphs the subset emptied).
  const post = Buffer.from(src('post')!.subarray(0, 32));
  post.writeUInt32BE(0x00030000, 0);

  const tables = new Map<string, Buffer>([
    ['glyf', Buffer.concat(pieces)],
    ['head', head],
    ['hhea', hhea],
    ['hmtx', hmtx],
    ['loca', loca],
    ['maxp', maxp],
    ['post', post],
  ]);
  // Hinting programs, metrics and the name table (it carries the font's copyright and licence notice).
  for (const tag of ['cvt ', 'fpgm', 'prep', 'OS/2', 'name']) {
    const t = src(tag);
    if (t) tables.set(tag, t);
  }
  return writeSfnt(tables);
}

function checksum(buf: Buffer): number {
  let sum = 0;
  const padded = buf.length % 4 === 0 ? buf : Buffer.concat([buf, Buffer.alloc(4 - (buf.length % 4))]);
  for (let i = 0; i < padded.length; i += 4) sum = (sum + padded.readUInt32BE(i)) >>> 0;
  return sum;
}

function writeSfnt(tables: Map<string, Buffer>): Buffer {
  const tags = [...tables.keys()].sort();
  const count = tags.length;
  const entrySelector = Math.floor(Math.log2(count));
  const dir = Buffer.alloc(12 + count * 16);
  dir.writeUInt32BE(0x00010000, 0);
  dir.writeUInt16BE(count, 4);
  dir.writeUInt16BE(2 ** entrySelector * 16, 6);
  dir.writeUInt16BE(entrySelector, 8);
  dir.writeUInt16BE(count * 16 - 2 ** entrySelector * 16, 10);
  const bodies: Buffer[] = [];
  let offset = dir.length;
  let headAt = 0;
  tags.forEach((tag, i) => {
    const body = tables.get(tag)!;
    const rec = 12 + i * 16;
    dir.write(tag, rec, 'latin1');
    dir.writeUInt32BE(checksum(body), rec + 4);
    dir.writeUInt32BE(offset, rec + 8);
    dir.writeUInt32BE(body.length, rec + 12);
    if (tag === 'head') headAt = offset;
    const padded = Buffer.alloc((body.length + 3) & ~3);
    body.copy(padded);
    bodies.push(padded);
    offset += padded.length;
  });
  const font = Buffer.concat([dir, ...bodies]);
  font.writeUInt32BE((0xb1b0afba - checksum(font)) >>> 0, headAt + 8);
  return font;
}
