import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { type PdfDocument, renderPdf } from './pdf.ts';
import { documentFacts, outlineTitles, pageStructure, pageTexts, xrefOffsets } from './testing.ts';

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
    assert.match(text, /\/Type \/Catalog[\s\S]*\/Lang \(es\)[\s\S]*\/MarkInfo <<\/Marked true>>[\s\S]*\/StructTreeRoot \d+ 0 R/);
    assert.match(text, /\/ViewerPreferences <<\/DisplayDocTitle true>>/);
    assert.match(text, /\/Scope \/Column/);
    assert.match(text, /\/Scope \/Row/);
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
    assert.match(text, /\/S \/GTS_PDFA1 \/OutputConditionIdentifier \(sRGB IEC61966-2.1\)/);
    const { info, xmp } = await documentFacts(pdf);
    assert.equal(xmp['pdfaid:part'], '2');
    assert.equal(xmp['pdfaid:conformance'], 'A');
    assert.equal(xmp['dc:title'], info['Title']);
    assert.equal(xmp['dc:language'], 'es');
    assert.deepEqual(xmp['dc:creator'], [info['Author']]);
    assert.equal(xmp['dc:description'], info['Subject']);
    assert.equal(xmp['xmp:createdate'], '2026-11-24T15:30:00Z');
    assert.equal(info['CreationDate'], 'D:20261124153000Z');
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

  it('shows characters the font lacks as "?" rather than an undefined glyph', async () => {
    const pdf = renderPdf({ lang: 'en', title: 'T', createdAt: new Date(0), blocks: [{ kind: 'p', text: 'a \u4e2d b' }] });
    const [page] = await pageTexts(pdf);
    assert.match(page!, /a \? b/);
  });

  it('writes Flate streams that inflate', () => {
    const text = skeleton(renderPdf(sample()));
    const streams = [...text.matchAll(/\/Filter \/FlateDecode[^>]*\/Length (\d+)>>\nstream\n/g)];
    assert.ok(streams.length > 5);
    for (const m of streams) {
      const start = m.index + m[0].length;
      assert.doesNotThrow(() => inflateSync(Buffer.from(text.slice(start, start + Number(m[1])), 'latin1')));
    }
  });

  it('passes qpdf --check (skipped when qpdf is not installed)', (t) => {
    if (!existsSync('/usr/bin/qpdf')) return t.skip('qpdf is not installed (apt-get install -y qpdf)');
    const dir = mkdtempSync(join(tmpdir(), 'pdf-'));
    try {
      const file = join(dir, 'doc.pdf');
      writeFileSync(file, renderPdf(sample(80)));
      const result = spawnSync('/usr/bin/qpdf', ['--check', file], { encoding: 'utf8' });
      assert.equal(result.status, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /No syntax or stream encoding errors/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
