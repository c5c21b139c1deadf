import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { documentFacts, pageStructure, pageTexts } from '../../lib/pdf/testing.ts';
import { renderRequestHtml, renderRequestPdf, requestDocumentBlocks } from './document.ts';
import type { RequestDocument } from './document-model.ts';
import { DOCUMENT_TEXT } from './document-text.ts';

const LOCALES = ['es', 'en'] as const;
const CODE = 'CUST-7Q4M-2XKD-91HF';
const HASH = `sha256:${'3f'.repeat(32)}`;

/** Peru asks Spain to preserve stored data under the Budapest Convention, Art. 29 (the labels are the knowledge base's). */
function fixture(overrides: Partial<RequestDocument> = {}): RequestDocument {
  return {
    reference: 'PE-UFEC-2026-0042',
    caseReference: 'CASO-2026-001',
    direction: 'outgoing',
    measure: {
      id: 'preservation',
      label: { es: 'Solicitud de conservación expedita de datos informáticos almacenados', en: 'Request for expedited preservation of stored computer data' },
    },
    instrument: {
      id: 'ETS185',
      title: { es: 'Convenio sobre la Ciberdelincuencia (Convenio de Budapest)', en: 'Convention on Cybercrime (Budapest Convention)' },
      shortTitle: { es: 'Convenio de Budapest', en: 'Budapest Convention' },
      articles: ['29'],
    },
    requesting: {
      state: 'PE',
      stateName: { es: 'Perú', en: 'Peru' },
      authority: {
        name: { es: 'Unidad Fiscal Especializada en Ciberdelincuencia (UFEC)', en: 'Specialised Cybercrime Prosecution Unit (UFEC)' },
        inDirectory: true,
      },
    },
    requested: {
      state: 'ES',
      stateName: { es: 'España', en: 'Spain' },
      authority: {
        name: { es: 'Punto de contacto 24/7 — Comisaría General de Policía Judicial', en: '24/7 point of contact — Judicial Police' },
        inDirectory: false,
      },
    },
    urgency: 'urgent',
    urgencyJustification: 'El proveedor borra los registros de conexión a los 90 días; los del 20 de noviembre se perderían el 18 de febrero.',
    confidential: true,
    noNotification: true,
    languages: ['es', 'en'],
    facts: {
      es: 'Entre el 2 y el 20 de noviembre de 2026, 37 clientes de un banco peruano sufrieron transferencias no autorizadas tras acceder a una página de suplantación alojada en España.',
      en: 'Between 2 and 20 November 2026, 37 customers of a Peruvian bank suffered unauthorised transfers after visiting a phishing page hosted in Spain.',
    },
    elements: [
      {
        id: 'requesting-authority',
        label: { es: 'Autoridad que solicita la conservación', en: 'Authority seeking the preservation' },
        article: '29(2)(a)',
        value: 'Fiscalía Provincial Especializada en Ciberdelincuencia de Lima, Perú.',
      },
      {
        id: 'offence-and-facts',
        label: {
          es: 'Delito objeto de la investigación o del procedimiento penal y breve resumen de los hechos',
          en: 'Offence that is the subject of the criminal investigation or proceedings and a brief summary of the related facts',
        },
        article: '29(2)(b)',
        value: 'Fraude informático (art. 8 de la Ley 30096); suplantación de la banca en línea con pérdidas de S/ 412 000.',
      },
      {
        id: 'data-and-link',
        label: {
          es: 'Datos informáticos almacenados que deben conservarse y su relación con el delito',
          en: 'Stored computer data to be preserved and their relationship to the offence',
        },
        article: '29(2)(c)',
        value: 'Registros de conexión, datos del abonado y contenido del servidor que alojó «banca-segura-pe.example»; desde él se capturaron las claves.',
      },
      {
        id: 'custodian-or-location',
        label: {
          es: 'Información disponible que identifique al custodio de los datos o la ubicación del sistema informático',
          en: 'Any available information identifying the custodian of the stored computer data or the location of the computer system',
        },
        article: '29(2)(d)',
        value: 'Alojamiento Ibérico S.L., centro de datos de Alcobendas (Madrid); IP 190.216.12.34.',
      },
      {
        id: 'necessity',
        label: { es: 'Necesidad de la conservación', en: 'Necessity of the preservation' },
        article: '29(2)(e)',
        value: '¿Por qué ahora? ¡El proveedor borra los registros a los 90 días! Sin ellos no se identifica al autor.',
      },
      {
        id: 'intent-to-request-mla',
        label: {
          es: 'Intención de presentar una solicitud de asistencia mutua para el registro o acceso, la confiscación u obtención, o la revelación de los datos',
          en: 'Intention to submit a mutual assistance request for the search or similar access, seizure or similar securing, or disclosure of the data',
        },
        article: '29(2)(f)',
        value: 'Se presentará una solicitud de asistencia judicial para la revelación de los datos en un plazo de 45 días.',
      },
    ],
    identifiers: [
      { kind: 'ip', value: '190.216.12.34', port: 51234, observedAt: '2026-11-20T03:14:07-05:00', timeZone: 'America/Lima' },
      { kind: 'domain', value: 'banca-segura-pe.example' },
    ],
    dueAt: '2026-12-01T18:00:00+01:00',
    version: 2,
    draft: false,
    signature: { name: 'Ana Quispe Mamani', organisation: 'Ministerio Público — Fiscalía de la Nación', role: 'Fiscal provincial' },
    issuedAt: '2026-11-24T10:30:00-05:00',
    ledger: { index: 48213, origin: 'custodia.fiscalia.gob.pe/log', contentHash: HASH, verificationCode: CODE },
    ...overrides,
  };
}

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
