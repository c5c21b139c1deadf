/**
 * An sRGB ICC profile (version 2.1, display class, matrix/TRC) computed from the parameters of
 * IEC 61966-2-1: the primaries and D65 white point, adapted to the ICC's D50 connection space with the
 * Bradford transform, and the sRGB transfer curve as a 1024-entry table. PDF/A needs an output intent
 * with an embedded profile; computing it here spares us shipping a third-party profile file.
 */
type Vec = [number, number, number];
type Mat = [Vec, Vec, Vec];

const mul = (m: Mat, v: Vec): Vec => m.map((r) => r[0] * v[0] + r[1] * v[1] + r[2] * v[2]) as Vec;
const column = (m: Mat, j: 0 | 1 | 2): Vec => [m[0][j], m[1][j], m[2][j]];
const mmul = (a: Mat, b: Mat): Mat => a.map((r) => ([0, 1, 2] as const).map((j) => mul([r, r, r], column(b, j))[0])) as Mat;

function inverse(m: Mat): Mat {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}

const xyz = (x: number, y: number): Vec => [x / y, 1, (1 - x - y) / y];

/** The RGB → XYZ(D50) matrix's columns: the red, green and blue colorants. */
export function srgbColorants(): Mat {
  const primaries: Mat = [xyz(0.64, 0.33), xyz(0.3, 0.6), xyz(0.15, 0.06)];
  const d65 = xyz(0.3127, 0.329);
  const d50: Vec = [0.9642, 1, 0.8249];
  const p: Mat = [0, 1, 2].map((r) => primaries.map((col) => col[r])) as Mat;
  const s = mul(inverse(p), d65);
  const toXyz65: Mat = p.map((r) => r.map((v, j) => v * s[j]!)) as Mat;
  const bradford: Mat = [
    [0.8951, 0.2664, -0.1614],
    [-0.7502, 1.7135, 0.0367],
    [0.0389, -0.0685, 1.0296],
  ];
  const src = mul(bradford, d65);
  const dst = mul(bradford, d50);
  const scale: Mat = [
    [dst[0] / src[0], 0, 0],
    [0, dst[1] / src[1], 0],
    [0, 0, dst[2] / src[2]],
  ];
  const toXyz50 = mmul(mmul(mmul(inverse(bradford), scale), bradford), toXyz65);
  return [0, 1, 2].map((c) => toXyz50.map((r) => r[c])) as Mat;
}

function s15f16(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => {
    b.writeInt32BE(Math.round(v * 65536), i * 4);
  });
  return b;
}

const sig = (s: string) => Buffer.from(s, 'latin1');
const xyzTag = (v: Vec) => Buffer.concat([sig('XYZ '), Buffer.alloc(4), s15f16(v)]);

function textTag(value: string): Buffer {
  return Buffer.concat([sig('text'), Buffer.alloc(4), sig(`${value}\0`)]);
}

function descTag(value: string): Buffer {
  const ascii = sig(`${value}\0`);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(ascii.length);
  // Then the empty Unicode (lang code, count) and ScriptCode (code, count, 67 bytes) parts.
  return Buffer.concat([sig('desc'), Buffer.alloc(4), count, ascii, Buffer.alloc(8), Buffer.alloc(3 + 67)]);
}

function curveTag(): Buffer {
  const n = 1024;
  const b = Buffer.alloc(12 + n * 2);
  b.write('curv', 0, 'latin1');
  b.writeUInt32BE(n, 8);
  for (let i = 0; i < n; i++) {
    const v = i / (n - 1);
    const linear = v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    b.writeUInt16BE(Math.round(linear * 65535), 12 + i * 2);
  }
  return b;
}

let cached: Buffer | undefined;

export function srgbProfile(): Buffer {
  if (cached) return cached;
  const [r, g, b] = srgbColorants();
  const curve = curveTag();
  const tags: [string, Buffer][] = [
    ['desc', descTag('sRGB IEC61966-2.1')],
    ['cprt', textTag('No copyright. Computed by Custodia from the IEC 61966-2-1 parameters.')],
    ['wtpt', xyzTag([0.9642, 1, 0.8249])],
    ['rXYZ', xyzTag(r)],
    ['gXYZ', xyzTag(g)],
    ['bXYZ', xyzTag(b)],
    ['rTRC', curve],
    ['gTRC', curve],
    ['bTRC', curve],
  ];
  const table = Buffer.alloc(4 + tags.length * 12);
  table.writeUInt32BE(tags.length, 0);
  const bodies: Buffer[] = [];
  let offset = 128 + table.length;
  const placed = new Map<Buffer, number>();
  tags.forEach(([name, body], i) => {
    // The three TRC tags share one curve, as the format allows.
    let at = placed.get(body);
    if (at === undefined) {
      at = offset;
      placed.set(body, at);
      const padded = Buffer.alloc((body.length + 3) & ~3);
      body.copy(padded);
      bodies.push(padded);
      offset += padded.length;
    }
    table.write(name, 4 + i * 12, 'latin1');
    table.writeUInt32BE(at, 8 + i * 12);
    table.writeUInt32BE(body.length, 12 + i * 12);
  });
  const header = Buffer.alloc(128);
  header.writeUInt32BE(offset, 0);
  header.writeUInt32BE(0x02100000, 8);
  header.write('mntrRGB XYZ ', 12, 'latin1');
  // Creation date fixed, so that the profile (and every PDF) is reproducible.
  [2026, 1, 1, 0, 0, 0].forEach((v, i) => {
    header.writeUInt16BE(v, 24 + i * 2);
  });
  header.write('acsp', 36, 'latin1');
  s15f16([0.9642, 1, 0.8249]).copy(header, 68);
  cached = Buffer.concat([header, table, ...bodies]);
  return cached;
}
