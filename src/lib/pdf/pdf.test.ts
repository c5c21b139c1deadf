import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { type PdfDocument, renderPdf } from './pdf.ts';
import { assertArchival, documentFacts, outlineTitles, pageStructure, pageTexts, skipWithoutPdfTools, xrefOffsets } from './testing.ts';

const HASH = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const SPANISH = 'Informe de verificación: ¿está íntegro? ¡Sí! «Copia fiel» — pingüino, año, acción, éxito, último.';

function sample(rows = 3): PdfDocument {
  return {
    lang: 'es',
    title: 'Informe de verificación',
    author: 'Fiscalía — Unidad de Ciberdelincuencia',
    subject: 'Paquete de evidencia',
    createdAt: new Date('2026-11-24T15:30:00Z'),
    blocks: [
      { kind: 'h1', text: 'Informe de verificación del paquete de evidencia' },
      { kind: 'p', text: `${SPANISH} `.repeat(5) },
      { kind: 'h2', text: 'Elementos' },
      { kind: 'mono', text: HASH },
      { kind: 'list', ordered: true, items: ['Ejecute sha256sum -c manifest-sha256.txt', 'Compruebe las pruebas de inclusión'] },
      {
        kind: 'table',
        columns: [{ header: 'Prueba' }, { header: 'Descripción', width: 2 }, { header: 'SHA-256', width: 3, mono: true }],
        rows: Array.from({ length: rows }, (_, i) => [`EXH-${i + 1}`, `Imagen de disco nº ${i + 1}`, HASH]),
      },
      { kind: 'table', headerRow: false, rowHeaders: true, columns: [{ header: 'Campo' }, { header: 'Valor', width: 3 }], rows: [['Caso', 'CASO-2026-001']] },
    ],
    footer: (page, pages) => `Página ${page} de ${pages}`,
  };
}

/** The catalog and other uncompressed objects, as text. */
const skeleton = (pdf: Buffer) => pdf.toString('latin1');

describe('renderPdf', () => {
  it('writes a complete file whose cross-reference table points at every object', () => {
    const pdf = renderPdf(sample());
    assert.equal(pdf.subarray(0, 8).toString('latin1'), '%PDF-1.7');
    assert.match(pdf.subarray(-7).toString('latin1'), /%%EOF\n$/);
    const offsets = xrefOffsets(pdf);
    assert.ok(offsets.size > 20);
    for (const [id, offset] of offsets) assert.equal(pdf.toString('latin1', offset, offset + `${id} 0 obj`.length), `${id} 0 obj`, `object ${id}`);
  });

  it('is reproducible: the same document gives the same bytes', () => {
    assert.deepEqual(renderPdf(sample()), renderPdf(sample()));
  });

  it('identifies the file by a digest of its content, not of its metadata alone', () => {
    const id = (pdf: Buffer) => /\/ID \[<([0-9a-f]{32})> <\1>\]/.exec(pdf.toString('latin1'))?.[1];
    const one = id(renderPdf(sample()));
    assert.ok(one);
    assert.equal(id(renderPdf(sample())), one);
    // Same title, author, subject and date; one more table row.
    assert.notEqual(id(renderPdf(sample(4))), one);
  });

  it('keeps Spanish text and hashes extractable', async () => {
    const [first] = await pageTexts(renderPdf(sample()));
    const oneLine = first!.replace(/\s+/g, ' ');
    for (const word of ['verificación', '¿está', 'íntegro?', '¡Sí!', '«Copia', 'fiel»', '—', 'pingüino', 'año', 'acción', 'éxito', 'último', 'Descripción']) {
      assert.ok(oneLine.includes(word), word);
    }
    assert.ok(first!.includes(HASH));
    assert.ok(first!.includes('Página 1 de 1'));
  });

  it('is tagged: language, marked content, a structure tree with headings, paragraphs, lists and tables', async () => {
    const pdf = renderPdf(sample());
    const text = skeleton(pdf);
    assert.match(text, /\/Lang \(es\)/);
    assert.match(text, /\/Marked true/);
    assert.match(text, /\/Type \/StructTreeRoot/);
    assert.match(text, /\/DisplayDocTitle true/);
    assert.match(text, /\/Scope \/Column/);
    assert.match(text, /\/Scope \/Row/);
    assert.match(text, /\/ListNumbering \/Decimal/);
    const facts = await documentFacts(pdf);
    assert.equal(facts.marked, true);
    assert.equal(facts.info['Language'], 'es');
    const structure = JSON.stringify(await pageStructure(pdf, 1));
    assert.deepEqual(await outlineTitles(pdf), ['Informe de verificación del paquete de evidencia', 'Elementos']);
    for (const role of ['"Document"', '"H1"', '"H2"', '"P"', '"L"', '"LI"', '"Lbl"', '"LBody"', '"Table"', '"TR"', '"TH"', '"TD"'])
      assert.ok(structure.includes(role), role);
  });

  it('embeds subset fonts with ToUnicode maps, XMP metadata matching Info, and an sRGB output intent', async () => {
    const pdf = renderPdf(sample());
    const text = skeleton(pdf);
    assert.equal(text.match(/\/FontFile2/g)?.length, 3);
    assert.equal(text.match(/\/ToUnicode/g)?.length, 3);
    assert.match(text, /\/BaseFont \/[A-Z]{6}\+DejaVuSans\b/);
    assert.match(text, /\/S \/GTS_PDFA1\n/);
    assert.match(text, /\/OutputConditionIdentifier \(sRGB IEC61966-2.1\)/);
    assert.match(text, /\/DestOutputProfile \d+ 0 R/);
    const { info, xmp } = await documentFacts(pdf);
    assert.equal(xmp['pdfaid:part'], '2');
    assert.equal(xmp['pdfaid:conformance'], 'A');
    assert.equal(xmp['dc:title'], info['Title']);
    assert.equal(xmp['dc:language'], 'es');
    assert.deepEqual(xmp['dc:creator'], [info['Author']]);
    assert.equal(xmp['dc:description'], info['Subject']);
    assert.equal(xmp['xmp:createdate'], '2026-11-24T15:30:00Z');
    assert.equal(xmp['xmp:modifydate'], '2026-11-24T15:30:00Z');
    assert.equal(info['CreationDate'], 'D:20261124153000Z');
    assert.equal(info['ModDate'], 'D:20261124153000Z');
    // A subset, not the whole 700 KB font files.
    assert.ok(pdf.length < 120_000, `${pdf.length} bytes`);
  });

  it('breaks a long table over pages, repeating its header and numbering the pages', async () => {
    const pdf = renderPdf(sample(120));
    const pages = await pageTexts(pdf);
    assert.ok(pages.length >= 4, `${pages.length} pages`);
    pages.forEach((page, i) => {
      assert.ok(page.trimEnd().endsWith(`Página ${i + 1} de ${pages.length}`), `footer of page ${i + 1}`);
    });
    for (const page of pages.slice(1)) assert.ok(page.includes('Prueba Descripción SHA-256') || page.includes('Prueba\nDescripción'), 'header repeated');
    const all = pages.join('\n');
    for (let i = 1; i <= 120; i++) assert.equal(all.match(new RegExp(`EXH-${i}\\b`, 'g'))?.length, 1, `EXH-${i}`);
    // The repeated headers are artifacts: the structure has a single header row.
    const text = skeleton(pdf);
    assert.equal(text.match(/\/S \/TH\b/g)?.length, 3 + 1);
  });

  it('splits a table row taller than a page, and wraps long unbroken strings', async () => {
    const long = 'palabra '.repeat(1500);
    const pdf = renderPdf({
      lang: 'en',
      title: 'Long',
      createdAt: new Date(0),
      blocks: [
        { kind: 'table', columns: [{ header: 'A' }, { header: 'B' }], rows: [['x', long]] },
        { kind: 'mono', text: HASH.repeat(4) },
      ],
      footer: (page, pages) => `Page ${page} of ${pages}`,
    });
    const pages = await pageTexts(pdf);
    assert.ok(pages.length >= 2);
    assert.equal(pages.join(' ').match(/palabra/g)?.length, 1500);
    const folded = pages.map((p) => p.replace(/Page \d+ of \d+/, '')).join('');
    assert.ok(folded.replace(/\s/g, '').includes(HASH.repeat(4)));
  });

  it('keeps the XMP metadata readable and equal to Info when the title holds XML characters', async () => {
    const title = 'Fraude & estafa <banca> "en línea"';
    const { info, xmp } = await documentFacts(renderPdf({ ...sample(), title, author: 'A & B', subject: '<x>' }));
    assert.equal(info['Title'], title);
    assert.equal(xmp['dc:title'], title);
    assert.deepEqual(xmp['dc:creator'], ['A & B']);
    assert.equal(xmp['dc:description'], '<x>');
    assert.equal(xmp['pdfaid:part'], '2');
  });

  it('shows characters the font lacks as "?" rather than an undefined glyph', async () => {
    const pdf = renderPdf({ lang: 'en', title: 'T', createdAt: new Date(0), blocks: [{ kind: 'p', text: 'a \u4e2d b' }] });
    const [page] = await pageTexts(pdf);
    assert.match(page!, /a \? b/);
  });

  it('writes Flate streams that inflate', () => {
    const text = skeleton(renderPdf(sample()));
    const streams = [...text.matchAll(/\/Length (\d+)\n\/Filter \/FlateDecode\n>>\nstream\n/g)];
    assert.ok(streams.length > 5);
    for (const m of streams) {
      const start = m.index + m[0].length;
      assert.doesNotThrow(() => inflateSync(Buffer.from(text.slice(start, start + Number(m[1])), 'latin1')));
    }
  });

  it('passes the archival checks: qpdf, embedded fonts, PDF/A identification, tagged, language', { skip: skipWithoutPdfTools }, () => {
    assertArchival(renderPdf(sample(80)), 'es');
    assertArchival(renderPdf({ ...sample(), lang: 'en' }), 'en');
  });
});
