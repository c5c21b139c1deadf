/**
 * The fields of a cooperation request, shared by the drafting wizard's second step and the request
 * page's edit (or amendment) form: authorities, urgency, confidentiality, languages, the due date and
 * one text per element the knowledge base says the request must contain under its instrument.
 */
import { type Locale, t } from '../../../i18n/index.ts';
import type { KnowledgeSnapshot, MandatoryElement } from '../../../modules/knowledge/index.ts';
import { html, type SafeHtml } from '../../html.ts';
import { type Body, checkboxGroup, dateField, type FieldErrors, languageName, lineField, many, maybe, one, selectField, textArea } from './common.ts';
import { instantOf, ZONES, zoneOptions } from './cooperation-common.ts';

export const URGENCY_VALUES = ['normal', 'urgent', 'emergency'] as const;
/** Languages offered besides those the instrument's basis names and those already chosen. */
const COMMON_LANGUAGES = ['es', 'en', 'pt', 'fr'];

export interface RequestFormValues {
  instrument?: string;
  requestingAuthority?: string;
  requestedAuthority?: string;
  urgency?: string;
  urgencyJustification?: string;
  confidential?: boolean;
  noNotification?: boolean;
  languages?: string[];
  conducts?: string[];
  /** Wall clock of `dueZone` (a `datetime-local` value). */
  dueAt?: string;
  dueZone?: string;
  content?: Record<string, string>;
}

export interface RequestFormContext {
  locale: Locale;
  snap: KnowledgeSnapshot;
  /** The node's zone: the default for the due date's zone. */
  tz: string;
  requestingState: string;
  requestedState: string;
  /** What the request must contain under its instrument, in the knowledge base's order. */
  elements: readonly MandatoryElement[];
  /** Languages the chosen basis accepts (offered first). */
  basisLanguages?: readonly string[];
  /** Instruments to choose from (the edit form); the wizard chose one already. */
  instruments?: Array<{ value: string; label: string }>;
}

export const contentId = (element: string) => `content-${element}`;

/** The ids of every field of the form, for linking problems to them. */
export function requestFieldIds(elements: readonly MandatoryElement[], withInstrument: boolean): Set<string> {
  return new Set([
    ...(withInstrument ? ['instrument'] : []),
    'requestingAuthority',
    'requestedAuthority',
    'urgency',
    'urgencyJustification',
    'confidential',
    'noNotification',
    'languages',
    'conducts',
    'dueAt',
    'dueZone',
    ...elements.map((e) => contentId(e.id)),
  ]);
}

function authorityField(
  ctx: RequestFormContext,
  id: 'requestingAuthority' | 'requestedAuthority',
  state: string,
  value: string | undefined,
  errors: FieldErrors,
) {
  const { locale, snap } = ctx;
  const label = t(locale, id === 'requestingAuthority' ? 'coop.ui.requestingAuthority' : 'coop.ui.requestedAuthority', {
    state: snap.states.has(state) ? snap.stateName(state, locale) : state,
  });
  const listed = snap.authorities(state);
  if (listed.length === 0) {
    return lineField({ id, label, hint: t(locale, 'coop.ui.authority.freeHint'), value, errors, maxlength: 200 });
  }
  const options = listed.map((a) => ({ value: a.id, label: `${a.name[locale]} (${maybe(locale, `role.${a.role}`, a.role)})` }));
  // Something written by hand earlier stays choosable.
  if (value && !listed.some((a) => a.id === value)) options.push({ value, label: value });
  return selectField({ id, label, hint: t(locale, 'coop.ui.authority.listHint'), options, selected: value, errors, placeholder: t(locale, 'form.choose') });
}

function singleCheckbox(id: string, label: string, checked: boolean | undefined, hint: string, errors: FieldErrors): SafeHtml {
  const messages = errors.get(id);
  const described = [`${id}-hint`, messages ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field">
${messages ? html`<p class="field-error" id="${id}-error">${messages.join(' ')}</p>` : ''}
<div class="checkbox"><input type="checkbox" id="${id}" name="${id}" value="1"${checked ? html` checked` : ''} aria-describedby="${described}"${messages ? html` aria-invalid="true"` : ''}>
<label for="${id}">${label}</label></div>
<p class="hint" id="${id}-hint">${hint}</p>
</div>`;
}

/** The request's fields (inside a form the caller opens, with its CSRF token). */
export function requestFields(ctx: RequestFormContext, values: RequestFormValues, errors: FieldErrors): SafeHtml {
  const { locale, snap, tz } = ctx;
  const languages = [...new Set([...(ctx.basisLanguages ?? []), ...COMMON_LANGUAGES, ...(values.languages ?? [])])];
  const conducts = [...snap.conducts.values()].map((c) => ({ value: c.id, label: c.name[locale] })).sort((a, b) => a.label.localeCompare(b.label, locale));
  const art = (article: string) => t(locale, 'common.article', { article });
  return html`${
    ctx.instruments
      ? selectField({
          id: 'instrument',
          label: t(locale, 'coop.ui.instrument'),
          hint: t(locale, 'coop.ui.instrument.hint'),
          options: ctx.instruments,
          selected: values.instrument,
          errors,
        })
      : ''
  }
<fieldset aria-describedby="authorities-hint">
<legend>${t(locale, 'coop.ui.authorities')}</legend>
<p class="hint" id="authorities-hint">${t(locale, 'coop.ui.authorities.hint')}</p>
${authorityField(ctx, 'requestingAuthority', ctx.requestingState, values.requestingAuthority, errors)}
${authorityField(ctx, 'requestedAuthority', ctx.requestedState, values.requestedAuthority, errors)}
</fieldset>
<fieldset aria-describedby="content-hint">
<legend>${t(locale, 'coop.ui.content')}</legend>
<p class="hint" id="content-hint">${t(locale, 'coop.ui.content.hint')}</p>
${
  ctx.elements.length === 0
    ? html`<p>${t(locale, 'coop.ui.content.none')}</p>`
    : ctx.elements.map((e) =>
        textArea({ id: contentId(e.id), label: `${e.label[locale]} (${art(e.article)})`, value: values.content?.[e.id], errors, rows: 4, maxlength: 20_000 }),
      )
}
</fieldset>
<fieldset aria-describedby="handling-hint">
<legend>${t(locale, 'coop.ui.handling')}</legend>
<p class="hint" id="handling-hint">${t(locale, 'coop.ui.handling.hint')}</p>
${selectField({
  id: 'urgency',
  label: t(locale, 'coop.ui.urgency'),
  options: URGENCY_VALUES.map((u) => ({ value: u, label: t(locale, `coop.ui.urgency.${u}`) })),
  selected: values.urgency ?? 'normal',
  errors,
})}
${textArea({ id: 'urgencyJustification', label: t(locale, 'coop.ui.urgencyJustification'), hint: t(locale, 'coop.ui.urgencyJustification.hint'), value: values.urgencyJustification, errors, rows: 3, maxlength: 5000 })}
${singleCheckbox('confidential', t(locale, 'coop.ui.confidential'), values.confidential, t(locale, 'coop.ui.confidential.hint'), errors)}
${singleCheckbox('noNotification', t(locale, 'coop.ui.noNotification'), values.noNotification, t(locale, 'coop.ui.noNotification.hint'), errors)}
${checkboxGroup({
  id: 'languages',
  name: 'languages',
  legend: t(locale, 'coop.ui.languages'),
  hint:
    ctx.basisLanguages && ctx.basisLanguages.length > 0
      ? t(locale, 'coop.ui.languages.hintBasis', { languages: ctx.basisLanguages.map((l) => languageName(locale, l)).join(', ') })
      : t(locale, 'coop.ui.languages.hint'),
  options: languages.map((l) => ({ value: l, label: languageName(locale, l) })),
  selected: values.languages ?? [],
  errors,
})}
${dateField({ id: 'dueAt', type: 'datetime-local', label: t(locale, 'coop.ui.dueAt'), hint: t(locale, 'coop.ui.dueAt.hint'), value: values.dueAt, errors })}
${selectField({ id: 'dueZone', label: t(locale, 'coop.ui.dueZone'), hint: t(locale, 'coop.ui.dueZone.hint', { tz }), options: zoneOptions(), selected: values.dueZone || tz, errors })}
</fieldset>
${checkboxGroup({
  id: 'conducts',
  name: 'conducts',
  legend: t(locale, 'coop.ui.conducts'),
  hint: t(locale, 'coop.ui.conducts.requestHint'),
  options: conducts,
  selected: values.conducts ?? [],
  errors,
})}`;
}

/** What the form sent, as the person typed it (to show again) and as the module takes it. */
export function readRequestForm(
  locale: Locale,
  body: Body,
  elements: readonly MandatoryElement[],
  tz: string,
): { values: RequestFormValues; input: Record<string, unknown>; errors: FieldErrors } {
  const content = Object.fromEntries(elements.map((e) => [e.id, one(body[contentId(e.id)]) ?? '']));
  const values: RequestFormValues = {
    requestingAuthority: one(body.requestingAuthority) ?? '',
    requestedAuthority: one(body.requestedAuthority) ?? '',
    urgency: one(body.urgency) ?? 'normal',
    urgencyJustification: one(body.urgencyJustification) ?? '',
    confidential: one(body.confidential) !== undefined,
    noNotification: one(body.noNotification) !== undefined,
    languages: many(body.languages),
    conducts: many(body.conducts),
    dueAt: one(body.dueAt)?.trim() ?? '',
    dueZone: one(body.dueZone) || tz,
    content,
  };
  const instrument = one(body.instrument);
  if (instrument !== undefined) values.instrument = instrument;
  const errors: FieldErrors = new Map();
  let dueAt = '';
  if (values.dueAt) {
    if (!ZONES.includes(values.dueZone as string)) errors.set('dueZone', [t(locale, 'coop.ui.error.zone')]);
    else {
      const at = instantOf(values.dueAt, values.dueZone as string);
      if (at) dueAt = at;
      else errors.set('dueAt', [t(locale, 'coop.ui.error.dueAt')]);
    }
  }
  const input: Record<string, unknown> = {
    ...(instrument !== undefined ? { instrument } : {}),
    requestingAuthority: values.requestingAuthority,
    requestedAuthority: values.requestedAuthority,
    urgency: values.urgency,
    urgencyJustification: values.urgencyJustification,
    confidential: values.confidential,
    noNotification: values.noNotification,
    languages: values.languages,
    conducts: values.conducts,
    dueAt,
    content,
  };
  return { values, input, errors };
}
