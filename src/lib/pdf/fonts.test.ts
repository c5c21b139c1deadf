import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import PDFDocument from 'pdfkit';
import { fontFaces } from './fonts.ts';

describe('fonts', () => {
  it('measures text exactly as pdfkit draws it, kerning included', () => {
    const faces = fontFaces();
    const doc = new PDFDocument({ font: faces.regular.font });
    for (const face of Object.values(faces)) {
      doc.registerFont(face.style, face.font);
      doc.font(face.style, 10);
      for (const text of ['AVATAR To Ty Wa', 'Fiscalía — «Copia fiel» ¿año?', 'e3b0c44298fc1c149afbf4c8996fb924', 'data/EXH-1/disco.dd ']) {
        const measured = face.measure(face.printable(text), 10);
        assert.ok(Math.abs(measured - doc.widthOfString(text)) < 1e-9, `${face.style}: ${text} ${measured} ≠ ${doc.widthOfString(text)}`);
      }
    }
    // Kerning is there to be measured: "AV" is narrower than "A" and "V" apart.
    const sans = faces.regular;
    assert.ok(sans.measure('AV', 10) < sans.measure('A', 10) + sans.measure('V', 10));
  });

  it('keeps what the fonts can show, turns tabs into spaces, drops control characters, shows the rest as "?"', () => {
    const { regular } = fontFaces();
    assert.equal(regular.printable('¿Está íntegro? ¡Sí! — ñ ü'), '¿Está íntegro? ¡Sí! — ñ ü');
    assert.equal(regular.printable('a\tb\u00a0c\u0007d\u0085e'), 'a b cde');
    assert.equal(regular.printable('a \u4e2d b'), 'a ? b');
  });
});
