import type { FastifyInstance } from 'fastify';
import type { App } from '../../../app.ts';
import { type Locale, t } from '../../../i18n/index.ts';
import type { KnowledgeSnapshot } from '../../../modules/knowledge/index.ts';
import { type ConductFinding, type CoveringOffence, type DualCriminalityAnswer, MEASURES } from '../../../modules/knowledge/index.ts';
import { html, type SafeHtml } from '../../html.ts';
import { href } from '../layout.ts';
import {
  attempt,
  errorSummary,
  explained,
  type FieldErrors,
  langField,
  many,
  maybe,
  measureOptions,
  one,
  penaltyClause,
  queryOf,
  selectField,
  send,
  sourceRef,
  stateOptions,
  textField,
} from './common.ts';
import { askForEmptyChoices, requiredLabel } from './finder.ts';

interface DualValues {
  conducts: string[];
  requesting: string | undefined;
  requested: string | undefined;
  measure: string | undefined;
  instrument: string | undefined;
  on: string | undefined;
}

const conductId = (id: string) => `conducts-${id}`;

function sortedConducts(locale: Locale, snap: KnowledgeSnapshot) {
  return [...snap.conducts.values()].sort((a, b) => a.name[locale].localeCompare(b.name[locale], locale));
}

function conductsField(locale: Locale, snap: KnowledgeSnapshot, values: DualValues, errors: FieldErrors): SafeHtml {
  const messages = errors.get('conducts');
  const conducts = sortedConducts(locale, snap);
  const describedBy = ['conducts-hint', messages ? 'conducts-error' : ''].filter(Boolean).join(' ');
  return html`<fieldset id="conducts" aria-describedby="${describedBy}">
<legend>${requiredLabel(locale, 'form.conducts')}</legend>
<p class="hint" id="conducts-hint">${t(locale, 'form.conducts.hint')}</p>
${messages ? html`<p class="field-error" id="conducts-error">${messages.join(' ')}</p>` : ''}
${conducts.map(
  (c) =>
    html`<div class="checkbox"><input type="checkbox" id="${conductId(c.id)}" name="conducts" value="${c.id}"${values.conducts.includes(c.id) ? html` checked` : ''}${messages ? html` aria-invalid="true"` : ''}>
<label for="${conductId(c.id)}">${c.name[locale]}</label></div>`,
)}
</fieldset>`;
}

function dualForm(locale: Locale, snap: KnowledgeSnapshot, app: App, values: DualValues, errors: FieldErrors): SafeHtml {
  const states = stateOptions(locale, snap);
  const instruments = [...snap.instruments.values()].map((i) => ({ value: i.id, label: i.shortTitle[locale] }));
  return html`<form class="query" method="get" action="/legal/dual-criminality" novalidate>
${langField(locale)}
<input type="hidden" name="check" value="1">
${conductsField(locale, snap, values, errors)}
${selectField({ id: 'requesting', label: requiredLabel(locale, 'form.requesting'), options: states, selected: values.requesting, errors, placeholder: t(locale, 'form.choose'), required: true })}
${selectField({ id: 'requested', label: requiredLabel(locale, 'form.requested'), options: states, selected: values.requested, errors, placeholder: t(locale, 'form.choose'), required: true })}
${selectField({ id: 'measure', label: requiredLabel(locale, 'form.measure'), options: measureOptions(locale, MEASURES), selected: values.measure, errors, placeholder: t(locale, 'form.choose'), required: true })}
${selectField({ id: 'instrument', label: requiredLabel(locale, 'form.instrument'), options: instruments, selected: values.instrument, errors, placeholder: t(locale, 'form.choose'), required: true })}
${textField({ id: 'on', label: t(locale, 'form.date'), value: values.on, errors, hint: t(locale, 'form.date.hint', { tz: app.config.timeZone }) })}
<div><button type="submit">${t(locale, 'form.submit.check')}</button></div>
</form>`;
}

function offencesCell(locale: Locale, snap: KnowledgeSnapshot, side: ConductFinding['requesting']): SafeHtml {
  if (side.reservation) {
    const r = side.reservation;
    const instrument = snap.instruments.get(r.instrument)?.shortTitle[locale] ?? r.instrument;
    return html`<em>${t(locale, 'dual.reserved', { article: r.article, instrument })}</em> ${r.text[locale]} <span class="source">${t(locale, 'table.source')}: ${sourceRef(locale, r.citation)}</span>`;
  }
  if (side.status === 'not-criminalised') return html`<em>${t(locale, 'matrix.notCriminalised')}</em>`;
  if (side.offences.length === 0) return html`<em>${t(locale, 'matrix.notReviewed')}</em>`;
  const list = html`<ul class="offences">${side.offences.map((o) => offenceItem(locale, o))}</ul>`;
  // Offences of some sub-conducts only: the conduct as a whole is not covered.
  return side.status === 'unknown' ? html`<em>${t(locale, 'dual.inPart')}</em>${list}` : list;
}

function requirementLine(locale: Locale, snap: KnowledgeSnapshot, answer: DualCriminalityAnswer): SafeHtml {
  if (answer.verdict !== 'not-applicable') {
    return html`<p>${t(locale, 'dual.requirement', { requirement: maybe(locale, `requirement.${answer.requirement}`, answer.requirement) })}</p>`;
  }
  const q = new URLSearchParams({ measure: answer.measure, requesting: answer.requesting, requested: answer.requested, on: answer.on });
  return html`<p class="not-applicable">${t(locale, 'dual.notApplicable', {
    instrument: snap.instruments.get(answer.instrument)?.shortTitle[locale] ?? answer.instrument,
    requesting: snap.stateName(answer.requesting, locale),
    requested: snap.stateName(answer.requested, locale),
    on: answer.on,
  })} <a href="${href(locale, `/legal/finder?${q.toString()}`)}">${t(locale, 'dual.findBases')}</a></p>`;
}

function offenceItem(locale: Locale, o: CoveringOffence): SafeHtml {
  return html`<li><strong>${o.law}, ${t(locale, 'common.article', { article: o.article })}</strong> «${o.name[locale]}». ${penaltyClause(locale, o.penalty)}. <span class="source">${t(locale, 'table.source')}: ${sourceRef(locale, o.citation)}</span></li>`;
}

function dualResults(locale: Locale, snap: KnowledgeSnapshot, answer: DualCriminalityAnswer & { kbVersion: string }): SafeHtml {
  const requesting = snap.stateName(answer.requesting, locale);
  const requested = snap.stateName(answer.requested, locale);
  return html`<section class="results" aria-labelledby="results-title">
<h2 id="results-title">${t(locale, 'dual.result', { verdict: maybe(locale, `verdict.${answer.verdict}`, answer.verdict) })}</h2>
${requirementLine(locale, snap, answer)}
<p class="kb-version">${t(locale, 'answer.kbVersion', { version: answer.kbVersion })}</p>
<div class="table-scroll">
<table>
<caption>${t(locale, 'dual.tableCaption', { requesting, requested })}</caption>
<thead><tr><th scope="col">${t(locale, 'dual.conduct')}</th><th scope="col">${t(locale, 'dual.offences', { state: requesting })}</th><th scope="col">${t(locale, 'dual.offences', { state: requested })}</th><th scope="col">${t(locale, 'dual.conductVerdict')}</th></tr></thead>
<tbody>${answer.findings.map(
    (f) =>
      html`<tr><th scope="row">${snap.conducts.get(f.conduct)?.name[locale] ?? f.conduct}</th><td>${offencesCell(locale, snap, f.requesting)}</td><td>${offencesCell(locale, snap, f.requested)}</td><td>${maybe(locale, `verdict.${f.verdict}`, f.verdict)}</td></tr>`,
  )}</tbody>
</table>
</div>
${explained(locale, snap, answer, 3)}
</section>`;
}

export function registerDualCriminalityPage(server: FastifyInstance, app: App): void {
  server.get('/legal/dual-criminality', { config: { policy: 'public' } }, async (request, reply) => {
    const locale = request.locale;
    const snap = await app.knowledge.snapshot();
    const query = queryOf(request);
    const values: DualValues = {
      conducts: many(query.conducts),
      requesting: one(query.requesting)?.toUpperCase() ?? 'PE',
      requested: one(query.requested)?.toUpperCase(),
      measure: one(query.measure),
      instrument: one(query.instrument)?.toUpperCase(),
      on: one(query.on),
    };
    // A prefilled link (from the finder) shows the form; the check runs once the form is submitted or conducts are given.
    const asked = query.check !== undefined || query.conducts !== undefined;
    const title = t(locale, 'dual.title');
    const intro = html`<h1>${title}</h1>
<p>${t(locale, 'dual.intro')}</p>`;
    if (!asked) {
      return send(reply, request, app, snap, { title, path: '/legal/dual-criminality', body: html`${intro}${dualForm(locale, snap, app, values, new Map())}` });
    }
    const result = await attempt(locale, () => app.knowledge.dualCriminality(values));
    if (!result.ok) {
      const errors = askForEmptyChoices(locale, result.errors, {
        requesting: values.requesting,
        requested: values.requested,
        measure: values.measure,
        instrument: values.instrument,
      });
      return send(reply, request, app, snap, {
        status: 422,
        title: t(locale, 'form.errors.pageTitle', { title }),
        path: '/legal/dual-criminality',
        body: html`${errorSummary(locale, errors, (f) => (f === 'conducts' ? conductId(sortedConducts(locale, snap)[0]?.id ?? '') : f))}${intro}${dualForm(locale, snap, app, values, errors)}`,
      });
    }
    return send(reply, request, app, snap, {
      title,
      path: '/legal/dual-criminality',
      body: html`${intro}${dualForm(locale, snap, app, values, new Map())}${dualResults(locale, snap, result.value)}`,
    });
  });
}
