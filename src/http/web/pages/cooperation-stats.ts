/**
 * The organisation's request statistics (counts and times, no case content): by type, by the other
 * State, by outcome and the time to answer, each a table with a bar chart drawn here as inline SVG
 * (no script; the table beside it is its text alternative), and the whole cube as CSV.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { formatTag, type Locale, t } from '../../../i18n/index.ts';
import { type Statistics, statisticsCsv } from '../../../modules/cooperation/index.ts';
import type { KnowledgeSnapshot } from '../../../modules/knowledge/index.ts';
import { attachment } from '../../evidence-download.ts';
import { html, type SafeHtml } from '../../html.ts';
import { dateField, type FieldErrors, focusedSummary, langField, one, queryOf, sendPrivate, who } from './common.ts';
import { directionLabel, outcomeLabel, stateName, typeLabel } from './cooperation-common.ts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Bars in the site's accent blue and text in its foreground: both well above 4.5:1 on white. */
const BAR = '#0b4f8a';
const INK = '#1b1b1b';

interface Bar {
  label: string;
  value: number;
  /** The value as written (a count, or days with one decimal). */
  shown: string;
}

function validDate(value: string): boolean {
  return DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
}

/** The range asked for: `from` and `to` are whole days (UTC), both included. */
function rangeOf(locale: Locale, request: FastifyRequest): { from: string; to: string; range: { from?: string; to?: string }; errors: FieldErrors } {
  const q = queryOf(request);
  const from = one(q.from)?.trim() ?? '';
  const to = one(q.to)?.trim() ?? '';
  const errors: FieldErrors = new Map();
  if (from && !validDate(from)) errors.set('from', [t(locale, 'coop.ui.stats.dateInvalid')]);
  if (to && !validDate(to)) errors.set('to', [t(locale, 'coop.ui.stats.dateInvalid')]);
  if (errors.size === 0 && from && to && from > to) errors.set('to', [t(locale, 'coop.ui.stats.rangeInvalid')]);
  const range: { from?: string; to?: string } = {};
  if (errors.size === 0) {
    if (from) range.from = `${from}T00:00:00.000Z`;
    if (to) range.to = new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString();
  }
  return { from, to, range, errors };
}

/** A horizontal bar chart: role="img" with its title; the table that follows it says the same in text. */
export function barChart(id: string, title: string, bars: Bar[]): SafeHtml {
  const labelWidth = 230;
  const barMax = 300;
  const row = 30;
  const width = labelWidth + barMax + 70;
  const height = Math.max(1, bars.length) * row + 10;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const clip = (s: string) => (s.length > 32 ? `${s.slice(0, 31)}…` : s);
  return html`<svg class="chart" role="img" aria-labelledby="${id}-svg-title" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">
<title id="${id}-svg-title">${title}</title>
${bars.map((b, i) => {
  const y = 5 + i * row;
  const w = b.value > 0 ? Math.max(2, Math.round((b.value / max) * barMax)) : 0;
  return html`<g>
<text x="${labelWidth - 8}" y="${y + 19}" text-anchor="end" font-size="14" fill="${INK}">${clip(b.label)}</text>
<rect x="${labelWidth}" y="${y + 4}" width="${w}" height="20" fill="${BAR}"></rect>
<text x="${labelWidth + w + 6}" y="${y + 19}" font-size="14" fill="${INK}">${b.shown}</text>
</g>`;
})}
</svg>`;
}

/** A block of the statistics; `empty` says, from the same total as the page's, why it has no bars. */
function section(id: string, title: string, chartTitle: string, bars: Bar[], table: SafeHtml, locale: Locale, empty: string): SafeHtml {
  return html`<section class="stats-block" aria-labelledby="${id}-title">
<h2 id="${id}-title">${title}</h2>
${
  bars.length === 0
    ? html`<p>${empty}</p>`
    : html`<div class="stats-pair">
<figure class="chart-figure">${barChart(id, chartTitle, bars)}<figcaption class="hint">${t(locale, 'coop.ui.stats.chartNote')}</figcaption></figure>
<div class="table-scroll">${table}</div>
</div>`
}
</section>`;
}

function countTable(locale: Locale, caption: string, head: string, rows: Array<{ label: string; count: number }>): SafeHtml {
  return html`<table class="identity-table">
<caption>${caption}</caption>
<thead><tr><th scope="col">${head}</th><th scope="col">${t(locale, 'coop.ui.stats.count')}</th></tr></thead>
<tbody>${rows.map((r) => html`<tr><th scope="row">${r.label}</th><td>${r.count}</td></tr>`)}</tbody>
</table>`;
}

/** Days as shown, to one decimal: the plural form is chosen on this same rounded number ("1 día", "1,5 días"). */
const oneDecimal = (value: number) => Math.round(value * 10) / 10;
const days = (locale: Locale, value: number | null) =>
  value === null ? '—' : new Intl.NumberFormat(formatTag(locale), { maximumFractionDigits: 1 }).format(oneDecimal(value));

/**
 * The figures of a computed period. The total is said once, in the words its number takes (CLDR plural
 * rules); a period with no request says so there and shows no empty blocks, and a block that is empty
 * for another reason (nothing answered yet) says why from that same total.
 */
export function statisticsBody(locale: Locale, snap: KnowledgeSnapshot, stats: Statistics, csvQuery: string): SafeHtml {
  const total = t(locale, 'coop.ui.stats.total', { count: stats.total });
  if (stats.total === 0) return html`<p>${total}</p>`;
  const byType = stats.byType.map((r) => ({ label: typeLabel(locale, r.key), count: r.count }));
  const byState = stats.byState.map((r) => ({ label: stateName(locale, snap, r.key), count: r.count }));
  const byOutcome = stats.byOutcome.map((r) => ({ label: outcomeLabel(locale, r.key), count: r.count }));
  const bars = (rows: Array<{ label: string; count: number }>): Bar[] => rows.map((r) => ({ label: r.label, value: r.count, shown: String(r.count) }));
  const answered = stats.timeToAnswer.filter((r) => r.medianDays !== null);
  const timeTable = html`<table class="identity-table">
<caption>${t(locale, 'coop.ui.stats.time.caption')}</caption>
<thead><tr><th scope="col">${t(locale, 'coop.ui.type')}</th><th scope="col">${t(locale, 'coop.ui.stats.answered')}</th><th scope="col">${t(
    locale,
    'coop.ui.stats.median',
  )}</th><th scope="col">${t(locale, 'coop.ui.stats.p90')}</th></tr></thead>
<tbody>${stats.timeToAnswer.map(
    (r) =>
      html`<tr><th scope="row">${typeLabel(locale, r.key)}</th><td>${r.answered}</td><td>${days(locale, r.medianDays)}</td><td>${days(locale, r.p90Days)}</td></tr>`,
  )}</tbody>
</table>`;
  const cube = html`<section aria-labelledby="cube-title">
<h2 id="cube-title">${t(locale, 'coop.ui.stats.cube')}</h2>
<div class="table-scroll"><table class="identity-table">
<caption>${t(locale, 'coop.ui.stats.cube.caption')}</caption>
<thead><tr><th scope="col">${t(locale, 'coop.ui.type')}</th><th scope="col">${t(locale, 'coop.ui.direction')}</th><th scope="col">${t(
    locale,
    'coop.ui.counterpart',
  )}</th><th scope="col">${t(locale, 'coop.ui.stats.outcome')}</th><th scope="col">${t(locale, 'coop.ui.stats.count')}</th><th scope="col">${t(
    locale,
    'coop.ui.stats.answered',
  )}</th><th scope="col">${t(locale, 'coop.ui.stats.median')}</th><th scope="col">${t(locale, 'coop.ui.stats.p90')}</th></tr></thead>
<tbody>${stats.rows.map(
    (r) => html`<tr>
<th scope="row">${typeLabel(locale, r.type)}</th>
<td>${directionLabel(locale, r.direction)}</td>
<td>${stateName(locale, snap, r.state)}</td>
<td>${outcomeLabel(locale, r.outcome)}</td>
<td>${r.count}</td>
<td>${r.answered}</td>
<td>${days(locale, r.medianDays)}</td>
<td>${days(locale, r.p90Days)}</td>
</tr>`,
  )}</tbody>
</table></div>
</section>`;
  return html`<p>${total}</p>
<p><a href="/cooperation/statistics.csv${csvQuery ? `?${csvQuery}` : ''}" download>${t(locale, 'coop.ui.stats.csv')}</a></p>
${section('by-type', t(locale, 'coop.ui.stats.byType'), t(locale, 'coop.ui.stats.byType.chart'), bars(byType), countTable(locale, t(locale, 'coop.ui.stats.byType.caption'), t(locale, 'coop.ui.type'), byType), locale, total)}
${section('by-state', t(locale, 'coop.ui.stats.byState'), t(locale, 'coop.ui.stats.byState.chart'), bars(byState), countTable(locale, t(locale, 'coop.ui.stats.byState.caption'), t(locale, 'coop.ui.counterpart'), byState), locale, total)}
${section('by-outcome', t(locale, 'coop.ui.stats.byOutcome'), t(locale, 'coop.ui.stats.byOutcome.chart'), bars(byOutcome), countTable(locale, t(locale, 'coop.ui.stats.byOutcome.caption'), t(locale, 'coop.ui.stats.outcome'), byOutcome), locale, total)}
${section(
  'time',
  t(locale, 'coop.ui.stats.time'),
  t(locale, 'coop.ui.stats.time.chart'),
  answered.map((r) => ({
    label: typeLabel(locale, r.key),
    value: r.medianDays as number,
    shown: t(locale, 'coop.ui.stats.days', { n: oneDecimal(r.medianDays as number), days: days(locale, r.medianDays) }),
  })),
  timeTable,
  locale,
  t(locale, 'coop.ui.stats.noneAnswered', { count: stats.total }),
)}
${cube}`;
}

export function registerCooperationStatistics(server: FastifyInstance, app: App): void {
  const policy = { config: { policy: { permission: 'requests.statistics' as const } } };

  server.get('/cooperation/statistics', policy, async (request, reply) => {
    const locale = request.locale;
    const { actor, orgId } = who(request);
    const { from, to, range, errors } = rangeOf(locale, request);
    const snap = await app.knowledge.snapshot();
    const stats: Statistics | undefined = errors.size > 0 ? undefined : await app.cooperation.statistics.compute(actor, orgId, range);
    const title = t(locale, 'coop.ui.stats.title');
    const csvQuery = new URLSearchParams({ ...(from ? { from } : {}), ...(to ? { to } : {}) }).toString();
    const form = html`<form class="query" method="get" action="/cooperation/statistics" novalidate aria-label="${t(locale, 'coop.ui.stats.range')}">
${langField(locale)}
${dateField({ id: 'from', type: 'date', label: t(locale, 'coop.ui.stats.from'), hint: t(locale, 'coop.ui.stats.from.hint'), value: from, errors })}
${dateField({ id: 'to', type: 'date', label: t(locale, 'coop.ui.stats.to'), hint: t(locale, 'coop.ui.stats.to.hint'), value: to, errors })}
<div><button type="submit">${t(locale, 'coop.ui.stats.submit')}</button></div>
</form>`;
    const body = stats ? statisticsBody(locale, snap, stats, csvQuery) : html``;
    return sendPrivate(reply, request, app, {
      title,
      path: '/cooperation/statistics',
      status: errors.size > 0 ? 422 : 200,
      body: html`${focusedSummary(locale, errors)}
<h1>${title}</h1>
<p>${t(locale, 'coop.ui.stats.intro')}</p>
${form}
${body}`,
    });
  });

  server.get('/cooperation/statistics.csv', policy, async (request, reply) => {
    const { actor, orgId } = who(request);
    const { range, errors } = rangeOf(request.locale, request);
    if (errors.size > 0) {
      const q = queryOf(request);
      const back = new URLSearchParams({ from: one(q.from) ?? '', to: one(q.to) ?? '', lang: request.locale });
      return reply.redirect(`/cooperation/statistics?${back.toString()}`, 303);
    }
    const stats = await app.cooperation.statistics.compute(actor, orgId, range);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', attachment(`custodia-requests-statistics-${orgId}.csv`))
      .header('cache-control', 'no-store')
      .send(statisticsCsv(stats));
  });
}
