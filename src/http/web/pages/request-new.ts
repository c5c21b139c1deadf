/**
 * The drafting wizard of a case's request, without JavaScript: step 1 (a GET form) names the type,
 * direction and States and shows the engine's ranked legal bases with their citations, the best one
 * chosen; step 2 is the request itself, one text per element the chosen instrument requires. Saving
 * creates the draft (or registers an incoming request) and goes to its page, which lists what is
 * still missing, each gap linked to its field.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { type Locale, t } from '../../../i18n/index.ts';
import { DIRECTIONS } from '../../../modules/cooperation/index.ts';
import type { KnowledgeSnapshot } from '../../../modules/knowledge/index.ts';
import { type LegalBasesAnswer, type MandatoryElement, MEASURES } from '../../../modules/knowledge/index.ts';
import { csrfField } from '../../auth/csrf.ts';
import { html, type SafeHtml } from '../../html.ts';
import { href } from '../layout.ts';
import {
  attempt,
  bodyOf,
  type FieldErrors,
  focusedSummary,
  langField,
  measureOptions,
  one,
  queryOf,
  selectField,
  sendPrivate,
  stateOptions,
  who,
} from './common.ts';
import { casePageUrl, directionLabel, refusalOnPage, requestUrl, stateName, typeLabel, wizardUrl } from './cooperation-common.ts';
import { finderResults } from './finder.ts';
import { type RequestFormValues, readRequestForm, requestFieldIds, requestFields } from './request-form.ts';

/** Step 1's answers, carried in the query string (step 1) and in hidden fields (step 2). */
interface Basics {
  type: string;
  direction: string;
  requestingState: string;
  requestedState: string;
  parentReference: string;
}
const BASICS = ['type', 'direction', 'requestingState', 'requestedState', 'parentReference'] as const;

function basicsOf(source: Record<string, unknown>): Basics {
  return {
    type: one(source.type) ?? '',
    direction: one(source.direction) || 'outgoing',
    requestingState: (one(source.requestingState) ?? '').trim().toUpperCase(),
    requestedState: (one(source.requestedState) ?? '').trim().toUpperCase(),
    parentReference: (one(source.parentReference) ?? '').trim(),
  };
}

function hiddenBasics(b: Basics, instrument?: string): SafeHtml {
  return html`${BASICS.map((k) => (b[k] ? html`<input type="hidden" name="${k}" value="${b[k]}">` : ''))}${
    instrument ? html`<input type="hidden" name="instrument" value="${instrument}">` : ''
  }`;
}

function stepOneQuery(b: Basics): string {
  return new URLSearchParams(Object.entries(b).filter(([, v]) => v !== '') as Array<[string, string]>).toString();
}

/** The elements the chosen instrument requires for this type of request. */
function elementsOf(snap: KnowledgeSnapshot, instrument: string, type: string): MandatoryElement[] {
  return snap.instruments.get(instrument)?.measures.find((m) => m.measure === type)?.mandatoryContent ?? [];
}

export function registerRequestWizard(server: FastifyInstance, app: App): void {
  const tz = app.config.timeZone;
  const refOf = (request: FastifyRequest) => (request.params as { ref: string }).ref;

  function stepOne(locale: Locale, snap: KnowledgeSnapshot, caseReference: string, b: Basics, errors: FieldErrors): SafeHtml {
    return html`<section aria-labelledby="step1-title">
<h2 id="step1-title">${t(locale, 'coop.ui.wizard.step1')}</h2>
<p>${t(locale, 'coop.ui.wizard.step1.intro')}</p>
<form class="query" method="get" action="${wizardUrl(caseReference)}" novalidate aria-labelledby="step1-title">
${langField(locale)}
${b.parentReference ? html`<input type="hidden" name="parentReference" value="${b.parentReference}">` : ''}
${selectField({ id: 'type', label: t(locale, 'coop.ui.type'), options: measureOptions(locale, MEASURES), selected: b.type, errors, placeholder: t(locale, 'form.choose') })}
${selectField({
  id: 'direction',
  label: t(locale, 'coop.ui.direction'),
  hint: t(locale, 'coop.ui.direction.hint'),
  options: DIRECTIONS.map((d) => ({ value: d, label: directionLabel(locale, d) })),
  selected: b.direction,
  errors,
})}
${selectField({ id: 'requestingState', label: t(locale, 'form.requesting'), options: stateOptions(locale, snap), selected: b.requestingState, errors, placeholder: t(locale, 'form.choose') })}
${selectField({ id: 'requestedState', label: t(locale, 'form.requested'), options: stateOptions(locale, snap), selected: b.requestedState, errors, placeholder: t(locale, 'form.choose') })}
<div><button type="submit">${t(locale, 'coop.ui.wizard.findBases')}</button></div>
</form>
</section>`;
  }

  function chooseInstrument(locale: Locale, caseReference: string, b: Basics, answer: LegalBasesAnswer): SafeHtml {
    const available = answer.bases.filter((x) => x.available);
    if (available.length === 0) return html`<p class="warnings"><strong>${t(locale, 'coop.ui.wizard.noBasis')}</strong></p>`;
    return html`<section aria-labelledby="choose-title">
<h2 id="choose-title">${t(locale, 'coop.ui.wizard.choose')}</h2>
<form class="query" method="get" action="${wizardUrl(caseReference)}" novalidate aria-labelledby="choose-title">
${langField(locale)}${hiddenBasics(b)}
<fieldset aria-describedby="choose-hint">
<legend>${t(locale, 'coop.ui.instrument')}</legend>
<p class="hint" id="choose-hint">${t(locale, 'coop.ui.wizard.choose.hint')}</p>
${available.map(
  (
    basis,
    i,
  ) => html`<div class="checkbox"><input type="radio" id="instrument-${basis.instrument}" name="instrument" value="${basis.instrument}"${i === 0 ? html` checked` : ''}>
<label for="instrument-${basis.instrument}">${t(locale, 'finder.rank', { rank: basis.rank ?? i + 1 })}: ${basis.instrumentTitle[locale]} (${basis.articles
    .map((a) => t(locale, 'common.article', { article: a }))
    .join(', ')})</label></div>`,
)}
</fieldset>
<div><button type="submit">${t(locale, 'coop.ui.wizard.continue')}</button></div>
</form>
</section>`;
  }

  interface StepTwo {
    b: Basics;
    instrument: string;
    answer: LegalBasesAnswer;
    values: RequestFormValues;
    errors: FieldErrors;
  }

  function stepTwo(request: FastifyRequest, reply: FastifyReply, snap: KnowledgeSnapshot, caseReference: string, s: StepTwo): SafeHtml {
    const locale = request.locale;
    const { b, instrument } = s;
    const basis = s.answer.bases.find((x) => x.instrument === instrument);
    const kbInstrument = snap.instruments.get(instrument);
    const elements = elementsOf(snap, instrument, b.type);
    return html`<section aria-labelledby="step2-title">
<h2 id="step2-title">${t(locale, 'coop.ui.wizard.step2')}</h2>
<dl class="facts">
<dt>${t(locale, 'coop.ui.type')}</dt><dd>${typeLabel(locale, b.type)}</dd>
<dt>${t(locale, 'coop.ui.direction')}</dt><dd>${directionLabel(locale, b.direction)}</dd>
<dt>${t(locale, 'form.requesting')}</dt><dd>${stateName(locale, snap, b.requestingState)}</dd>
<dt>${t(locale, 'form.requested')}</dt><dd>${stateName(locale, snap, b.requestedState)}</dd>
<dt>${t(locale, 'coop.ui.instrument')}</dt><dd>${kbInstrument?.shortTitle[locale] ?? instrument}${basis ? html` (${basis.articles.map((a) => t(locale, 'common.article', { article: a })).join(', ')})` : ''}</dd>
${b.parentReference ? html`<dt>${t(locale, 'coop.ui.parent')}</dt><dd>${b.parentReference}</dd>` : ''}
</dl>
<p><a href="${href(locale, `${wizardUrl(caseReference)}?${stepOneQuery(b)}`)}">${t(locale, 'coop.ui.wizard.change')}</a></p>
<p>${t(locale, 'coop.ui.wizard.step2.intro')}</p>
<form class="query" method="post" action="${casePageUrl(caseReference, '/requests')}?lang=${locale}" novalidate aria-labelledby="step2-title">
${csrfField(request, reply)}${langField(locale)}${hiddenBasics(b, instrument)}
${requestFields(
  { locale, snap, tz, requestingState: b.requestingState, requestedState: b.requestedState, elements, basisLanguages: basis?.languages ?? [] },
  s.values,
  s.errors,
)}
<div><button type="submit">${t(locale, b.direction === 'incoming' ? 'coop.ui.wizard.register' : 'coop.ui.wizard.save')}</button></div>
</form>
</section>`;
  }

  /** The wizard at whatever step its query (or a refused step 2) puts it. */
  async function wizard(request: FastifyRequest, reply: FastifyReply, refused?: { b: Basics; values: RequestFormValues; errors: FieldErrors; status: number }) {
    const locale = request.locale;
    const { actor, orgId } = who(request);
    const caseReference = refOf(request);
    const kase = await app.cooperation.caseDetails.get(actor, orgId, caseReference);
    const snap = await app.knowledge.snapshot();
    const query = queryOf(request);
    const asked = refused !== undefined || query.type !== undefined;
    const b = refused?.b ?? basicsOf(query);
    if (!asked && !b.requestingState) b.requestingState = 'PE';
    const title = t(locale, 'coop.ui.wizard.title', { reference: kase.reference });
    const page = (status: number, body: SafeHtml, errors: FieldErrors = new Map()) =>
      sendPrivate(reply, request, app, {
        title,
        path: '/requests',
        status,
        body: html`${focusedSummary(locale, errors)}
<p><a href="${href(locale, casePageUrl(kase.reference))}">${t(locale, 'coop.ui.case.back', { reference: kase.reference })}</a></p>
<h1>${title}</h1>
${body}`,
      });

    if (!asked) return page(200, stepOne(locale, snap, kase.reference, b, new Map()));
    const result = await attempt(locale, () =>
      app.cooperation.suggest({ type: b.type || undefined, requestingState: b.requestingState || undefined, requestedState: b.requestedState || undefined }),
    );
    if (!result.ok) {
      const rename: Record<string, string> = { measure: 'type', requesting: 'requestingState', requested: 'requestedState' };
      const errors: FieldErrors = new Map();
      for (const [path, messages] of result.errors) {
        const id = rename[path.split('.')[0] ?? path] ?? 'type';
        errors.set(id, [...(errors.get(id) ?? []), ...messages]);
      }
      return page(422, stepOne(locale, snap, kase.reference, b, errors), errors);
    }
    const answer = result.value;
    const chosen = refused?.values.instrument ?? one(query.instrument);
    const instrument = answer.bases.find((x) => x.instrument === chosen && x.available)?.instrument;
    if (!instrument) {
      return page(
        200,
        html`${stepOne(locale, snap, kase.reference, b, new Map())}
${chooseInstrument(locale, kase.reference, b, answer)}
${finderResults(locale, snap, answer)}`,
      );
    }
    const basis = answer.bases.find((x) => x.instrument === instrument);
    const route = basis?.channels.find((c) => c.authority)?.authority?.id;
    const values: RequestFormValues = refused?.values ?? {
      requestedAuthority: route ?? '',
      urgency: 'normal',
      languages: basis && basis.languages.length > 0 ? [...basis.languages] : [locale],
      conducts: kase.conducts,
      dueZone: tz,
      content: {},
    };
    return page(
      refused?.status ?? 200,
      stepTwo(request, reply, snap, kase.reference, { b, instrument, answer, values, errors: refused?.errors ?? new Map() }),
      refused?.errors,
    );
  }

  const draftPolicy = { config: { policy: { permission: 'requests.draft' as const } } };

  server.get('/cases/:ref/requests/new', draftPolicy, async (request, reply) => wizard(request, reply));

  server.post('/cases/:ref/requests', draftPolicy, async (request, reply) => {
    const locale = request.locale;
    const { actor, orgId } = who(request);
    const body = bodyOf(request);
    const b = basicsOf(body);
    const instrument = one(body.instrument) ?? '';
    const snap = await app.knowledge.snapshot();
    const elements = elementsOf(snap, instrument, b.type);
    const form = readRequestForm(locale, body, elements, tz);
    const known = requestFieldIds(elements, false);
    const refuse = (errors: FieldErrors, status: number) => wizard(request, reply, { b, values: { ...form.values, instrument }, errors, status });
    if (form.errors.size > 0) return refuse(form.errors, 422);
    let created: Awaited<ReturnType<App['cooperation']['create']>>;
    try {
      created = await app.cooperation.create(actor, orgId, {
        ...form.input,
        caseReference: refOf(request),
        type: b.type,
        direction: b.direction,
        requestingState: b.requestingState,
        requestedState: b.requestedState,
        instrument,
        ...(b.parentReference ? { parentReference: b.parentReference } : {}),
      });
    } catch (error) {
      // Problems with step 1's answers (a State, the parent) go on the first field, named in the message.
      const { errors, status } = refusalOnPage(request, snap, error, (id) => (known.has(id) ? id : undefined), 'requestingAuthority');
      return refuse(errors, status);
    }
    return reply.redirect(`${requestUrl(created.reference)}?lang=${locale}&done=created`, 303);
  });
}
