import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { srgbColorants, srgbProfile } from './icc.ts';
import { parseTtf, subsetTtf } from './ttf.ts';

const font = (file: string) => parseTtf(readFileSync(new URL(`../../../assets/fonts/${file}`, import.meta.url)));

describe('TrueType fonts', () => {
  it('reads metrics and the Unicode cmap of the shipped fonts', () => {
    const sans = font('DejaVuSans.ttf');
    assert.equal(sans.postscriptName, 'DejaVuSans');
    assert.equal(sans.unitsPerEm, 2048);
    for (const ch of 'áéíóúñüÁÉÍÓÚÑÜ¿¡«»—−') assert.ok(sans.cmap.has(ch.codePointAt(0)!), ch);
    const mono = font('DejaVuSansMono.ttf');
    assert.equal(mono.fixedPitch, true);
    const digits = [...'0123456789abcdef'].map((ch) => mono.advances[mono.cmap.get(ch.codePointAt(0)!)!]);
    assert.equal(new Set(digits).size, 1);
  });

  it('subsets to the glyphs used, keeping their ids, outlines and widths', () => {
    const sans = font('DejaVuSans.ttf');
    const used = [...'Añó'].map((ch) => sans.cmap.get(ch.codePointAt(0)!)!);
    const subset = parseTtf(subsetTtf(sans, used));
    // Accented letters are composites: their parts (at higher ids) stay, the rest of the font goes.
    assert.ok(subset.numGlyphs > Math.max(...used) && subset.numGlyphs < sans.numGlyphs / 5, `${subset.numGlyphs}`);
    for (const g of used) {
      assert.equal(subset.advances[g], sans.advances[g]);
      const size = (f: typeof sans, id: number) => f.loca[id + 1]! - f.loca[id]!;
      assert.equal(size(subset, g), (size(sans, g) + 3) & ~3);
    }
    // Glyphs the text does not use are emptied.
    const unused = sans.cmap.get('Z'.codePointAt(0)!)!;
    assert.equal(subset.loca[unused + 1]! - subset.loca[unused]!, 0);
  });

  it('keeps the checksum adjustment of the subset right', () => {
    const sans = font('DejaVuSans-Bold.ttf');
    const subset = subsetTtf(sans, [sans.cmap.get(0x41)!]);
    let sum = 0;
    for (let i = 0; i < subset.length; i += 4) sum = (sum + subset.readUInt32BE(i)) >>> 0;
    assert.equal(sum, 0xb1b0afba);
  });
});

describe('sRGB profile', () => {
  it('derives the D50 colorants of sRGB as the ICC publishes them', () => {
    const [r, g, b] = srgbColorants();
    const near = (a: number[], e: number[]) => {
      a.forEach((v, i) => {
        assert.ok(Math.abs(v - e[i]!) < 5e-4, `${v} ≈ ${e[i]}`);
      });
    };
    near(r, [0.4361, 0.2225, 0.0139]);
    near(g, [0.3851, 0.7169, 0.0971]);
    near(b, [0.1431, 0.0606, 0.7141]);
  });

  it('is a well-formed version 2 display profile', () => {
    const icc = srgbProfile();
    assert.equal(icc.readUInt32BE(0), icc.length);
    assert.equal(icc.toString('latin1', 12, 24), 'mntrRGB XYZ ');
    assert.equal(icc.toString('latin1', 36, 40), 'acsp');
    const count = icc.readUInt32BE(128);
    const tags = Array.from({ length: count }, (_, i) => icc.toString('latin1', 132 + i * 12, 136 + i * 12));
    assert.deepEqual(tags.sort(), ['bTRC', 'bXYZ', 'cprt', 'desc', 'gTRC', 'gXYZ', 'rTRC', 'rXYZ', 'wtpt']);
  });
});
