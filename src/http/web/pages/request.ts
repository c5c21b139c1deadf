/**
 * A cooperation request's page: what it says, what it still lacks (each gap linked to its field, with
 * the article that requires it), past deadlines, its deadlines, the steps it went through, the steps
 * this person may take now (small POST forms), its fixed versions with their ledger entries, the
 * requests it hangs on or that hang on it, its documents, and the edit (or amendment) form. A
 * refused step or edit comes back to this page with every problem listed in the reader's language.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { type Locale, t } from '../../../i18n/index.ts';
import { gapProblems, type RequestState, type RequestView } from '../../../modules/cooperation/index.ts';
import type { KnowledgeSnapshot, LegalBasesAnswer } from '../../../modules/knowledge/index.ts';
import { csrfField } from '../../auth/csrf.ts';
import { html, type SafeHtml } from '../../html.ts';
import { href } from '../layout.ts';
import {
  actorNames,
  bodyOf,
  can,
  checkboxGroup,
  type FieldErrors,
  focusedSummary,
  hashCode,
  hidden,
  instrumentLink,
  langField,
  languageName,
  many,
  maybe,
  one,
  queryOf,
  sendPrivate,
  textArea,
  who,
} from './common.ts';
import {
  authorityName,
  caseLink,
  casePageUrl,
  directionLabel,
  fieldIdOf,
  instant,
  instantText,
  problemText,
  refusalOnPage,
  requestLink,
  requestUrl,
  stateBadge,
  stateLabel,
  stateName,
  typeLabel,
  wallClockOf,
  wizardUrl,
} from './cooperation-common.ts';
import { type RequestFormValues, readRequestForm, requestFieldIds, requestFields } from './request-form.ts';

/** States in which the module keeps a request as it is (see drafting.ts): no edit form there. */
const FROZEN: ReadonlySet<string> = new Set(['pending_approval', 'approved', 'closed']);
/** Steps that need a stated reason (the lifecycle's rule, told to the person before they try). */
const NEEDS_REASON: ReadonlySet<string> = new Set(['refused', 'postponed', 'withdrawn', 'partially_executed']);
const DONE = ['created', 'saved', 'amended'] as const;

interface PageState {
  errors?: FieldErrors;
  status?: number;
  /** The edit form as it was sent. */
  values?: RequestFormValues;
  /** The step form as it was sent. */
  step?: { to: string; reason: string; grounds: string[] };
}

const stepId = (to: string, part = '') => `step-${to}${part ? `-${part}` : ''}`;

function elementsOf(snap: KnowledgeSnapshot, view: RequestView) {
  const r = view.request;
  return (r.instrument ? snap.instruments.get(r.instrument) : undefined)?.measures.find((m) => m.measure === r.type)?.mandatoryContent ?? [];
}

function yesNo(locale: Locale, value: boolean): string {
  return t(locale, value ? 'evidence.ui.yes' : 'evidence.ui.no');
}

function notice(locale: Locale, request: FastifyRequest): SafeHtml {
  const q = queryOf(request);
  const done = one(q.done);
  if (done === 'step') return html`<p class="notice" role="status">${t(locale, 'coop.ui.done.step', { state: stateLabel(locale, one(q.to) ?? '') })}</p>`;
  if (done && (DONE as readonly string[]).includes(done)) return html`<p class="notice" role="status">${t(locale, `coop.ui.done.${done}`)}</p>`;
  return html``;
}

export function registerRequestPage(server: FastifyInstance, app: App): void {
  const tz = app.config.timeZone;
  const refOf = (request: FastifyRequest) => (request.params as { ref: string }).ref;

  async function requestPage(request: FastifyRequest, reply: FastifyReply, reference: string, state: PageState = {}): Promise<FastifyReply> {
    const locale = request.locale;
    const { principal, actor, orgId } = who(request);
    const [view, snap, names] = await Promise.all([app.cooperation.get(actor, orgId, reference), app.knowledge.snapshot(), actorNames(app, locale, principal)]);
    const r = view.request;
    const errors = state.errors ?? new Map();
    const csrf = csrfField(request, reply);
    const elements = elementsOf(snap, view);
    const editable = can(principal, 'requests.draft') && !FROZEN.has(r.state);
    const editIds = editable ? requestFieldIds(elements, true) : new Set<string>();
    const stepNames = new Map(view.steps.filter((s) => s.actorName).map((s) => [s.actor, s.actorName as string]));
    const person = (id: string) => (stepNames.has(id) ? html`${stepNames.get(id)}` : names(id));
    const title = t(locale, 'coop.ui.request.title', { reference: r.reference });
    const art = (article: string) => t(locale, 'common.article', { article });
    const groundLabel = (id: string) => view.refusalGrounds.find((g) => g.id === id)?.label[locale] ?? id;

    // What is still missing, each linked to its field in the edit form when there is one.
    const gaps =
      view.gaps.length === 0
        ? html``
        : html`<section class="error-summary gaps" id="gaps" aria-labelledby="gaps-title">
<h2 id="gaps-title">${t(locale, r.direction === 'outgoing' ? 'coop.ui.gaps.title' : 'coop.ui.gaps.titleIncoming')}</h2>
<ul>${gapProblems(view.gaps).map((f) => {
            const id = fieldIdOf(f.path);
            return html`<li><a href="#${editIds.has(id) ? id : 'summary-title'}">${problemText(locale, snap, f)}</a></li>`;
          })}</ul>
</section>`;

    const warnings =
      view.warnings.length === 0
        ? html``
        : html`<div class="warnings" role="note" aria-labelledby="warnings-title">
<h2 id="warnings-title">${t(locale, 'coop.ui.warnings')}</h2>
<ul>${view.warnings.map(
            (w) =>
              html`<li><strong>${maybe(locale, `warning.${w.code}`, w.code, { ...w.params, dueAt: w.params.dueAt ? instantText(locale, w.params.dueAt, tz) : '' })}</strong></li>`,
          )}</ul>
</div>`;

    const summary = html`<section aria-labelledby="summary-title">
<h2 id="summary-title" tabindex="-1">${t(locale, 'coop.ui.summary')}</h2>
<dl class="facts">
<dt>${t(locale, 'coop.ui.state')}</dt><dd>${stateBadge(locale, r.state)}</dd>
<dt>${t(locale, 'coop.ui.case')}</dt><dd>${caseLink(locale, r.caseReference)}</dd>
<dt>${t(locale, 'coop.ui.type')}</dt><dd>${typeLabel(locale, r.type)}</dd>
<dt>${t(locale, 'coop.ui.direction')}</dt><dd>${directionLabel(locale, r.direction)}</dd>
<dt>${t(locale, 'coop.ui.instrument')}</dt><dd>${r.instrument ? instrumentLink(locale, snap, r.instrument) : html`<em>${t(locale, 'common.none')}</em>`}</dd>
<dt>${t(locale, 'form.requesting')}</dt><dd>${stateName(locale, snap, r.requestingState)} — ${authorityName(locale, snap, r.requestingState, r.requestingAuthority)}</dd>
<dt>${t(locale, 'form.requested')}</dt><dd>${stateName(locale, snap, r.requestedState)} — ${authorityName(locale, snap, r.requestedState, r.requestedAuthority)}</dd>
<dt>${t(locale, 'coop.ui.urgency')}</dt><dd>${t(locale, `coop.ui.urgency.${r.urgency}`)}${r.urgencyJustification ? html` — ${r.urgencyJustification}` : ''}</dd>
<dt>${t(locale, 'coop.ui.confidential')}</dt><dd>${yesNo(locale, r.confidential)}</dd>
<dt>${t(locale, 'coop.ui.noNotification')}</dt><dd>${yesNo(locale, r.noNotification)}</dd>
<dt>${t(locale, 'coop.ui.languages')}</dt><dd>${r.languages.length > 0 ? r.languages.map((l) => languageName(locale, l)).join(', ') : html`<em>${t(locale, 'common.none')}</em>`}</dd>
<dt>${t(locale, 'coop.ui.conducts')}</dt><dd>${
      r.conducts.length > 0 ? r.conducts.map((c) => snap.conducts.get(c)?.name[locale] ?? c).join(', ') : html`<em>${t(locale, 'common.none')}</em>`
    }</dd>
<dt>${t(locale, 'coop.ui.dueAt')}</dt><dd>${instant(locale, r.dueAt, tz)}</dd>
<dt>${t(locale, 'coop.ui.version')}</dt><dd>${r.version}</dd>
<dt>${t(locale, 'coop.ui.kbVersion')}</dt><dd>${r.kbVersion ?? html`<em>${t(locale, 'common.none')}</em>`}</dd>
<dt>${t(locale, 'coop.ui.draftedBy')}</dt><dd>${person(r.draftedBy)}, ${instant(locale, r.createdAt, tz)}</dd>
${r.sentAt ? html`<dt>${t(locale, 'coop.ui.sentAt')}</dt><dd>${instant(locale, r.sentAt, tz)}</dd>` : ''}
${r.answeredAt ? html`<dt>${t(locale, 'coop.ui.answeredAt')}</dt><dd>${instant(locale, r.answeredAt, tz)}</dd>` : ''}
${r.closedAt ? html`<dt>${t(locale, 'coop.ui.closedAt')}</dt><dd>${instant(locale, r.closedAt, tz)}</dd>` : ''}
</dl>
</section>`;

    const contentSection =
      elements.length === 0
        ? html``
        : html`<section aria-labelledby="content-title">
<h2 id="content-title">${t(locale, 'coop.ui.content')}</h2>
<dl class="content-list">${elements.map(
            (e) =>
              html`<dt>${e.label[locale]} (${art(e.article)})</dt><dd>${r.content[e.id]?.trim() ? r.content[e.id] : html`<em>${t(locale, 'coop.ui.content.missing')}</em>`}</dd>`,
          )}</dl>
</section>`;

    const deadlines = html`<section aria-labelledby="deadlines-title">
<h2 id="deadlines-title">${t(locale, 'coop.ui.deadlines')}</h2>
${
  view.deadlines.length === 0
    ? html`<p>${t(locale, 'coop.ui.deadlines.none')}</p>`
    : html`<div class="table-scroll"><table class="identity-table">
<caption>${t(locale, 'coop.ui.deadlines.caption', { reference: r.reference, tz })}</caption>
<thead><tr><th scope="col">${t(locale, 'coop.ui.deadline')}</th><th scope="col">${t(locale, 'coop.ui.article')}</th><th scope="col">${t(
        locale,
        'coop.ui.dueAt',
      )}</th><th scope="col">${t(locale, 'coop.ui.estimated')}</th><th scope="col">${t(locale, 'coop.ui.deadlineStatus')}</th></tr></thead>
<tbody>${view.deadlines.map((d) => {
        const past = d.status === 'running' && d.dueAt !== null && view.warnings.some((w) => w.params.rule === d.rule);
        return html`<tr${past ? html` class="overdue"` : ''}>
<th scope="row">${d.label[locale]}</th>
<td>${d.article ? art(d.article) : ''}</td>
<td>${d.dueAt ? instant(locale, d.dueAt, tz) : html`<em>${t(locale, 'coop.ui.deadline.notRunning')}</em>`}</td>
<td>${d.estimated ? t(locale, 'coop.ui.estimated.yes') : t(locale, 'evidence.ui.no')}</td>
<td>${past ? html`<strong>${t(locale, 'coop.ui.overdue')}</strong>` : maybe(locale, `coop.ui.deadlineStatus.${d.status}`, d.status)}</td>
</tr>`;
      })}</tbody>
</table></div>`
}
</section>`;

    const stepForm = (to: RequestState) => {
      const sent = state.step?.to === to ? state.step : undefined;
      const reasonField = NEEDS_REASON.has(to)
        ? textArea({
            id: stepId(to, 'reason'),
            name: 'reason',
            label: t(locale, 'coop.ui.step.reason'),
            hint: t(locale, 'coop.ui.step.reason.hint'),
            value: sent?.reason,
            errors,
            required: true,
            rows: 2,
            maxlength: 5000,
          })
        : html``;
      const groundsField =
        to === 'refused'
          ? checkboxGroup({
              id: stepId(to, 'grounds'),
              name: 'grounds',
              legend: t(locale, 'coop.ui.step.grounds'),
              hint: t(locale, 'coop.ui.step.grounds.hint'),
              options: view.refusalGrounds.map((g) => ({ value: g.id, label: `${g.label[locale]} (${g.articles.map(art).join(', ')})` })),
              selected: sent?.grounds ?? [],
              errors,
            })
          : html``;
      const label = t(locale, `coop.ui.step.to.${to}`);
      const plain = !NEEDS_REASON.has(to) && to !== 'refused';
      return html`<form class="${plain ? 'step-form' : 'query step-form'}" method="post" action="${requestUrl(r.reference, '/steps')}?lang=${locale}" novalidate>
${csrf}${langField(locale)}<input type="hidden" name="to" value="${to}">
${reasonField}${groundsField}
${errors.has(stepId(to)) ? html`<p class="field-error" id="${stepId(to)}-error">${(errors.get(stepId(to)) ?? []).join(' ')}</p>` : ''}
<div><button type="submit" id="${stepId(to)}"${to === 'withdrawn' || to === 'refused' ? html` class="secondary"` : ''}${
        errors.has(stepId(to)) ? html` aria-describedby="${stepId(to)}-error"` : ''
      }>${label}${hidden(` ${r.reference}`)}</button></div>
</form>`;
    };
    const next = html`<section aria-labelledby="next-title">
<h2 id="next-title">${t(locale, 'coop.ui.next')}</h2>
${
  view.nextSteps.length === 0
    ? html`<p>${t(locale, 'coop.ui.next.none')}</p>`
    : html`<p>${t(locale, 'coop.ui.next.intro')}</p>
<div class="step-forms">${view.nextSteps.map(stepForm)}</div>`
}
</section>`;

    const history = html`<section aria-labelledby="history-title">
<h2 id="history-title">${t(locale, 'coop.ui.history')}</h2>
<div class="table-scroll"><table class="identity-table">
<caption>${t(locale, 'coop.ui.history.caption', { reference: r.reference, tz })}</caption>
<thead><tr><th scope="col">#</th><th scope="col">${t(locale, 'coop.ui.history.step')}</th><th scope="col">${t(locale, 'coop.ui.history.who')}</th><th scope="col">${t(
      locale,
      'coop.ui.history.when',
    )}</th><th scope="col">${t(locale, 'coop.ui.step.reason')}</th><th scope="col">${t(locale, 'coop.ui.step.grounds')}</th></tr></thead>
<tbody>${view.steps.map(
      (s) => html`<tr>
<th scope="row">${s.seq}</th>
<td>${s.from ? html`${stateLabel(locale, s.from)} → ` : ''}${stateLabel(locale, s.to)}</td>
<td>${person(s.actor)}</td>
<td>${instant(locale, s.at, tz)}</td>
<td>${s.reason || html`<em>${t(locale, 'common.none')}</em>`}</td>
<td>${s.grounds.length > 0 ? html`<ul class="plain">${s.grounds.map((g) => html`<li>${groundLabel(g)}</li>`)}</ul>` : html`<em>${t(locale, 'common.none')}</em>`}</td>
</tr>`,
    )}</tbody>
</table></div>
</section>`;

    const versions = html`<section aria-labelledby="versions-title">
<h2 id="versions-title">${t(locale, 'coop.ui.versions')}</h2>
${
  view.versions.length === 0
    ? html`<p>${t(locale, 'coop.ui.versions.none')}</p>`
    : html`<div class="table-scroll"><table class="identity-table ledger-table">
<caption>${t(locale, 'coop.ui.versions.caption', { reference: r.reference, tz })}</caption>
<thead><tr><th scope="col">${t(locale, 'coop.ui.version')}</th><th scope="col">${t(locale, 'coop.ui.versions.fixed')}</th><th scope="col">${t(
        locale,
        'coop.ui.versions.ledger',
      )}</th><th scope="col">${t(locale, 'coop.ui.versions.hash')}</th><th scope="col">${t(locale, 'coop.ui.documents')}</th></tr></thead>
<tbody>${view.versions.map(
        (v) => html`<tr>
<th scope="row">${v.version}</th>
<td>${instant(locale, v.createdAt, tz)}, ${person(v.createdBy)}</td>
<td>${v.ledgerIndex === null ? html`<em>${t(locale, 'common.none')}</em>` : html`<a href="${href(locale, `/ledger?index=${v.ledgerIndex}`)}">${v.ledgerIndex}</a>`}</td>
<td>${hashCode(`sha256:${v.contentHash}`)}</td>
<td><a href="${requestUrl(r.reference, `/document.pdf?version=${v.version}&lang=es`)}" hreflang="es">${t(locale, 'coop.ui.documents.pdfEs')}${hidden(
          ` v${v.version}`,
        )}</a>, <a href="${requestUrl(r.reference, `/document.pdf?version=${v.version}&lang=en`)}" hreflang="en">${t(locale, 'coop.ui.documents.pdfEn')}${hidden(` v${v.version}`)}</a></td>
</tr>`,
      )}</tbody>
</table></div>`
}
</section>`;

    const followUpQuery = new URLSearchParams({
      parentReference: r.reference,
      direction: r.direction,
      requestingState: r.requestingState,
      requestedState: r.requestedState,
      ...(r.type === 'preservation' ? { type: 'mutual-legal-assistance' } : {}),
    });
    const linked = html`<section aria-labelledby="linked-title">
<h2 id="linked-title">${t(locale, 'coop.ui.linked')}</h2>
${view.parent ? html`<p>${t(locale, 'coop.ui.linked.parent')} ${requestLink(locale, view.parent.reference)} (${typeLabel(locale, view.parent.type)}, ${stateLabel(locale, view.parent.state)})</p>` : ''}
${
  view.linked.length === 0
    ? html`<p>${t(locale, 'coop.ui.linked.none')}</p>`
    : html`<ul>${view.linked.map(
        (c) =>
          html`<li>${requestLink(locale, c.reference)} — ${typeLabel(locale, c.type)}, ${stateLabel(locale, c.state)}${c.linkKind ? html` (${maybe(locale, `coop.ui.linkKind.${c.linkKind}`, c.linkKind)})` : ''}</li>`,
      )}</ul>`
}
${can(principal, 'requests.draft') ? html`<p><a href="${href(locale, `${wizardUrl(r.caseReference)}?${followUpQuery.toString()}`)}">${t(locale, 'coop.ui.followUp')}</a></p>` : ''}
</section>`;

    const documents = html`<section aria-labelledby="documents-title">
<h2 id="documents-title">${t(locale, 'coop.ui.documents')}</h2>
<p>${t(locale, view.versions.length > 0 ? 'coop.ui.documents.sent' : 'coop.ui.documents.draft')}</p>
<ul>
<li><a href="${requestUrl(r.reference, '/document.pdf?lang=es')}" hreflang="es">${t(locale, 'coop.ui.documents.pdfEs')}</a></li>
<li><a href="${requestUrl(r.reference, '/document.pdf?lang=en')}" hreflang="en">${t(locale, 'coop.ui.documents.pdfEn')}</a></li>
<li><a href="${requestUrl(r.reference, `/document.html?lang=${locale}`)}">${t(locale, 'coop.ui.documents.html')}</a></li>
</ul>
</section>`;

    let edit = html``;
    if (editable) {
      const basis = view.basis as LegalBasesAnswer | null;
      const instruments = (basis?.bases ?? [])
        .filter((b) => b.available || b.instrument === r.instrument)
        .map((b) => ({ value: b.instrument, label: b.instrumentTitle[locale] }));
      if (r.instrument && !instruments.some((i) => i.value === r.instrument)) instruments.push({ value: r.instrument, label: r.instrument });
      const values: RequestFormValues = state.values ?? {
        instrument: r.instrument ?? '',
        requestingAuthority: r.requestingAuthority ?? '',
        requestedAuthority: r.requestedAuthority ?? '',
        urgency: r.urgency,
        urgencyJustification: r.urgencyJustification,
        confidential: r.confidential,
        noNotification: r.noNotification,
        languages: r.languages,
        conducts: r.conducts,
        dueAt: wallClockOf(r.dueAt, tz),
        dueZone: tz,
        content: r.content,
      };
      const amend = r.state !== 'draft';
      edit = html`<section aria-labelledby="edit-title">
<h2 id="edit-title">${t(locale, amend ? 'coop.ui.edit.amend' : 'coop.ui.edit')}</h2>
<p>${t(locale, amend ? 'coop.ui.edit.amend.intro' : 'coop.ui.edit.intro')}</p>
<form class="query" method="post" action="${requestUrl(r.reference)}?lang=${locale}" novalidate aria-labelledby="edit-title">
${csrf}${langField(locale)}
${requestFields(
  {
    locale,
    snap,
    tz,
    requestingState: r.requestingState,
    requestedState: r.requestedState,
    elements,
    basisLanguages: basis?.bases.find((b) => b.instrument === r.instrument)?.languages ?? [],
    instruments,
  },
  values,
  errors,
)}
${errors.has('edit-submit') ? html`<p class="field-error" id="edit-submit-error">${(errors.get('edit-submit') ?? []).join(' ')}</p>` : ''}
<div><button type="submit" id="edit-submit">${t(locale, amend ? 'coop.ui.edit.amend.submit' : 'coop.ui.edit.submit')}</button></div>
</form>
</section>`;
    }

    return sendPrivate(reply, request, app, {
      title,
      path: '/requests',
      status: state.status ?? 200,
      body: html`${focusedSummary(locale, errors)}
<p><a href="${href(locale, casePageUrl(r.caseReference))}">${t(locale, 'coop.ui.case.back', { reference: r.caseReference })}</a></p>
<h1>${title}</h1>
${notice(locale, request)}
${warnings}
${gaps}
${summary}
${next}
${deadlines}
${contentSection}
${history}
${versions}
${linked}
${documents}
${edit}`,
    });
  }

  const readPolicy = { config: { policy: { permission: 'requests.read' as const } } };

  server.get('/requests/:ref', readPolicy, async (request, reply) => requestPage(request, reply, refOf(request)));

  // The permission a step needs depends on the step (drafting, approving, sending, deciding): the module checks it.
  server.post('/requests/:ref/steps', readPolicy, async (request, reply) => {
    const { actor, orgId } = who(request);
    const body = bodyOf(request);
    const step = { to: one(body.to) ?? '', reason: one(body.reason) ?? '', grounds: many(body.grounds) };
    try {
      await app.cooperation.step(actor, orgId, refOf(request), step);
    } catch (error) {
      const snap = await app.knowledge.snapshot();
      const to = step.to;
      const own: Record<string, string> = { reason: stepId(to, 'reason'), grounds: stepId(to, 'grounds') };
      const { errors, status } = refusalOnPage(request, snap, error, (id) => own[id] ?? id, stepId(to));
      return requestPage(request, reply, refOf(request), { errors: await placeable(request, errors, to), status, step });
    }
    return reply.redirect(`${requestUrl(refOf(request))}?lang=${request.locale}&done=step&to=${encodeURIComponent(step.to)}`, 303);
  });

  /**
   * Problems about fields the page does not show (no edit form in this state, or no form for this
   * step) go on the step's button, or the summary's heading; the page's links always lead somewhere.
   */
  async function placeable(request: FastifyRequest, errors: FieldErrors, to: string): Promise<FieldErrors> {
    const { principal, actor, orgId } = who(request);
    const view = await app.cooperation.get(actor, orgId, refOf(request));
    const snap = await app.knowledge.snapshot();
    const editable = can(principal, 'requests.draft') && !FROZEN.has(view.request.state);
    const ids = editable ? requestFieldIds(elementsOf(snap, view), true) : new Set<string>();
    const hasStep = view.nextSteps.includes(to as RequestState);
    if (hasStep) {
      ids.add(stepId(to));
      if (NEEDS_REASON.has(to)) ids.add(stepId(to, 'reason'));
      if (to === 'refused') ids.add(stepId(to, 'grounds'));
    }
    const out: FieldErrors = new Map();
    for (const [id, messages] of errors) {
      const target = ids.has(id) ? id : hasStep ? stepId(to) : 'summary-title';
      out.set(target, [...(out.get(target) ?? []), ...messages]);
    }
    return out;
  }

  server.post('/requests/:ref', { config: { policy: { permission: 'requests.draft' } } }, async (request, reply) => {
    const locale = request.locale;
    const { actor, orgId } = who(request);
    const snap = await app.knowledge.snapshot();
    const view = await app.cooperation.get(actor, orgId, refOf(request));
    const elements = elementsOf(snap, view);
    const form = readRequestForm(locale, bodyOf(request), elements, tz);
    const known = requestFieldIds(elements, true);
    if (form.errors.size > 0) return requestPage(request, reply, refOf(request), { errors: form.errors, status: 422, values: form.values });
    try {
      await app.cooperation.update(actor, orgId, refOf(request), form.input);
    } catch (error) {
      const { errors, status } = refusalOnPage(request, snap, error, (id) => (known.has(id) ? id : undefined), 'edit-submit');
      return requestPage(request, reply, refOf(request), { errors, status, values: form.values });
    }
    const done = view.request.state === 'draft' ? 'saved' : 'amended';
    return reply.redirect(`${requestUrl(refOf(request))}?lang=${locale}&done=${done}#summary-title`, 303);
  });
}
