import type { FastifyInstance } from 'fastify';
import type { App } from '../../../app.ts';
import { type Locale, t } from '../../../i18n/index.ts';
import type { KnowledgeSnapshot } from '../../../modules/knowledge/index.ts';
import { type ChannelRoute, type LegalBasesAnswer, type LegalBasis, MEASURES } from '../../../modules/knowledge/index.ts';
import { html, type SafeHtml } from '../../html.ts';
import { href } from '../layout.ts';
import {
  attempt,
  citations,
  errorSummary,
  type FieldErrors,
  langField,
  languageName,
  maybe,
  measureOptions,
  one,
  queryOf,
  reasoning,
  selectField,
  send,
  sourceRef,
  stateOptions,
  stepText,
  textField,
  warnings,
} from './common.ts';

const FIELDS = ['measure', 'requesting', 'requested', 'on'] as const;

/** The choices the legal tools cannot answer without, and what to say when one is left empty. */
const CHOOSE = {
  measure: 'form.choose.measure',
  requesting: 'form.choose.requesting',
  requested: 'form.choose.requested',
  instrument: 'form.choose.instrument',
} as const;

/** A required field's label with its visible marker ("Tipo de solicitud (obligatorio)"). */
export const requiredLabel = (locale: Locale, key: string): string => `${t(locale, key)} ${t(locale, 'form.required')}`;

/**
 * A required choice left empty is asked for ("Elija un tipo de solicitud."), not reported as an
 * unknown value «»; every other problem of the answer stays as it is.
 */
export function askForEmptyChoices(locale: Locale, errors: FieldErrors, values: Partial<Record<keyof typeof CHOOSE, string | undefined>>): FieldErrors {
  const out: FieldErrors = new Map(errors);
  for (const field of Object.keys(CHOOSE) as Array<keyof typeof CHOOSE>) {
    if (field in values && !values[field]?.trim()) out.set(field, [t(locale, CHOOSE[field])]);
  }
  return out;
}

interface FinderValues {
  measure: string | undefined;
  requesting: string | undefined;
  requested: string | undefined;
  on: string | undefined;
}

export function finderForm(locale: Locale, snap: KnowledgeSnapshot, app: App, values: FinderValues, errors: FieldErrors): SafeHtml {
  const states = stateOptions(locale, snap);
  return html`<form class="query" method="get" action="/legal/finder" novalidate>
${langField(locale)}
${selectField({ id: 'measure', label: requiredLabel(locale, 'form.measure'), options: measureOptions(locale, MEASURES), selected: values.measure, errors, placeholder: t(locale, 'form.choose'), required: true })}
${selectField({ id: 'requesting', label: requiredLabel(locale, 'form.requesting'), options: states, selected: values.requesting, errors, placeholder: t(locale, 'form.choose'), required: true })}
${selectField({ id: 'requested', label: requiredLabel(locale, 'form.requested'), options: states, selected: values.requested, errors, placeholder: t(locale, 'form.choose'), required: true })}
${textField({ id: 'on', label: t(locale, 'form.date'), value: values.on, errors, hint: t(locale, 'form.date.hint', { tz: app.config.timeZone }) })}
<div><button type="submit">${t(locale, 'form.submit.find')}</button></div>
</form>`;
}

function dualLink(locale: Locale, answer: LegalBasesAnswer, basis: LegalBasis): string {
  const q = new URLSearchParams({
    requesting: answer.requesting,
    requested: answer.requested,
    measure: answer.measure,
    instrument: basis.instrument,
    on: answer.on,
  });
  return href(locale, `/legal/dual-criminality?${q.toString()}`);
}

function titles(snap: KnowledgeSnapshot, ids: string[], locale: Locale): string {
  const [open, close] = locale === 'es' ? ['«', '»'] : ['“', '”'];
  return ids.map((id) => `${open}${snap.instruments.get(id)?.shortTitle[locale] ?? id}${close}`).join(', ');
}

function sameRoutes(a: ChannelRoute[], b: ChannelRoute[]): boolean {
  return a.length === b.length && a.every((r, i) => r.channel === b[i]?.channel);
}

/** Where a request goes; a channel through a designated body no published source names says so. */
function routes(locale: Locale, list: ChannelRoute[]): SafeHtml {
  return html`<ul>${list.map(
    (c) =>
      html`<li>${maybe(locale, `channel.${c.channel}`, c.channel)}${c.urgentOnly ? html` (${t(locale, 'channel.urgentOnly')})` : ''}: ${
        c.authority
          ? html`${c.authority.name[locale]} <span class="source">(${sourceRef(locale, c.authority.citation)})</span>`
          : DESIGNATED.has(c.channel)
            ? html`<em>${t(locale, 'finder.authorityNotPublished')}</em>`
            : ''
      }</li>`,
  )}</ul>`;
}

const DESIGNATED = new Set(['central-authority', 'point-of-contact-24-7', 'extradition-authority']);

function basisSection(locale: Locale, snap: KnowledgeSnapshot, answer: LegalBasesAnswer, basis: LegalBasis, index: number): SafeHtml {
  const art = (a: string) => t(locale, 'common.article', { article: a });
  const id = `basis-${index + 1}`;
  const label = basis.rank !== null ? t(locale, 'finder.rank', { rank: basis.rank }) : t(locale, 'finder.unavailable');
  const dc = basis.dualCriminality;
  // A declaration (Budapest Art. 27(9)(e)) that closes the urgent-only routes is said where the routes are.
  const closed = basis.explanation.find((s) => s.code === 'bases.urgent_channels_closed');
  return html`<section class="basis${basis.available ? '' : ' unavailable'}" id="${id}" data-instrument="${basis.instrument}" aria-labelledby="${id}-title">
<h3 id="${id}-title"><span class="rank">${label}:</span> ${basis.instrumentTitle[locale]}</h3>
${basis.available ? '' : html`<p><strong>${t(locale, 'finder.rankUnavailable')}</strong></p>`}
${basis.inForceSince ? html`<p>${t(locale, 'finder.inForceSince', { date: basis.inForceSince })}</p>` : ''}
${basis.kind === 'bilateral' ? html`<p>${t(locale, 'finder.bilateral')}</p>` : ''}
${basis.prevailsOver.length > 0 ? html`<p>${t(locale, 'finder.prevailsOver', { instruments: titles(snap, basis.prevailsOver, locale) })}</p>` : ''}
${basis.yieldsTo.length > 0 ? html`<p>${t(locale, 'finder.yieldsTo', { treaties: titles(snap, basis.yieldsTo, locale) })}</p>` : ''}
<dl class="facts">
<dt>${t(locale, 'finder.articles')}</dt><dd>${basis.articles.map(art).join(', ')}</dd>
${basis.provisionText ? html`<dt>${t(locale, 'finder.provisionText')}</dt><dd>${basis.provisionText[locale]}</dd>` : ''}
${
  basis.alias
    ? html`<dt>${t(locale, 'finder.alias')}</dt><dd>${maybe(locale, `measure.${basis.alias.measure}`, basis.alias.measure)} (${basis.articles.map(art).join(', ')}). ${basis.alias.text[locale]}</dd>`
    : ''
}
<dt>${t(locale, 'finder.channels')}</dt>
<dd>${routes(locale, basis.channels)}</dd>
${
  sameRoutes(basis.channels, basis.urgentChannels) && !closed
    ? ''
    : html`<dt>${t(locale, 'finder.urgentChannels')}</dt><dd>${routes(locale, basis.urgentChannels)}${closed ? html`<p>${stepText(locale, snap, closed)}</p>` : ''}</dd>`
}
<dt>${t(locale, 'finder.languages')}</dt>
<dd>${basis.languages.length > 0 ? basis.languages.map((l) => languageName(locale, l)).join(', ') : html`<em>${t(locale, 'finder.languages.unknown')}</em>`}</dd>
${basis.urgentMeans ? html`<dt>${t(locale, 'finder.urgent')}</dt><dd>${basis.urgentMeans.text[locale]} (${art(basis.urgentMeans.article)})</dd>` : ''}
<dt>${t(locale, 'finder.dualCriminality')}</dt>
<dd><strong>${maybe(locale, `requirement.${dc.rule}`, dc.rule)}</strong>${dc.article ? html` (${art(dc.article)})` : ''}. ${dc.explanation[locale]}</dd>
</dl>
${
  basis.mandatoryContent.length > 0
    ? html`<h4>${t(locale, 'finder.mandatory')}</h4>
<ol class="mandatory">${basis.mandatoryContent.map((m) => html`<li>${m.label[locale]} <span class="article">(${art(m.article)})</span></li>`)}</ol>`
    : ''
}
${
  basis.deadlines.length > 0
    ? html`<h4>${t(locale, 'finder.deadlines')}</h4>
<ul>${basis.deadlines.map((d) => html`<li>${d.label[locale]} (${art(d.article)})</li>`)}</ul>`
    : ''
}
${
  basis.conditions.length > 0
    ? html`<h4>${t(locale, 'finder.conditions')}</h4>
<ul>${basis.conditions.map((c) => html`<li>${c.text[locale]} (${art(c.article)})</li>`)}</ul>`
    : ''
}
<h4>${t(locale, 'finder.reservations')}</h4>
${
  basis.reservations.length > 0
    ? html`<ul>${basis.reservations.map(
        (r) =>
          html`<li><strong>${maybe(locale, `finder.kind.${r.kind}`, r.kind)}</strong> (${r.articles.map(art).join(', ')}): ${r.text[locale]} <em>${maybe(locale, `effect.${r.effect}`, r.effect)}</em></li>`,
      )}</ul>`
    : html`<p>${t(locale, 'finder.reservations.none')}</p>`
}
${reasoning(locale, snap, basis.explanation, 4)}
${warnings(locale, snap, basis.warnings, 4)}
${citations(locale, snap, basis.citations, 4)}
<p><a href="${dualLink(locale, answer, basis)}">${t(locale, 'finder.dualLink')}</a></p>
</section>`;
}

export function finderResults(locale: Locale, snap: KnowledgeSnapshot, answer: LegalBasesAnswer & { kbVersion: string }): SafeHtml {
  const title = t(locale, 'finder.results', {
    measure: maybe(locale, `measure.${answer.measure}`, answer.measure),
    requesting: snap.stateName(answer.requesting, locale),
    requested: snap.stateName(answer.requested, locale),
    on: answer.on,
  });
  const available = answer.bases.filter((b) => b.available);
  return html`<section class="results" aria-labelledby="results-title">
<h2 id="results-title">${title}</h2>
<p class="kb-version">${t(locale, 'answer.kbVersion', { version: answer.kbVersion })}</p>
${available.length === 0 ? html`<p><strong>${t(locale, 'finder.none')}</strong></p>` : ''}
${reasoning(locale, snap, answer.explanation, 3)}
${answer.bases.map((b, i) => basisSection(locale, snap, answer, b, i))}
</section>`;
}

export function registerFinderPage(server: FastifyInstance, app: App): void {
  server.get('/legal/finder', { config: { policy: 'public' } }, async (request, reply) => {
    const locale = request.locale;
    const snap = await app.knowledge.snapshot();
    const query = queryOf(request);
    const asked = FIELDS.some((f) => query[f] !== undefined);
    const values: FinderValues = {
      measure: one(query.measure),
      requesting: asked ? one(query.requesting)?.toUpperCase() : 'PE',
      requested: one(query.requested)?.toUpperCase(),
      on: one(query.on),
    };
    const title = t(locale, 'finder.title');
    const intro = html`<h1>${title}</h1>
<p>${t(locale, 'finder.intro')}</p>`;
    if (!asked) {
      return send(reply, request, app, snap, { title, path: '/legal/finder', body: html`${intro}${finderForm(locale, snap, app, values, new Map())}` });
    }
    const result = await attempt(locale, () =>
      app.knowledge.legalBases({ measure: values.measure, requesting: values.requesting, requested: values.requested, on: values.on }),
    );
    if (!result.ok) {
      const errors = askForEmptyChoices(locale, result.errors, { measure: values.measure, requesting: values.requesting, requested: values.requested });
      return send(reply, request, app, snap, {
        status: 422,
        title: t(locale, 'form.errors.pageTitle', { title }),
        path: '/legal/finder',
        body: html`${errorSummary(locale, errors, (f) => f)}${intro}${finderForm(locale, snap, app, values, errors)}`,
      });
    }
    return send(reply, request, app, snap, {
      title,
      path: '/legal/finder',
      body: html`${intro}${finderForm(locale, snap, app, values, new Map())}${finderResults(locale, snap, result.value)}`,
    });
  });
}
