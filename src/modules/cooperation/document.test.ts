import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REQUEST_DOCUMENT_CODE, REQUEST_DOCUMENT_HASH, requestDocumentFixture } from '../../../test/support/request-document.ts';
import { assertArchival, documentFacts, pageStructure, pageTexts, skipWithoutPdfTools } from '../../lib/pdf/testing.ts';
import { renderRequestHtml, renderRequestPdf, requestDocumentBlocks } from './document.ts';
import { DOCUMENT_TEXT } from './document-text.ts';

const LOCALES = ['es', 'en'] as const;
const CODE = REQUEST_DOCUMENT_CODE;
const HASH = REQUEST_DOCUMENT_HASH;
const fixture = requestDocumentFixture;

/** A draft: no ledger entry yet and one element not written. */
const draft = () => fixture({ draft: true, ledger: undefined, elements: fixture().elements.map((e) => (e.id === 'necessity' ? { ...e, value: '' } : e)) });

// Table cells wrap inside their columns: compare with all whitespace removed.
const squeeze = (s: string) => s.replace(/\s+/g, '');

async function read(pdf: Buffer) {
  const pages = await pageTexts(pdf);
  const text = pages.join('\n');
  return { pages, flat: text.replace(/\s+/g, ' '), squeezed: squeeze(text) };
}

describe('request document texts', () => {
  it('has the same keys in Spanish and English, none empty', () => {
    assert.deepEqual(Object.keys(DOCUMENT_TEXT.en).sort(), Object.keys(DOCUMENT_TEXT.es).sort());
    for (const locale of LOCALES) for (const [key, value] of Object.entries(DOCUMENT_TEXT[locale])) assert.ok(value.trim() !== '', `${locale} ${key}`);
  });

  it('labels every identifier kind in both languages', () => {
    for (const kind of ['ip', 'account', 'email', 'phone', 'url', 'domain', 'wallet'])
      for (const locale of LOCALES) assert.ok(`kind.${kind}` in DOCUMENT_TEXT[locale], `${locale} ${kind}`);
  });
});

describe('renderRequestPdf', () => {
  for (const locale of LOCALES) {
    it(`states every mandatory element with its label, article and content (${locale})`, async () => {
      const doc = fixture();
      const { squeezed, flat } = await read(renderRequestPdf(doc, locale));
      const art = (n: string) => DOCUMENT_TEXT[locale].article.replace('{n}', n);
      for (const e of doc.elements) {
        assert.ok(squeezed.includes(squeeze(e.label[locale])), `label of ${e.id}`);
        assert.ok(squeezed.includes(squeeze(art(e.article))), `article of ${e.id}`);
        assert.ok(squeezed.includes(squeeze(e.value)), `value of ${e.id}`);
      }
      assert.ok(flat.includes(doc.measure.label[locale]));
      assert.ok(flat.includes(`${doc.instrument.shortTitle[locale]}, ${art('29')}`), 'instrument and article in the heading');
      assert.ok(!flat.includes(DOCUMENT_TEXT[locale].missing));
    });

    it(`carries the ledger reference, the identifiers, the signature block and page numbers (${locale})`, async () => {
      const doc = fixture();
      const { pages, flat, squeezed } = await read(renderRequestPdf(doc, locale));
      const t = DOCUMENT_TEXT[locale];
      assert.ok(flat.includes(t.ledgerSection));
      assert.ok(squeezed.includes(CODE));
      assert.ok(squeezed.includes(HASH));
      assert.ok(flat.includes('npx custodia ledger entry 48213'));
      assert.ok(squeezed.includes(squeeze(t.ledgerHow.replace('{index}', '48213'))));
      // The IP row: value, port, observed time with its offset, time zone.
      assert.ok(squeezed.includes('190.216.12.34'));
      assert.ok(squeezed.includes('51234'));
      assert.ok(squeezed.includes(squeeze(locale === 'es' ? '20/11/2026 03:14:07 (UTC−05:00)' : '20 Nov 2026 03:14:07 (UTC−05:00)')));
      assert.ok(squeezed.includes('America/Lima'));
      assert.ok(squeezed.includes(squeeze(t['kind.ip'])));
      for (const v of Object.values(doc.signature)) assert.ok(squeezed.includes(squeeze(v)), v);
      assert.ok(flat.includes(t.signatureLine) && flat.includes(t.placeDateLine));
      assert.ok(squeezed.includes(squeeze(t.notInDirectory)), 'the typed-in authority is flagged');
      assert.ok(squeezed.includes(squeeze(t['urgency.urgent'])));
      assert.ok(!flat.includes(t.draftMark));
      pages.forEach((page, i) => {
        assert.ok(page.trimEnd().endsWith(t.footer.replace('{page}', String(i + 1)).replace('{pages}', String(pages.length))), `page ${i + 1}`);
      });
    });

    it(`marks a draft on every page and gives it no ledger reference (${locale})`, async () => {
      const t = DOCUMENT_TEXT[locale];
      const { pages, flat, squeezed } = await read(renderRequestPdf(draft(), locale));
      for (const page of pages) assert.ok(page.replace(/\s+/g, ' ').includes(t.draftMark));
      assert.ok(flat.startsWith(t.draftMark), 'the mark comes before the content');
      assert.ok(!flat.includes(t.ledgerSection));
      assert.ok(!squeezed.includes(CODE));
      assert.ok(!squeezed.includes(squeeze(t.ledgerCode)));
      assert.ok(flat.includes(t.missing), 'the unwritten element shows as missing');
      assert.ok(squeezed.includes(squeeze(t.draftNote)));
      const facts = await documentFacts(renderRequestPdf(draft(), locale));
      assert.ok(String(facts.info['Title']).endsWith(`(${t.draftShort})`));
    });

    it(`sets language and title metadata and tags its tables (${locale})`, async () => {
      const doc = fixture();
      const pdf = renderRequestPdf(doc, locale);
      const { info, xmp, marked } = await documentFacts(pdf);
      assert.equal(marked, true);
      assert.equal(info['Language'], locale);
      assert.equal(xmp['dc:language'], locale);
      assert.equal(info['Title'], `${doc.measure.label[locale]} — ${doc.reference}`);
      assert.equal(xmp['dc:title'], info['Title']);
      assert.equal(info['Author'], 'Ana Quispe Mamani, Ministerio Público — Fiscalía de la Nación');
      assert.ok(String(info['Subject']).includes(doc.caseReference));
      assert.equal(info['CreationDate'], 'D:20261124153000Z');
      // Some Table on the first page has a row of header cells.
      const tables: unknown[][] = [];
      const walk = (node: unknown) => {
        if (!Array.isArray(node)) return;
        if (node[0] === 'Table') tables.push(node);
        node.slice(1).forEach(walk);
      };
      (await pageStructure(pdf, 1)).forEach(walk);
      assert.ok(tables.length > 0);
      assert.ok(tables.some((table) => JSON.stringify(table).includes('["TH"')));
    });
  }

  it('passes the archival checks (qpdf, embedded fonts, PDF/A identification, tagged, language), sent and draft, in both languages', {
    skip: skipWithoutPdfTools,
  }, () => {
    for (const locale of LOCALES) {
      assertArchival(renderRequestPdf(fixture(), locale), locale);
      assertArchival(renderRequestPdf(draft(), locale), locale);
    }
  });

  it('keeps Spanish characters intact', async () => {
    const { flat } = await read(renderRequestPdf(fixture(), 'es'));
    for (const s of ['Perú', 'España', 'conservación', '¿Por qué ahora? ¡El proveedor', '«banca-segura-pe.example»', 'Mamani', 'Ministerio Público — Fiscalía'])
      assert.ok(flat.includes(s), s);
    assert.ok(flat.includes('Solicitud de asistencia · Convenio de Budapest, art. 29 · PE-UFEC-2026-0042'));
  });

  it('renders the same version to the same bytes, and another version to other bytes', () => {
    const a = renderRequestPdf(fixture(), 'es');
    assert.ok(a.equals(renderRequestPdf(fixture(), 'es')));
    assert.ok(!a.equals(renderRequestPdf(fixture({ reference: 'PE-UFEC-2026-0043' }), 'es')));
    assert.ok(!a.equals(renderRequestPdf(fixture(), 'en')));
  });

  it('shows the other language’s summary of facts, said to be so, rather than nothing', async () => {
    const doc = fixture({ facts: { es: 'Resumen redactado solo en español.', en: '' } });
    const { flat } = await read(renderRequestPdf(doc, 'en'));
    assert.ok(flat.includes(DOCUMENT_TEXT.en.factsOnlyIn.replace('{language}', 'Spanish')));
    assert.ok(flat.includes('Resumen redactado solo en español.'));
  });
});

describe('renderRequestHtml', () => {
  for (const locale of LOCALES) {
    it(`is standalone HTML in the document's language with user text escaped (${locale})`, () => {
      const evil = fixture();
      evil.elements[1] = { ...evil.elements[1]!, value: '<script>alert("x")</script> & <img src=x onerror=alert(1)>' };
      const html = renderRequestHtml(evil, locale);
      assert.ok(html.startsWith(`<!doctype html>\n<html lang="${locale}">`));
      assert.doesNotMatch(html, /<script/i);
      assert.doesNotMatch(html, /<img/i);
      assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;'));
      assert.ok(html.includes(`<h1>${evil.measure.label[locale]}</h1>`));
      assert.ok(html.includes(CODE));
      for (const e of evil.elements) assert.ok(html.includes(`<td>${e.label[locale]}</td>`), e.id);
    });
  }

  it('opens with the draft mark or the measure, and has one section per part of the request', () => {
    const blocks = requestDocumentBlocks(fixture(), 'es');
    assert.equal(blocks.filter((b) => b.kind === 'h2').length, 6);
    assert.deepEqual(blocks[0], { kind: 'h1', text: fixture().measure.label.es });
    assert.deepEqual(requestDocumentBlocks(draft(), 'en')[0], { kind: 'p', text: DOCUMENT_TEXT.en.draftMark });
  });
});
