/**
 * The formal document of a cooperation request (issue #6), in Spanish or English, as an archival
 * tagged PDF and as standalone HTML, both from one list of blocks so they always say the same thing.
 * It only lays out what document-model.ts gathered: every mandatory element with its article, the
 * signature block and, once sent, the ledger entry that fixes the version. Times are shown as they
 * were recorded, with their UTC offset, never converted to the reader's zone.
 */
import { renderHtml } from '../../lib/pdf/html.ts';
import { factTable, type PdfBlock, type PdfCell, renderPdf } from '../../lib/pdf/pdf.ts';
import { formatInstant } from '../../lib/time.ts';
import type { DocumentParty, Locale, RequestDocument } from './document-model.ts';
import { DOCUMENT_TEXT, type DocumentTextKey, documentText } from './document-text.ts';

type T = (key: DocumentTextKey, values?: Record<string, string | number>) => string;

const mono = (text: string): PdfCell => ({ text, mono: true });

/** A label from the text table for a code (identifier kind, language); a code this version does not know is shown as it is. */
function lookup(locale: Locale, prefix: 'kind' | 'language', code: string): string {
  const key = `${prefix}.${code}`;
  return Object.hasOwn(DOCUMENT_TEXT[locale], key) ? DOCUMENT_TEXT[locale][key as DocumentTextKey] : code;
}

/** `['29']` → `art. 29`; `['29', '30', '31']` → `arts. 29, 30 y 31`; none → ''. */
function articles(list: readonly string[], t: T): string {
  if (list.length <= 1) return list[0] === undefined ? '' : t('article', { n: list[0] });
  return t('articles', { list: `${list.slice(0, -1).join(', ')} ${t('and')} ${list.at(-1)}` });
}

/** `Convenio de Budapest, art. 29` (or the full title): how the document cites its legal basis. */
function cite(name: string, list: readonly string[], t: T): string {
  const arts = articles(list, t);
  return arts === '' ? name : `${name}, ${arts}`;
}

/** The document's two-column table of facts (field, value). */
function facts(t: (key: 'field' | 'value') => string, rows: PdfCell[][]): PdfBlock {
  return factTable({ field: t('field'), value: t('value') }, rows, 2.4);
}

function partyRows(party: DocumentParty, locale: Locale, t: T, labels: [DocumentTextKey, DocumentTextKey], missing: string): PdfCell[][] {
  const a = party.authority;
  const name = a ? a.name[locale] || a.name[locale === 'es' ? 'en' : 'es'] : '';
  // An authority typed by the user is said to be so: the reader should not take it as the directory's.
  const authority = name === '' ? missing : a?.inDirectory ? name : `${name} (${t('notInDirectory')})`;
  return [
    [t(labels[0]), `${party.stateName[locale]} (${party.state})`],
    [t(labels[1]), authority],
  ];
}

function generalBlocks(doc: RequestDocument, locale: Locale, t: T, missing: string): PdfBlock[] {
  const filled = (v: string) => (v.trim() === '' ? missing : v);
  const languages = doc.languages.map((code) => `${lookup(locale, 'language', code)} (${code})`).join(', ');
  const rows: PdfCell[][] = [
    [t('reference'), doc.reference],
    [t('case'), doc.caseReference],
    [t('instrument'), cite(doc.instrument.title[locale], doc.instrument.articles, t)],
    ...partyRows(doc.requesting, locale, t, ['requestingState', 'requestingAuthority'], missing),
    ...partyRows(doc.requested, locale, t, ['requestedState', 'requestedAuthority'], missing),
    [t('urgency'), t(`urgency.${doc.urgency}`)],
  ];
  if (doc.urgency !== 'normal' || doc.urgencyJustification.trim() !== '') rows.push([t('urgencyJustification'), filled(doc.urgencyJustification)]);
  rows.push(
    [t('confidentiality'), t(doc.confidential ? 'confidentialYes' : 'confidentialNo')],
    [t('notification'), t(doc.noNotification ? 'noNotificationYes' : 'noNotificationNo')],
    [t('languages'), languages === '' ? missing : languages],
  );
  if (doc.dueAt) rows.push([t('dueAt'), formatInstant(doc.dueAt, locale)]);
  rows.push([t(doc.draft ? 'draftedAt' : 'sentAt'), formatInstant(doc.issuedAt, locale)], [t('version'), String(doc.version)]);
  return [{ kind: 'h2', text: t('generalSection') }, facts(t, rows)];
}

function factsBlocks(doc: RequestDocument, locale: Locale, t: T, missing: string): PdfBlock[] {
  const other: Locale = locale === 'es' ? 'en' : 'es';
  const own = doc.facts[locale].trim();
  // The summary is never machine-translated: the other language's text is shown, and said to be so.
  const body: PdfBlock[] =
    own !== ''
      ? [{ kind: 'p', text: doc.facts[locale] }]
      : doc.facts[other].trim() !== ''
        ? [
            { kind: 'p', text: t('factsOnlyIn', { language: lookup(locale, 'language', other) }) },
            { kind: 'p', text: doc.facts[other] },
          ]
        : [{ kind: 'p', text: missing }];
  return [{ kind: 'h2', text: t('factsSection') }, ...body];
}

function elementBlocks(doc: RequestDocument, locale: Locale, t: T, missing: string): PdfBlock[] {
  return [
    { kind: 'h2', text: t('elementsSection') },
    { kind: 'p', text: t('elementsIntro', { instrument: cite(doc.instrument.shortTitle[locale], doc.instrument.articles, t) }) },
    {
      kind: 'table',
      columns: [
        { header: t('element'), width: 2 },
        { header: t('elementArticle'), width: 0.9 },
        { header: t('elementContent'), width: 3.3 },
      ],
      rows: doc.elements.map((e) => [e.label[locale], t('article', { n: e.article }), e.value.trim() === '' ? missing : e.value]),
    },
  ];
}

function identifierBlocks(doc: RequestDocument, locale: Locale, t: T): PdfBlock[] {
  if (doc.identifiers.length === 0) return [];
  return [
    { kind: 'h2', text: t('identifiersSection') },
    { kind: 'p', text: t('identifiersIntro') },
    {
      kind: 'table',
      columns: [
        { header: t('identifierKind'), width: 1.2 },
        { header: t('identifierValue'), width: 2.2, mono: true },
        { header: t('identifierPort'), width: 0.7 },
        { header: t('identifierObservedAt'), width: 1.9 },
        { header: t('identifierTimeZone'), width: 1.3 },
      ],
      rows: doc.identifiers.map((i) => [
        lookup(locale, 'kind', i.kind),
        i.value,
        i.port === undefined ? '' : String(i.port),
        i.observedAt ? formatInstant(i.observedAt, locale) : '',
        i.timeZone ?? '',
      ]),
    },
  ];
}

function signatureBlocks(doc: RequestDocument, t: T, missing: string): PdfBlock[] {
  const filled = (v: string) => (v.trim() === '' ? missing : v);
  const s = doc.signature;
  return [
    { kind: 'h2', text: t('signatureSection') },
    facts(t, [
      [t('signatureName'), filled(s.name)],
      [t('signatureRole'), filled(s.role)],
      [t('signatureOrganisation'), filled(s.organisation)],
    ]),
    // Printed lines for a wet signature and seal: some central authorities still require one.
    { kind: 'p', text: t('placeDateLine') },
    { kind: 'p', text: t('signatureLine') },
  ];
}

function ledgerBlocks(doc: RequestDocument, t: T): PdfBlock[] {
  if (doc.draft) return [{ kind: 'p', text: t('draftNote') }];
  const l = doc.ledger;
  if (!l)
    return [
      { kind: 'h2', text: t('ledgerSection') },
      { kind: 'p', text: t('ledgerNone') },
    ];
  return [
    { kind: 'h2', text: t('ledgerSection') },
    { kind: 'p', text: t('ledgerIntro') },
    facts(t, [
      [t('ledgerIndex'), String(l.index)],
      [t('ledgerOrigin'), mono(l.origin)],
      [t('ledgerContentHash'), mono(l.contentHash)],
      [t('ledgerCode'), mono(l.verificationCode)],
    ]),
    { kind: 'p', text: t('ledgerHow', { index: l.index }) },
    { kind: 'mono', text: `npx custodia ledger entry ${l.index}` },
  ];
}

export function requestDocumentBlocks(doc: RequestDocument, locale: Locale): PdfBlock[] {
  const t: T = (key, values) => documentText(locale, key, values);
  // A sent version with an empty element would be a bug upstream; it still shows as missing, not blank.
  const missing = t('missing');
  return [
    // The draft mark comes first so that nobody can read a draft's content before being told it is one.
    ...(doc.draft ? [{ kind: 'p', text: t('draftMark') } as PdfBlock] : []),
    { kind: 'h1', text: doc.measure.label[locale] },
    { kind: 'p', text: [t('heading'), cite(doc.instrument.shortTitle[locale], doc.instrument.articles, t), doc.reference].join(t('separator')) },
    ...generalBlocks(doc, locale, t, missing),
    ...factsBlocks(doc, locale, t, missing),
    ...elementBlocks(doc, locale, t, missing),
    ...identifierBlocks(doc, locale, t),
    ...signatureBlocks(doc, t, missing),
    ...ledgerBlocks(doc, t),
  ];
}

function title(doc: RequestDocument, locale: Locale): string {
  const base = `${doc.measure.label[locale]} — ${doc.reference}`;
  return doc.draft ? `${base} (${documentText(locale, 'draftShort')})` : base;
}

export function renderRequestPdf(doc: RequestDocument, locale: Locale): Buffer {
  const createdAt = new Date(doc.issuedAt);
  const author = [doc.signature.name, doc.signature.organisation].filter((v) => v.trim() !== '').join(', ');
  return renderPdf({
    lang: locale,
    title: title(doc, locale),
    author: author === '' ? undefined : author,
    subject: `${cite(doc.instrument.shortTitle[locale], doc.instrument.articles, (k, v) => documentText(locale, k, v))} — ${doc.caseReference}`,
    // The issue time, not the render time: rendering the same version again gives the same bytes.
    createdAt: Number.isNaN(createdAt.getTime()) ? new Date(0) : createdAt,
    blocks: requestDocumentBlocks(doc, locale),
    // Every page of a draft says so, since pages get separated.
    footer: (page, pages) => {
      const n = documentText(locale, 'footer', { page, pages });
      return doc.draft ? `${documentText(locale, 'draftMark')}${documentText(locale, 'separator')}${n}` : n;
    },
  });
}

export function renderRequestHtml(doc: RequestDocument, locale: Locale): string {
  return renderHtml({ lang: locale, title: title(doc, locale), blocks: requestDocumentBlocks(doc, locale) });
}
