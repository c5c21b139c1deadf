import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { axeViolations, CHROMIUM, CHROMIUM_ARGS, skipWithoutChromium } from '../../../../test/e2e/axe.ts';
import { assertArchival, documentFacts, pageStructure, pageTexts, skipWithoutPdfTools } from '../../../lib/pdf/testing.ts';
import { CUSTODY_EVENTS } from '../model.ts';
import { formatBytes, formatInstant, renderVerificationReport } from './report.ts';
import type { ReportModel } from './report-model.ts';
import { REPORT_TEXT } from './report-text.ts';

const sha = (c: string) => c.repeat(64);
const EVIL = '<img src=x onerror="alert(1)"> & «disco» <script>alert(2)</script>';

function model(overrides: Partial<ReportModel> = {}): ReportModel {
  return {
    generatedAt: '2026-11-24T10:30:00-05:00',
    generatedBy: 'Ana Quispe — Fiscalía Especializada en Ciberdelincuencia',
    logOrigin: 'custodia.fiscalia.gob.pe/log',
    logVerifierKey: 'custodia.fiscalia.gob.pe/log+4f2a9c1b+ARbD0v5UqS2QpTQ5m0kLq6dH8sQy1W3x5Zk7uYcVb9Lh',
    checkpoint: {
      size: 1234,
      rootHash: sha('a'),
      note: 'custodia.fiscalia.gob.pe/log\n1234\nq83nNn1234567890abcdefABCDEF+/xyzXYZ0123456=\n\n— custodia.fiscalia.gob.pe/log Tyu7AbCdEfGh==\n',
      cosigners: ['witness.example.org'],
    },
    case: { reference: 'CASO-2026-001', title: 'Fraude informático — banca en línea', organisation: 'Fiscalía — Unidad de Ciberdelincuencia' },
    items: [
      {
        exhibit: 'EXH-1',
        description: EVIL,
        fileName: 'disco.dd',
        path: 'data/EXH-1/disco.dd',
        bytes: 1_048_576,
        sha256: sha('1'),
        md5: '2'.repeat(32),
        sha1: '3'.repeat(40),
        acquisition: {
          by: 'Ana Quispe',
          at: '2026-03-01T09:15:00-05:00',
          where: 'Lima, Perú',
          tool: 'ddrescue',
          toolVersion: '1.28',
          method: 'imagen física',
          source: 'SN-12345',
          authority: 'Orden 2026-17',
        },
      },
      {
        exhibit: 'PE:2026/002',
        description: 'Exportación de chat',
        fileName: '',
        path: 'data/PE_2026_002/chat.txt',
        bytes: 20,
        sha256: sha('4'),
        acquisition: { by: 'Luis Huamán', at: '2026-03-01T11:00:00Z', where: '', tool: '', toolVersion: '', method: '', source: '', authority: '' },
      },
    ],
    // One event of each kind, so both locales must translate every one.
    custody: CUSTODY_EVENTS.map((event, i) => ({
      index: 10 + i,
      event,
      at: `2026-03-${String(2 + i).padStart(2, '0')}T08:00:00-05:00`,
      actor: 'Luis Huamán',
      exhibit: i % 2 === 0 ? 'EXH-1' : 'PE:2026/002',
      reason: 'recibido en el laboratorio',
      proofPath: `custody/proofs/${10 + i}.tlog-proof`,
    })),
    checks: [
      { code: 'bag_valid', ok: true, detail: 'BagIt 1.0, sha256 + sha512' },
      { code: 'payload_hashes', ok: true, detail: '2/2' },
      { code: 'custody_proofs', ok: true, detail: '14/14' },
      { code: 'checkpoint_signature', ok: true },
      { code: 'case_uco', ok: true },
    ],
    ...overrides,
  };
}

const hashesOf = (m: ReportModel) => m.items.flatMap((i) => [i.sha256, i.md5, i.sha1].filter((h): h is string => h !== undefined));

describe('verification report texts', () => {
  it('has the same keys in Spanish and English, none empty', () => {
    assert.deepEqual(Object.keys(REPORT_TEXT.en).sort(), Object.keys(REPORT_TEXT.es).sort());
    for (const locale of ['es', 'en'] as const)
      for (const [key, value] of Object.entries(REPORT_TEXT[locale])) assert.ok(value.trim() !== '', `${locale} ${key}`);
  });

  it('names every custody event in both languages', () => {
    for (const event of CUSTODY_EVENTS) for (const locale of ['es', 'en'] as const) assert.ok(`event.${event}` in REPORT_TEXT[locale], `${locale} ${event}`);
  });

  it('shows instants as recorded, with their UTC offset', () => {
    assert.equal(formatInstant('2026-11-24T10:30:00-05:00', 'es'), '24/11/2026 10:30 (UTC−05:00)');
    assert.equal(formatInstant('2026-11-24T10:30:00-05:00', 'en'), '24 Nov 2026 10:30 (UTC−05:00)');
    assert.equal(formatInstant('2026-03-01T11:00:07.250Z', 'es'), '01/03/2026 11:00:07 (UTC)');
    assert.equal(formatInstant('2026-03-01T11:00:00+01:00', 'en'), '1 Mar 2026 11:00 (UTC+01:00)');
    assert.equal(formatInstant('not a date', 'es'), 'not a date');
    assert.equal(formatBytes(1_048_576, 'en'), '1,048,576 bytes (1 MiB)');
    assert.equal(formatBytes(20, 'es'), '20 bytes');
  });
});

describe('renderVerificationReport', () => {
  for (const locale of ['es', 'en'] as const) {
    it(`renders standalone, escaped, accessible HTML (${locale})`, async () => {
      const m = model();
      const { html } = await renderVerificationReport(m, locale);
      assert.match(html, /^<!doctype html>\n<html lang="(es|en)">/);
      assert.ok(html.startsWith(`<!doctype html>\n<html lang="${locale}">`));
      assert.doesNotMatch(html, /<script/i);
      assert.doesNotMatch(html, /<img/i);
      // Nothing is fetched: no element has a src or href (the escaped description's text does not count).
      assert.doesNotMatch(html, /<[a-z]+\s[^>]*\b(src|href)=/i);
      assert.doesNotMatch(html, /<link/i);
      assert.ok(html.includes('&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; «disco» &lt;script&gt;'));
      assert.ok(html.includes(`<h1>${REPORT_TEXT[locale].title}</h1>`));
      assert.match(html, /<th scope="col">/);
      assert.match(html, /<th scope="row">/);
      for (const hash of hashesOf(m)) assert.ok(html.includes(hash), hash);
      assert.ok(html.includes(formatInstant(m.generatedAt, locale)));
      for (const event of CUSTODY_EVENTS) assert.ok(html.includes(`<td>${REPORT_TEXT[locale][`event.${event}`]}</td>`), event);
    });

    it(`renders a tagged PDF whose text holds the exhibits, hashes and translated events (${locale})`, async () => {
      const m = model();
      const { pdf } = await renderVerificationReport(m, locale);
      assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
      const pages = await pageTexts(pdf);
      const text = pages.join('\n');
      const flat = text.replace(/\s+/g, ' ');
      for (const item of m.items) assert.ok(text.includes(item.exhibit), item.exhibit);
      for (const hash of hashesOf(m)) assert.ok(text.includes(hash), hash);
      // Event names may wrap inside their narrow column: compare with whitespace folded and removed.
      const squeezed = text.replace(/\s+/g, '');
      for (const event of CUSTODY_EVENTS) assert.ok(squeezed.includes(REPORT_TEXT[locale][`event.${event}`].replace(/\s+/g, '')), event);
      assert.ok(flat.includes(REPORT_TEXT[locale].title));
      assert.ok(flat.includes('(UTC−05:00)'));
      assert.ok(flat.includes('verify-package'));
      pages.forEach((page, i) => {
        assert.ok(page.trimEnd().endsWith(locale === 'es' ? `Página ${i + 1} de ${pages.length}` : `Page ${i + 1} of ${pages.length}`));
      });
      const facts = await documentFacts(pdf);
      assert.equal(facts.info['Language'], locale);
      assert.equal(facts.marked, true);
      assert.ok(JSON.stringify(await pageStructure(pdf, 1)).includes('"H1"'));
    });
  }

  it('passes the archival checks (qpdf, embedded fonts, PDF/A identification, tagged, language) in both languages', { skip: skipWithoutPdfTools }, async () => {
    for (const locale of ['es', 'en'] as const) assertArchival((await renderVerificationReport(model(), locale)).pdf, locale);
  });

  it('says so when a check failed, and explains decryption when the payload is encrypted', async () => {
    const m = model({
      encryptedTo: 'age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq',
      checks: [{ code: 'payload_hashes', ok: false, detail: '1/2' }],
    });
    const { html } = await renderVerificationReport(m, 'es');
    assert.ok(html.includes('1 de 1 comprobaciones fallaron'));
    assert.ok(html.includes('✗ Fallida'));
    assert.ok(html.includes('age -d -i key.txt'));
    assert.ok(html.includes('--identity key.txt'));
    assert.ok(html.includes(m.encryptedTo!));
  });

  it('shows how to open a blinded entry with its disclosure, and lists the disclosure check', async () => {
    const base = model();
    const blinded = model({
      custody: base.custody.map((e) => ({ ...e, disclosurePath: `custody/disclosures/${e.index}.json` })),
      checks: [...base.checks, { code: 'custody_disclosures', ok: true, detail: '14/14' }],
    });
    for (const locale of ['es', 'en'] as const) {
      const { html } = await renderVerificationReport(blinded, locale);
      assert.ok(
        html.includes('verify-proof custody/proofs/10.tlog-proof --vkey &quot;$(cat custody/log.vkey)&quot; \\\n  --disclosure custody/disclosures/10.json'),
        locale,
      );
      assert.ok(html.includes(REPORT_TEXT[locale].howDisclosure.replace('{dir}', 'custody/disclosures/')), locale);
      assert.ok(html.includes(`<td>${REPORT_TEXT[locale]['check.custody_disclosures']}</td>`), locale);
      // Legacy entries need no disclosure: neither the option nor its explanation.
      const legacy = (await renderVerificationReport(base, locale)).html;
      assert.ok(!legacy.includes('--disclosure'), locale);
      assert.ok(!legacy.includes(REPORT_TEXT[locale].howDisclosure.slice(0, 30)), locale);
    }
  });

  it('has no WCAG 2.2 A/AA violations axe-core can find, in either language', { skip: skipWithoutChromium }, async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      for (const locale of ['es', 'en'] as const) {
        const { html } = await renderVerificationReport(model({ encryptedTo: 'age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq' }), locale);
        await page.setContent(html);
        problems.push(...(await axeViolations(page, `report ${locale}`)));
      }
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });
});
