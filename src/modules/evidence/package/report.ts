/**
 * The evidence package's verification report for court, in Spanish or English, as HTML and as an
 * archival tagged PDF. Both are rendered from one list of blocks, so they always say the same thing.
 * Times are shown as they were recorded, with their UTC offset; nothing is converted to the reader's
 * zone, so a time in the report matches the same time in the package's files.
 */
import { renderHtml } from '../../../lib/pdf/html.ts';
import { factTable, type PdfBlock, type PdfCell, renderPdf } from '../../../lib/pdf/pdf.ts';
import { formatInstant } from '../../../lib/time.ts';
import { AGE_SUFFIX, DISCLOSURES_DIR, VKEY_PATH } from './layout.ts';
import type { ReportItem, ReportModel } from './report-model.ts';
import { REPORT_TEXT, type ReportTextKey, reportText } from './report-text.ts';

type Locale = 'es' | 'en';

export { formatInstant };

export function formatBytes(bytes: number, locale: Locale): string {
  const fmt = new Intl.NumberFormat(locale === 'es' ? 'es-PE' : 'en-GB', { maximumFractionDigits: 1 });
  const exact = reportText(locale, 'bytes', { n: fmt.format(bytes) });
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit < 0 ? exact : `${exact} (${fmt.format(value)} ${units[unit]})`;
}

const mono = (text: string): PdfCell => ({ text, mono: true });

/** An event or check name in the report's language; a code this version does not know is shown as it is. */
function lookup(locale: Locale, prefix: 'event' | 'check', code: string): string {
  const key = `${prefix}.${code}`;
  return Object.hasOwn(REPORT_TEXT[locale], key) ? REPORT_TEXT[locale][key as ReportTextKey] : code;
}

function itemDetails(item: ReportItem, locale: Locale, t: (key: ReportTextKey, values?: Record<string, string | number>) => string): PdfBlock[] {
  const a = item.acquisition;
  const orNone = (v: string) => (v.trim() === '' ? t('notRecorded') : v);
  const rows: PdfCell[][] = [
    [t('description'), orNone(item.description)],
    [t('fileName'), orNone(item.fileName)],
    [t('path'), mono(item.path)],
    [t('size'), formatBytes(item.bytes, locale)],
    [t('sha256'), mono(item.sha256)],
  ];
  if (item.md5) rows.push([t('md5'), mono(item.md5)]);
  if (item.sha1) rows.push([t('sha1'), mono(item.sha1)]);
  rows.push(
    [t('acquiredBy'), orNone(a.by)],
    [t('acquiredAt'), formatInstant(a.at, locale)],
    [t('acquiredWhere'), orNone(a.where)],
    [t('tool'), orNone([a.tool, a.toolVersion].filter((v) => v.trim() !== '').join(' '))],
    [t('method'), orNone(a.method)],
    [t('source'), orNone(a.source)],
    [t('authority'), orNone(a.authority)],
  );
  return [{ kind: 'h3', text: t('itemHeading', { exhibit: item.exhibit }) }, facts(t, rows)];
}

/** The document's two-column table of facts (field, value). */
function facts(t: (key: 'field' | 'value') => string, rows: PdfCell[][]): PdfBlock {
  return factTable({ field: t('field'), value: t('value') }, rows, 2.6);
}

function howToVerify(model: ReportModel, t: (key: ReportTextKey, values?: Record<string, string | number>) => string): PdfBlock[] {
  const encrypted = model.encryptedTo !== undefined;
  const first = model.items[0];
  const plainName = (path: string) => (path.split('/').at(-1) ?? path).replace(new RegExp(`${AGE_SUFFIX.replace('.', '\\.')}$`), '');
  const proof = model.custody[0]?.proofPath ?? 'custody/proofs/<n>.tlog-proof';
  // Blinded entries: the command opens the event's commitment with its disclosure file too.
  const disclosure = model.custody[0]?.disclosurePath;
  const blocks: PdfBlock[] = [
    { kind: 'h2', text: t('howSection') },
    { kind: 'p', text: t('howIntro', { dir: t('dir') }) },
    { kind: 'p', text: `1. ${t('howManifest')}` },
    { kind: 'mono', text: `cd ${t('dir')}\nsha256sum -c manifest-sha256.txt\nsha256sum -c tagmanifest-sha256.txt` },
  ];
  if (encrypted) {
    const path = first?.path ?? `data/<exhibit>/<file>${AGE_SUFFIX}`;
    blocks.push(
      { kind: 'p', text: `2. ${t('howDecrypt')}` },
      { kind: 'mono', text: `age -d -i key.txt -o ${plainName(path)} ${path}\nsha256sum ${plainName(path)}` },
    );
  } else {
    blocks.push(
      { kind: 'p', text: `2. ${t('howHash')}` },
      { kind: 'mono', text: model.items.map((i) => `sha256sum ${i.path}`).join('\n') || 'sha256sum data/…' },
    );
  }
  blocks.push({ kind: 'p', text: `3. ${t('howTool')}` }, { kind: 'mono', text: `npx custodia evidence verify-package ${t('dir')}` });
  if (encrypted)
    blocks.push({ kind: 'p', text: t('howToolIdentity') }, { kind: 'mono', text: `npx custodia evidence verify-package ${t('dir')} --identity key.txt` });
  blocks.push({ kind: 'p', text: `4. ${t('howProof', { vkeyPath: VKEY_PATH })}` });
  if (disclosure) blocks.push({ kind: 'p', text: t('howDisclosure', { dir: `${DISCLOSURES_DIR}/` }) });
  blocks.push(
    { kind: 'mono', text: `npx custodia ledger verify-proof ${proof} --vkey "$(cat ${VKEY_PATH})"${disclosure ? ` \\\n  --disclosure ${disclosure}` : ''}` },
    { kind: 'p', text: `5. ${t('howKey')}` },
    { kind: 'mono', text: model.logVerifierKey },
  );
  return blocks;
}

export function reportBlocks(model: ReportModel, locale: Locale): PdfBlock[] {
  const t = (key: ReportTextKey, values?: Record<string, string | number>) => reportText(locale, key, values);
  const failed = model.checks.filter((c) => !c.ok).length;
  const blocks: PdfBlock[] = [
    { kind: 'h1', text: t('title') },
    { kind: 'p', text: t('intro') },
    { kind: 'p', text: failed === 0 ? t('verdictOk', { count: model.checks.length }) : t('verdictBad', { failed, count: model.checks.length }) },
    { kind: 'h2', text: t('summary') },
    facts(t, [
      [t('case'), `${model.case.reference} — ${model.case.title}`],
      [t('organisation'), model.case.organisation],
      [t('generatedBy'), model.generatedBy],
      [t('generatedAt'), formatInstant(model.generatedAt, locale)],
      [t('encryption'), model.encryptedTo ? t('encryptedTo', { recipient: model.encryptedTo }) : t('notEncrypted')],
    ]),
    { kind: 'h2', text: t('logSection') },
    { kind: 'p', text: t('logIntro') },
    facts(t, [
      [t('logOrigin'), mono(model.logOrigin)],
      [t('verifierKey'), mono(model.logVerifierKey)],
      [t('treeSize'), String(model.checkpoint.size)],
      [t('rootHash'), mono(model.checkpoint.rootHash)],
      [t('cosigners'), model.checkpoint.cosigners.length > 0 ? model.checkpoint.cosigners.join(', ') : t('noCosigners')],
    ]),
    { kind: 'p', text: t('checkpointNote') },
    { kind: 'mono', text: model.checkpoint.note.trimEnd() },
    { kind: 'h2', text: t('itemsSection') },
    {
      kind: 'table',
      columns: [
        { header: t('exhibit'), width: 1 },
        { header: t('description'), width: 2 },
        { header: t('size'), width: 1.3 },
        { header: t('sha256'), width: 3.1, mono: true },
      ],
      rows: model.items.map((i) => [i.exhibit, i.description, formatBytes(i.bytes, locale), i.sha256]),
    },
    ...model.items.flatMap((item) => itemDetails(item, locale, t)),
    { kind: 'h2', text: t('custodySection') },
    ...(model.custody.length === 0
      ? [{ kind: 'p', text: t('noEvents') } as PdfBlock]
      : ([
          { kind: 'p', text: t('custodyIntro') },
          {
            kind: 'table',
            columns: [
              { header: t('index'), width: 1 },
              { header: t('when'), width: 1.75 },
              { header: t('exhibit'), width: 1.2 },
              { header: t('event'), width: 1.25 },
              { header: t('actor'), width: 1.45 },
              { header: t('reason'), width: 1.3 },
              { header: t('proofFile'), width: 1.75, mono: true },
            ],
            rows: model.custody.map((e) => [
              String(e.index),
              formatInstant(e.at, locale),
              e.exhibit,
              lookup(locale, 'event', e.event),
              e.actor,
              e.reason,
              e.proofPath,
            ]),
          },
        ] as PdfBlock[])),
    { kind: 'h2', text: t('checksSection') },
    {
      kind: 'table',
      columns: [
        { header: t('check'), width: 3 },
        { header: t('outcome'), width: 1 },
        { header: t('detail'), width: 2 },
      ],
      rows: model.checks.map((c) => [lookup(locale, 'check', c.code), c.ok ? t('passed') : t('failed'), c.detail ?? '']),
    },
    ...howToVerify(model, t),
  ];
  return blocks;
}

export async function renderVerificationReport(model: ReportModel, locale: Locale): Promise<{ html: string; pdf: Buffer }> {
  const title = reportText(locale, 'title');
  const blocks = reportBlocks(model, locale);
  const createdAt = new Date(model.generatedAt);
  const pdf = renderPdf({
    lang: locale,
    title: `${title} — ${model.case.reference}`,
    author: model.generatedBy,
    subject: model.case.title,
    createdAt: Number.isNaN(createdAt.getTime()) ? new Date(0) : createdAt,
    blocks,
    footer: (page, pages) => reportText(locale, 'footer', { page, pages }),
  });
  return { html: renderHtml({ lang: locale, title: `${title} — ${model.case.reference}`, blocks }), pdf };
}
