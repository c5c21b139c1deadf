/**
 * A case's page for the cooperation workflow: its facts (conduct from the knowledge base's taxonomy,
 * a summary in Spanish and in English), the identifiers and persons it concerns, the evidence linked
 * to it, and its requests with a link to draft a new one. Someone not on the case's access list is
 * told it does not exist.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { type Locale, t } from '../../../i18n/index.ts';
import { IDENTIFIER_KINDS, PERSON_ROLES } from '../../../modules/cooperation/index.ts';
import { csrfField } from '../../auth/csrf.ts';
import { html, type SafeHtml } from '../../html.ts';
import { href } from '../layout.ts';
import {
  bodyOf,
  can,
  checkboxGroup,
  dateField,
  type FieldErrors,
  hashCode,
  langField,
  lineField,
  many,
  maybe,
  one,
  selectField,
  sendCasePage,
  textArea,
  who,
} from './common.ts';
import { casePageUrl, instant, instantOf, refusalOnPage, requestsTable, wizardUrl, ZONES, zoneOptions } from './cooperation-common.ts';
import { caseUrl, itemUrl } from './evidence.ts';
import { importUrl } from './request-import.ts';

const DONE = ['facts_saved', 'identifier_added', 'person_added'] as const;
type Values = Record<string, string | string[] | undefined>;

interface CasePageState {
  errors?: FieldErrors;
  status?: number;
  values?: Values;
}

const text = (values: Values, key: string) => {
  const v = values[key];
  return Array.isArray(v) ? v[0] : v;
};

function orNone(locale: Locale, value: string | null | undefined): SafeHtml {
  return value ? html`${value}` : html`<em>${t(locale, 'common.none')}</em>`;
}

export function registerCaseDetailsPages(server: FastifyInstance, app: App): void {
  const tz = app.config.timeZone;
  const refOf = (request: FastifyRequest) => (request.params as { ref: string }).ref;

  async function casePage(request: FastifyRequest, reply: FastifyReply, reference: string, state: CasePageState = {}): Promise<FastifyReply> {
    const locale = request.locale;
    const { principal, actor, orgId } = who(request);
    const details = await app.cooperation.caseDetails.get(actor, orgId, reference);
    const [requests, snap] = await Promise.all([app.cooperation.list(actor, orgId, { caseReference: details.reference }), app.knowledge.snapshot()]);
    const errors = state.errors ?? new Map();
    const values = state.values ?? {};
    const csrf = csrfField(request, reply);
    const drafter = can(principal, 'requests.draft');
    const title = t(locale, 'coop.ui.case.title', { reference: details.reference });
    const conductName = (id: string) => snap.conducts.get(id)?.name[locale] ?? id;

    const facts = html`<section aria-labelledby="facts-title">
<h2 id="facts-title">${t(locale, 'coop.ui.facts')}</h2>
<dl class="facts">
<dt>${t(locale, 'coop.ui.conducts')}</dt><dd>${details.conducts.length > 0 ? details.conducts.map(conductName).join(', ') : html`<em>${t(locale, 'common.none')}</em>`}</dd>
<dt>${t(locale, 'coop.ui.summaryEs')}</dt><dd lang="es">${orNone(locale, details.summary.es)}</dd>
<dt>${t(locale, 'coop.ui.summaryEn')}</dt><dd lang="en">${orNone(locale, details.summary.en)}</dd>
</dl>
${
  drafter
    ? html`<h3 id="facts-form-title">${t(locale, 'coop.ui.facts.edit')}</h3>
<form class="query" method="post" action="${casePageUrl(details.reference, '/facts')}?lang=${locale}" novalidate aria-labelledby="facts-form-title">
${csrf}${langField(locale)}
${checkboxGroup({
  id: 'conducts',
  name: 'conducts',
  legend: t(locale, 'coop.ui.conducts'),
  hint: t(locale, 'coop.ui.conducts.hint'),
  options: [...snap.conducts.values()].map((c) => ({ value: c.id, label: c.name[locale] })).sort((a, b) => a.label.localeCompare(b.label, locale)),
  selected: (values.conducts as string[] | undefined) ?? details.conducts,
  errors,
})}
${textArea({ id: 'summaryEs', label: t(locale, 'coop.ui.summaryEs'), hint: t(locale, 'coop.ui.summary.hint'), value: text(values, 'summaryEs') ?? details.summary.es, errors, rows: 5, maxlength: 20_000 })}
${textArea({ id: 'summaryEn', label: t(locale, 'coop.ui.summaryEn'), hint: t(locale, 'coop.ui.summary.hint'), value: text(values, 'summaryEn') ?? details.summary.en, errors, rows: 5, maxlength: 20_000 })}
<div><button type="submit">${t(locale, 'coop.ui.facts.submit')}</button></div>
</form>`
    : ''
}
</section>`;

    const identifiers = html`<section aria-labelledby="identifiers-title">
<h2 id="identifiers-title">${t(locale, 'coop.ui.identifiers')}</h2>
${
  details.identifiers.length === 0
    ? html`<p>${t(locale, 'coop.ui.identifiers.none')}</p>`
    : html`<div class="table-scroll"><table class="identity-table">
<caption>${t(locale, 'coop.ui.identifiers.caption', { reference: details.reference, tz })}</caption>
<thead><tr><th scope="col">${t(locale, 'coop.ui.identifier.kind')}</th><th scope="col">${t(locale, 'coop.ui.identifier.value')}</th><th scope="col">${t(
        locale,
        'coop.ui.identifier.port',
      )}</th><th scope="col">${t(locale, 'coop.ui.identifier.observedAt')}</th><th scope="col">${t(locale, 'coop.ui.identifier.zone')}</th><th scope="col">${t(
        locale,
        'coop.ui.identifier.note',
      )}</th></tr></thead>
<tbody>${details.identifiers.map(
        (i) => html`<tr>
<td>${maybe(locale, `coop.ui.identifierKind.${i.kind}`, i.kind)}</td>
<th scope="row"><code>${i.value}</code></th>
<td>${i.port ?? html`<em>${t(locale, 'common.none')}</em>`}</td>
<td>${i.observedAt ? html`${instant(locale, i.observedAt, i.timeZone ?? tz)} <span class="hint">(${t(locale, 'coop.ui.identifier.recorded')} <code>${i.observedAt}</code>)</span>` : html`<em>${t(locale, 'common.none')}</em>`}</td>
<td>${orNone(locale, i.timeZone)}</td>
<td>${orNone(locale, i.note)}</td>
</tr>`,
      )}</tbody>
</table></div>`
}
${
  drafter
    ? html`<h3 id="identifier-form-title">${t(locale, 'coop.ui.identifier.add')}</h3>
<form class="query" method="post" action="${casePageUrl(details.reference, '/identifiers')}?lang=${locale}" novalidate aria-labelledby="identifier-form-title">
${csrf}${langField(locale)}
${selectField({
  id: 'kind',
  label: t(locale, 'coop.ui.identifier.kind'),
  options: IDENTIFIER_KINDS.map((k) => ({ value: k, label: t(locale, `coop.ui.identifierKind.${k}`) })),
  selected: text(values, 'kind'),
  errors,
})}
${lineField({ id: 'value', label: t(locale, 'coop.ui.identifier.value'), hint: t(locale, 'coop.ui.identifier.value.hint'), value: text(values, 'value'), errors, required: true, maxlength: 500, spellcheck: false })}
${lineField({ id: 'port', label: t(locale, 'coop.ui.identifier.port'), hint: t(locale, 'coop.ui.identifier.port.hint'), value: text(values, 'port'), errors, maxlength: 5, spellcheck: false })}
${dateField({ id: 'observedAt', type: 'datetime-local', label: t(locale, 'coop.ui.identifier.observedAt'), hint: t(locale, 'coop.ui.identifier.observedAt.hint'), value: text(values, 'observedAt'), errors })}
${selectField({ id: 'timeZone', label: t(locale, 'coop.ui.identifier.zone'), hint: t(locale, 'coop.ui.identifier.zone.hint', { tz }), options: zoneOptions(), selected: text(values, 'timeZone') || tz, errors })}
${lineField({ id: 'note', label: t(locale, 'coop.ui.identifier.note'), value: text(values, 'note'), errors, maxlength: 1000 })}
<div><button type="submit">${t(locale, 'coop.ui.identifier.submit')}</button></div>
</form>`
    : ''
}
</section>`;

    const persons = html`<section aria-labelledby="persons-title">
<h2 id="persons-title">${t(locale, 'coop.ui.persons')}</h2>
${
  details.persons.length === 0
    ? html`<p>${t(locale, 'coop.ui.persons.none')}</p>`
    : html`<div class="table-scroll"><table class="identity-table">
<caption>${t(locale, 'coop.ui.persons.caption', { reference: details.reference })}</caption>
<thead><tr><th scope="col">${t(locale, 'coop.ui.person.name')}</th><th scope="col">${t(locale, 'coop.ui.person.role')}</th><th scope="col">${t(
        locale,
        'coop.ui.person.details',
      )}</th></tr></thead>
<tbody>${details.persons.map(
        (p) =>
          html`<tr><th scope="row">${p.name}</th><td>${maybe(locale, `coop.ui.personRole.${p.role}`, p.role)}</td><td>${orNone(locale, p.details)}</td></tr>`,
      )}</tbody>
</table></div>`
}
${
  drafter
    ? html`<h3 id="person-form-title">${t(locale, 'coop.ui.person.add')}</h3>
<form class="query" method="post" action="${casePageUrl(details.reference, '/persons')}?lang=${locale}" novalidate aria-labelledby="person-form-title">
${csrf}${langField(locale)}
${lineField({ id: 'name', label: t(locale, 'coop.ui.person.name'), value: text(values, 'name'), errors, required: true, maxlength: 300 })}
${selectField({
  id: 'role',
  label: t(locale, 'coop.ui.person.role'),
  options: PERSON_ROLES.map((r) => ({ value: r, label: t(locale, `coop.ui.personRole.${r}`) })),
  selected: text(values, 'role'),
  errors,
})}
${textArea({ id: 'details', label: t(locale, 'coop.ui.person.details'), hint: t(locale, 'coop.ui.person.details.hint'), value: text(values, 'details'), errors, rows: 3, maxlength: 2000 })}
<div><button type="submit">${t(locale, 'coop.ui.person.submit')}</button></div>
</form>`
    : ''
}
</section>`;

    const readsEvidence = can(principal, 'evidence.read');
    const evidence = html`<section aria-labelledby="evidence-title">
<h2 id="evidence-title">${t(locale, 'coop.ui.evidence')}</h2>
${readsEvidence ? html`<p><a href="${href(locale, caseUrl(details.reference))}">${t(locale, 'coop.ui.evidence.link', { reference: details.reference })}</a></p>` : ''}
${
  details.evidence.length === 0
    ? html`<p>${t(locale, 'coop.ui.evidence.none')}</p>`
    : html`<div class="table-scroll"><table class="identity-table ledger-table">
<caption>${t(locale, 'coop.ui.evidence.caption', { reference: details.reference })}</caption>
<thead><tr><th scope="col">${t(locale, 'evidence.ui.exhibit')}</th><th scope="col">${t(locale, 'evidence.ui.description')}</th><th scope="col">SHA-256</th></tr></thead>
<tbody>${details.evidence.map(
        (e) => html`<tr>
<th scope="row">${readsEvidence ? html`<a href="${href(locale, itemUrl(e.id))}">${e.exhibit}</a>` : e.exhibit}</th>
<td>${orNone(locale, e.description)}</td>
<td>${hashCode(e.sha256)}</td>
</tr>`,
      )}</tbody>
</table></div>`
}
</section>`;

    const requestsSection = html`<section aria-labelledby="requests-title">
<h2 id="requests-title">${t(locale, 'coop.ui.requests')}</h2>
${drafter ? html`<p><a href="${href(locale, wizardUrl(details.reference))}">${t(locale, 'coop.ui.requests.new')}</a></p>` : ''}
${can(principal, 'requests.register') ? html`<p><a href="${href(locale, importUrl(details.reference))}">${t(locale, 'coop.ui.requests.import')}</a></p>` : ''}
${
  requests.length === 0
    ? html`<p>${t(locale, 'coop.ui.requests.noneInCase')}</p>`
    : requestsTable(locale, snap, requests, { caption: t(locale, 'coop.ui.requests.caseCaption', { reference: details.reference, tz }), tz, withCase: false })
}
</section>`;

    return sendCasePage(reply, request, app, {
      title,
      caseTitle: details.title,
      status: state.status,
      errors,
      done: { prefix: 'coop.ui.done.', known: DONE },
      body: html`${requestsSection}
${facts}
${identifiers}
${persons}
${evidence}`,
    });
  }

  const draft = { config: { policy: { permission: 'requests.draft' as const } } };
  const back = (request: FastifyRequest, done: (typeof DONE)[number], anchor: string) =>
    `${casePageUrl(refOf(request))}?lang=${request.locale}&done=${done}#${anchor}`;
  const refused = async (request: FastifyRequest, reply: FastifyReply, error: unknown, fields: readonly string[], values: Values) => {
    const snap = await app.knowledge.snapshot();
    const { errors, status } = refusalOnPage(request, snap, error, (id) => (fields.includes(id) ? id : undefined), fields[0] as string);
    return casePage(request, reply, refOf(request), { errors, status, values });
  };

  server.get('/cases/:ref', { config: { policy: { permission: 'requests.read' } } }, async (request, reply) => casePage(request, reply, refOf(request)));

  server.post('/cases/:ref/facts', draft, async (request, reply) => {
    const { actor, orgId } = who(request);
    const body = bodyOf(request);
    const values = { conducts: many(body.conducts), summaryEs: one(body.summaryEs) ?? '', summaryEn: one(body.summaryEn) ?? '' };
    try {
      await app.cooperation.caseDetails.setFacts(actor, orgId, refOf(request), values);
    } catch (error) {
      return refused(request, reply, error, ['conducts', 'summaryEs', 'summaryEn'], values);
    }
    return reply.redirect(back(request, 'facts_saved', 'facts-title'), 303);
  });

  server.post('/cases/:ref/identifiers', draft, async (request, reply) => {
    const locale = request.locale;
    const { actor, orgId } = who(request);
    const body = bodyOf(request);
    const values = {
      kind: one(body.kind) ?? '',
      value: one(body.value) ?? '',
      port: one(body.port)?.trim() ?? '',
      observedAt: one(body.observedAt)?.trim() ?? '',
      timeZone: one(body.timeZone) || tz,
      note: one(body.note) ?? '',
    };
    const fields = ['kind', 'value', 'port', 'observedAt', 'timeZone', 'note'];
    const errors: FieldErrors = new Map();
    if (!ZONES.includes(values.timeZone)) errors.set('timeZone', [t(locale, 'coop.ui.error.zone')]);
    const observedAt = values.observedAt && ZONES.includes(values.timeZone) ? instantOf(values.observedAt, values.timeZone) : undefined;
    if (values.observedAt && !observedAt && !errors.has('timeZone')) errors.set('observedAt', [t(locale, 'coop.ui.error.observedAt')]);
    if (errors.size > 0) return casePage(request, reply, refOf(request), { errors, status: 422, values });
    try {
      await app.cooperation.caseDetails.addIdentifier(actor, orgId, refOf(request), {
        kind: values.kind,
        value: values.value,
        ...(values.port ? { port: values.port } : {}),
        // The moment and its zone go together: a zone alone says nothing.
        ...(observedAt ? { observedAt, timeZone: values.timeZone } : {}),
        note: values.note,
      });
    } catch (error) {
      return refused(request, reply, error, fields, values);
    }
    return reply.redirect(back(request, 'identifier_added', 'identifiers-title'), 303);
  });

  server.post('/cases/:ref/persons', draft, async (request, reply) => {
    const { actor, orgId } = who(request);
    const body = bodyOf(request);
    const values = { name: one(body.name) ?? '', role: one(body.role) ?? '', details: one(body.details) ?? '' };
    try {
      await app.cooperation.caseDetails.addPerson(actor, orgId, refOf(request), values);
    } catch (error) {
      return refused(request, reply, error, ['name', 'role', 'details'], values);
    }
    return reply.redirect(back(request, 'person_added', 'persons-title'), 303);
  });
}
