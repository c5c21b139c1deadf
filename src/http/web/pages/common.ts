/**
 * What every page shares, whatever its area: who is asking and what they may do, request bodies and
 * query strings, instants with their zone, sending a page (public or personal), and forms — fields
 * with their label, hint and inline error, the error summary, and a module's refusal placed on them.
 * Helpers of one area live beside its pages (evidence.ts, cooperation-common.ts, identity-common.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { isMessageKey, type Locale, t } from '../../../i18n/index.ts';
import { AppError } from '../../../lib/errors.ts';
import { isoWithOffset } from '../../../lib/time.ts';
import { type Actor, asActor, type Permission, type Principal } from '../../../modules/identity/index.ts';
import type { Citation, Explained, KnowledgeSnapshot, Step, Warning } from '../../../modules/knowledge/index.ts';
import { principalOf } from '../../context.ts';
import { escapeHtml, html, raw, type SafeHtml } from '../../html.ts';
import { localizeField, statusFor, toProblem } from '../../problem.ts';
import { href, page } from '../layout.ts';

// ---- Who is asking ----

export interface Who {
  principal: Principal;
  actor: Actor;
  orgId: string;
}

/** The person signed in, as the modules' actor, and the organisation they act in. */
export function who(request: FastifyRequest): Who {
  const principal = principalOf(request);
  return { principal, actor: asActor(principal), orgId: principal.orgId };
}

export const can = (principal: Principal, permission: Permission) => principal.permissions.has(permission);

/**
 * Names for the actor ids the ledger records (`user:<id>`, `system:<name>`): the person themselves,
 * and everyone in the organisation for those who may read its members; others keep their id.
 */
export async function actorNames(app: App, locale: Locale, principal: Principal): Promise<(actor: string) => SafeHtml> {
  const members = can(principal, 'users.read') ? await app.identity.directory.members(asActor(principal), principal.orgId) : [];
  const names = new Map(members.map((m) => [`user:${m.userId}`, `${m.name} (${m.email})`]));
  names.set(`user:${principal.userId}`, `${principal.name} (${principal.email})`);
  return (actor) => {
    const name = names.get(actor);
    if (name) return html`${name}`;
    if (actor.startsWith('system:')) return html`${t(locale, 'evidence.ui.actor.system')} <code>${actor.slice(7)}</code>`;
    return html`<code>${actor}</code>`;
  };
}

// ---- Request bodies and query strings ----

export type Body = Record<string, unknown>;
/** A form's body as a plain record (the form parser gives repeated fields as arrays). */
export const bodyOf = (request: FastifyRequest): Body => (request.body ?? {}) as Body;

/** The query string as a plain record (Fastify parses repeated keys into arrays). */
export function queryOf(request: FastifyRequest): Record<string, unknown> {
  return (request.query ?? {}) as Record<string, unknown>;
}

/** One string value of a query parameter (the first when repeated). */
export function one(value: unknown): string | undefined {
  if (Array.isArray(value)) return one(value[0]);
  return typeof value === 'string' ? value : undefined;
}

/** Every string value of a query parameter. */
export function many(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(many);
  return typeof value === 'string' && value !== '' ? [value] : [];
}

/** Translates a key when it exists; otherwise returns the fallback (never a raw key on screen). */
export function maybe(locale: Locale, key: string, fallback: string, params: Record<string, string | number> = {}): string {
  return isMessageKey(key) ? t(locale, key, params) : fallback;
}

// ---- Time ----

/** An instant in the node's time zone, the zone always shown, the exact instant machine-readable. */
export function when(locale: Locale, iso: string | null | undefined, timeZone: string): SafeHtml {
  if (!iso) return html`<em>${t(locale, 'common.none')}</em>`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return html`${iso}`;
  let shown: string;
  try {
    shown = new Intl.DateTimeFormat(locale === 'es' ? 'es-PE' : 'en-GB', { dateStyle: 'medium', timeStyle: 'long', timeZone }).format(date);
  } catch {
    shown = isoWithOffset(date, 'UTC');
  }
  return html`<time datetime="${isoWithOffset(date, timeZone)}">${shown}</time>`;
}

/** An instant in the node's zone with the zone's name and its UTC offset then, e.g. "… PET (UTC-05:00)". */
export function stamp(locale: Locale, iso: string, timeZone: string): SafeHtml {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return when(locale, iso, timeZone);
  const offset = isoWithOffset(date, timeZone).slice(23);
  return html`${when(locale, iso, timeZone)} (UTC${offset === 'Z' ? '+00:00' : offset})`;
}

// ---- Sending a page ----

export interface SendOptions {
  title: string;
  path: string;
  body: SafeHtml;
  status?: number;
  scripts?: string[];
}

/** Sends a full HTML page with the knowledge-base version and time-zone note in the footer. */
export function send(reply: FastifyReply, request: FastifyRequest, app: App, snap: KnowledgeSnapshot | undefined, options: SendOptions): FastifyReply {
  return reply
    .code(options.status ?? 200)
    .type('text/html; charset=utf-8')
    .send(
      page(request, {
        title: options.title,
        path: options.path,
        body: options.body,
        ...(options.scripts ? { scripts: options.scripts } : {}),
        ...(snap ? { kbVersion: snap.dataset.manifest.version } : {}),
        timeZone: app.config.timeZone,
      }),
    );
}

/** A personal page: never kept by a shared cache or the browser's back-forward store. */
export function sendPrivate(
  reply: FastifyReply,
  request: FastifyRequest,
  app: App,
  options: { title: string; path: string; body: SafeHtml; status?: number; scripts?: string[] },
) {
  reply.header('cache-control', 'no-store');
  const failed = (options.status ?? 200) >= 400;
  return send(reply, request, app, undefined, {
    ...options,
    title: failed ? t(request.locale, 'form.errors.pageTitle', { title: options.title }) : options.title,
  });
}

/**
 * A page about one case (its details, its evidence): the error summary first, the way back to the
 * cases, the case's heading and title, then the notice of what was just done, then the sections.
 */
export function sendCasePage(
  reply: FastifyReply,
  request: FastifyRequest,
  app: App,
  page: {
    title: string;
    caseTitle: string;
    status?: number | undefined;
    errors: FieldErrors;
    done: { prefix: string; known: readonly string[] };
    body: SafeHtml;
  },
) {
  const locale = request.locale;
  return sendPrivate(reply, request, app, {
    title: page.title,
    path: '/cases',
    status: page.status ?? 200,
    body: html`${focusedSummary(locale, page.errors)}
<p><a href="${href(locale, '/cases')}">${t(locale, 'cases.ui.back')}</a></p>
<h1>${page.title}</h1>
${page.caseTitle ? html`<p>${page.caseTitle}</p>` : ''}
${doneNotice(locale, request, page.done.prefix, page.done.known)}
${page.body}`,
  });
}

/** A notice after a redirect (`done=<what>`), only for outcomes this page knows. */
export function doneNotice(locale: Locale, request: FastifyRequest, prefix: string, known: readonly string[]): SafeHtml {
  const done = one(queryOf(request).done);
  if (!done || !known.includes(done)) return html``;
  return html`<p class="notice" role="status">${t(locale, `${prefix}${done}`)}</p>`;
}

/** Text hidden on screen but read by screen readers: gives repeated buttons their context. */
export function hidden(text: string): SafeHtml {
  return html`<span class="visually-hidden">${text}</span>`;
}

/** A hash in monospace that wraps anywhere (in `ledger-facts` lists and `ledger-table` tables). */
export const hashCode = (value: string): SafeHtml => html`<code>${value}</code>`;

export function stateLink(locale: Locale, snap: KnowledgeSnapshot, code: string): SafeHtml {
  return snap.states.has(code) ? html`<a href="${href(locale, `/states/${encodeURIComponent(code)}`)}">${snap.stateName(code, locale)}</a>` : html`${code}`;
}

export function instrumentLink(locale: Locale, snap: KnowledgeSnapshot, id: string): SafeHtml {
  const instrument = snap.instruments.get(id);
  return instrument ? html`<a href="${href(locale, `/treaties/${encodeURIComponent(id)}`)}">${instrument.shortTitle[locale]}</a>` : html`${id}`;
}

/** States sorted by their name in the reader's language. */
export function sortedStates(snap: KnowledgeSnapshot, locale: Locale): Array<{ code: string; name: string }> {
  return [...snap.states.values()].map((s) => ({ code: s.code, name: s.name[locale] })).sort((a, b) => a.name.localeCompare(b.name, locale));
}

export function languageName(locale: Locale, code: string): string {
  try {
    return new Intl.DisplayNames([locale], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

// The engine names States, instruments and conducts in both languages; t() picks the reader's.
export function stepText(locale: Locale, _snap: KnowledgeSnapshot, step: Step): string {
  return maybe(locale, `step.${step.code}`, step.code, step.params);
}

export function warningText(locale: Locale, _snap: KnowledgeSnapshot, warning: Warning): string {
  return maybe(locale, `warning.${warning.code}`, warning.code, warning.params);
}

export function badge(locale: Locale, confidence: string): SafeHtml {
  return html`<span class="badge ${confidence}">${maybe(locale, `confidence.${confidence}`, confidence)}</span>`;
}

/**
 * An offence's penalty as a clause: "Pena: 2 a 4 años", or the text alone when it already says what
 * it is ("Pena no confirmada en las fuentes consultadas"), never "Pena: Pena no …".
 */
export function penaltyClause(locale: Locale, penalty: { text: { es: string; en: string } }): string {
  const text = penalty.text[locale].trim();
  return /^(pena|penalty)\b/i.test(text) ? text : `${t(locale, 'table.penalty')}: ${text}`;
}

/** A source with its link, as-of date and confidence badge; a curators' note is named as one, not by its working title. */
export function sourceRef(locale: Locale, c: Pick<Citation, 'sourceTitle' | 'url' | 'asOf' | 'confidence'> & Partial<Pick<Citation, 'tier'>>): SafeHtml {
  const name = c.tier === 'curator' ? t(locale, 'legal.source.curator') : c.sourceTitle;
  // Only web links become anchors: a knowledge-base URL is data, never script.
  const title = c.url && /^https?:\/\//i.test(c.url) ? html`<a href="${c.url}">${name}</a>` : html`${name}`;
  return html`${title} · ${t(locale, 'table.asOf')} ${c.asOf} ${badge(locale, c.confidence)}`;
}

export function reasoning(locale: Locale, snap: KnowledgeSnapshot, steps: Step[], headingLevel = 3): SafeHtml {
  if (steps.length === 0) return html``;
  return html`${heading(headingLevel, t(locale, 'finder.reasoning'))}
<ol class="reasoning">${steps.map((s) => html`<li>${stepText(locale, snap, s)}</li>`)}</ol>`;
}

export function warnings(locale: Locale, snap: KnowledgeSnapshot, list: Warning[], headingLevel = 3): SafeHtml {
  if (list.length === 0) return html``;
  return html`<div class="warnings">${heading(headingLevel, t(locale, 'answer.warnings'))}
<ul>${list.map((w) => html`<li>${warningText(locale, snap, w)}</li>`)}</ul></div>`;
}

export function citations(locale: Locale, snap: KnowledgeSnapshot, list: Citation[], headingLevel = 3): SafeHtml {
  if (list.length === 0) return html``;
  return html`${heading(headingLevel, t(locale, 'answer.citations'))}
<ul class="citations">${list.map((c) => {
    // "<law>, art. <n>" or "<instrument>, art. <n>": the article once, after what it is an article of.
    const of = c.law ?? (c.instrument ? (snap.instruments.get(c.instrument)?.shortTitle[locale] ?? c.instrument) : undefined);
    const where = of
      ? c.article
        ? t(locale, c.law ? 'legal.citation.law' : 'legal.citation.instrument', { law: of, instrument: of, article: c.article })
        : of
      : c.article
        ? t(locale, 'common.article', { article: c.article })
        : '';
    return html`<li>${where ? html`${where} — ` : ''}${sourceRef(locale, c)}</li>`;
  })}</ul>`;
}

/** Reasoning, warnings and citations of an engine answer, in that order. */
export function explained(locale: Locale, snap: KnowledgeSnapshot, answer: Explained, headingLevel = 3): SafeHtml {
  return html`${reasoning(locale, snap, answer.explanation, headingLevel)}
${warnings(locale, snap, answer.warnings, headingLevel)}
${citations(locale, snap, answer.citations, headingLevel)}`;
}

export function heading(level: number, text: string): SafeHtml {
  const tag = `h${Math.min(Math.max(level, 2), 6)}`;
  return raw(`<${tag}>${escapeHtml(text)}</${tag}>`);
}

// ---- Forms ----

/** Field errors by field name, localized. */
export type FieldErrors = Map<string, string[]>;

export function fieldErrors(locale: Locale, error: AppError): FieldErrors {
  const out: FieldErrors = new Map();
  for (const f of error.fields) {
    const list = out.get(f.path) ?? [];
    list.push(localizeField(locale, f));
    out.set(f.path, list);
  }
  return out;
}

/** Runs a service call; a validation failure becomes field errors for the form, anything else propagates. */
export async function attempt<T>(locale: Locale, call: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; errors: FieldErrors }> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    if (error instanceof AppError && error.code === 'validation.failed') return { ok: false, errors: fieldErrors(locale, error) };
    throw error;
  }
}

/** A refusal shown on the form: field problems beside their fields, anything else at the top, linked to `first`. */
export function formErrors(request: FastifyRequest, error: unknown, first: string, reply?: FastifyReply): { errors: FieldErrors; status: number } {
  // A confirmation of identity is asked for on its own page (the error handler sends people there).
  if (!(error instanceof AppError) || statusFor(error.code) >= 500 || error.code === 'identity.reauthentication_required') throw error;
  const retryAfter = error.details?.retryAfter;
  if (reply && typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
  if (error.code === 'validation.failed') return { errors: fieldErrors(request.locale, error), status: 422 };
  return { errors: new Map([[first, [toProblem(error, request, request.locale).title]]]), status: statusFor(error.code) };
}

/**
 * A refused form: field problems and refusals (a legal hold, an exhibit taken) for the form, while
 * "not found" and authorisation refusals go to the error page like anywhere else.
 */
export function refusal(request: FastifyRequest, error: unknown, first: string): { errors: FieldErrors; status: number } {
  if (error instanceof AppError && ['not_found', 'forbidden', 'unauthenticated', 'csrf.invalid'].includes(error.code)) throw error;
  return formErrors(request, error, first);
}

/**
 * Field problems from a module under this form's field ids: `rename` maps a full path
 * (`acquisition.by`) or its first segment (`reason`) to an id; anything else goes on `fallback`.
 */
export function renameFields(errors: FieldErrors, rename: Record<string, string>, fallback: string): FieldErrors {
  const out: FieldErrors = new Map();
  for (const [path, messages] of errors) {
    const field = rename[path] ?? rename[path.split('.')[0] ?? path] ?? fallback;
    out.set(field, [...(out.get(field) ?? []), ...messages]);
  }
  return out;
}

/** Field errors under the names of this form's fields (`roles.0` → `roles`), unknown fields on `fallback`. */
export function onFields(errors: FieldErrors, known: readonly string[], fallback: string, rename: (field: string) => string = (f) => f): FieldErrors {
  const out: FieldErrors = new Map();
  for (const [path, messages] of errors) {
    const head = path.split('.')[0] ?? path;
    const field = known.includes(head) ? rename(head) : fallback;
    out.set(field, [...(out.get(field) ?? []), ...messages]);
  }
  return out;
}

/** The error summary at the top of a form: each problem links to its field. */
export function errorSummary(locale: Locale, errors: FieldErrors, anchor: (field: string) => string): SafeHtml {
  if (errors.size === 0) return html``;
  const items = [...errors].flatMap(([field, messages]) => messages.map((m) => html`<li><a href="#${anchor(field)}">${m}</a></li>`));
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
<h2 id="error-summary-title">${t(locale, 'form.errors.title')}</h2>
<ul>${items}</ul>
</div>`;
}

/** The error summary, focused when the page loads (without JavaScript too), each problem linked to its field. */
export function focusedSummary(locale: Locale, errors: FieldErrors, anchor: (field: string) => string = (f) => f): SafeHtml {
  const summary = errorSummary(locale, errors, anchor).value;
  return raw(summary.replace('<div class="error-summary"', '<div class="error-summary" autofocus'));
}

// Every field is wired the same way: its hint `<id>-hint` and its error `<id>-error` describe it.

function describedBy(ids: Array<string | undefined>): SafeHtml {
  const list = ids.filter((x): x is string => Boolean(x));
  return list.length > 0 ? html` aria-describedby="${list.join(' ')}"` : html``;
}

function hintOf(id: string, hint: string | undefined): SafeHtml {
  return hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : html``;
}

function inlineErrors(id: string, messages: string[] | undefined): SafeHtml {
  if (!messages || messages.length === 0) return html``;
  return html`<p class="field-error" id="${id}-error">${messages.join(' ')}</p>`;
}

/** The ids describing a field (its hint, its error) and whether it is invalid. */
function wiring(id: string, hint: string | undefined, messages: string[] | undefined): { head: SafeHtml; attrs: SafeHtml } {
  const ids = describedBy([hint ? `${id}-hint` : undefined, messages ? `${id}-error` : undefined]);
  return { head: html`${hintOf(id, hint)}\n${inlineErrors(id, messages)}`, attrs: html`${ids}${messages ? html` aria-invalid="true"` : ''}` };
}

export interface SelectOptions {
  id: string;
  label: string;
  options: Array<{ value: string; label: string }>;
  selected: string | undefined;
  errors: FieldErrors;
  hint?: string;
  /** Adds an empty first option with this label. */
  placeholder?: string;
  /** A choice that must be made (the label should say so too). */
  required?: boolean;
}

export function selectField(o: SelectOptions): SafeHtml {
  const w = wiring(o.id, o.hint, o.errors.get(o.id));
  return html`<div class="field">
<label for="${o.id}">${o.label}</label>
${w.head}
<select id="${o.id}" name="${o.id}"${o.required ? html` required` : ''}${w.attrs}>
${o.placeholder !== undefined ? html`<option value="">${o.placeholder}</option>` : ''}
${o.options.map((opt) => html`<option value="${opt.value}"${opt.value === o.selected ? html` selected` : ''}>${opt.label}</option>`)}
</select>
</div>`;
}

export interface TextOptions {
  id: string;
  label: string;
  value: string | undefined;
  errors: FieldErrors;
  hint?: string;
  autocomplete?: string;
  type?: 'text' | 'password' | 'email';
  inputmode?: 'numeric' | 'text';
  required?: boolean;
}

/** A text, e-mail or password input (a password is never sent back). */
export function textField(o: TextOptions): SafeHtml {
  const w = wiring(o.id, o.hint, o.errors.get(o.id));
  return html`<div class="field">
<label for="${o.id}">${o.label}</label>
${w.head}
<input type="${o.type ?? 'text'}" id="${o.id}" name="${o.id}" value="${o.type === 'password' ? '' : (o.value ?? '')}" autocomplete="${o.autocomplete ?? 'off'}"${o.inputmode ? html` inputmode="${o.inputmode}"` : ''}${o.required ? html` required` : ''}${w.attrs}>
</div>`;
}

export interface InputOptions {
  id: string;
  label: string;
  value: string | undefined;
  errors: FieldErrors;
  type: 'text' | 'email' | 'number' | 'datetime-local';
  hint?: string;
  autocomplete?: string;
  required?: boolean;
  min?: number;
  max?: number;
  list?: string;
  inputmode?: 'numeric' | 'text';
}

/** An input of any type (a number with its bounds, a suggestion list) with its label, hint and error wired the way `textField` does. */
export function inputField(o: InputOptions): SafeHtml {
  const w = wiring(o.id, o.hint, o.errors.get(o.id));
  return html`<div class="field">
<label for="${o.id}">${o.label}</label>
${w.head}
<input type="${o.type}" id="${o.id}" name="${o.id}" value="${o.value ?? ''}" autocomplete="${o.autocomplete ?? 'off'}"${o.required ? html` required` : ''}${
    o.min !== undefined ? html` min="${o.min}"` : ''
  }${o.max !== undefined ? html` max="${o.max}"` : ''}${o.list ? html` list="${o.list}"` : ''}${o.inputmode ? html` inputmode="${o.inputmode}"` : ''}${w.attrs}>
</div>`;
}

export interface FieldOptions {
  id: string;
  label: string;
  value: string | undefined;
  errors: FieldErrors;
  hint?: string;
  required?: boolean;
  /** A different name than the id (several forms on one page send the same names). */
  name?: string;
  /** Extra `data-*` attributes, for scripts that enhance the form. */
  data?: Record<string, string>;
}

function fieldParts(o: FieldOptions): { head: SafeHtml; attrs: SafeHtml } {
  const w = wiring(o.id, o.hint, o.errors.get(o.id));
  return {
    head: html`<label for="${o.id}">${o.label}</label>
${w.head}`,
    attrs: html` id="${o.id}" name="${o.name ?? o.id}"${o.required ? html` required` : ''}${w.attrs}${Object.entries(o.data ?? {}).map(
      ([key, value]) => html` data-${key}="${value}"`,
    )}`,
  };
}

/** A one-line text input (with a name of its own when several forms share field names). */
export function lineField(o: FieldOptions & { maxlength?: number; spellcheck?: boolean }): SafeHtml {
  const { head, attrs } = fieldParts(o);
  return html`<div class="field">
${head}
<input type="text"${attrs} value="${o.value ?? ''}" autocomplete="off"${o.maxlength ? html` maxlength="${o.maxlength}"` : ''}${o.spellcheck === false ? html` spellcheck="false"` : ''}>
</div>`;
}

export function textArea(o: FieldOptions & { rows?: number; maxlength?: number }): SafeHtml {
  const { head, attrs } = fieldParts(o);
  return html`<div class="field">
${head}
<textarea${attrs} rows="${o.rows ?? 3}"${o.maxlength ? html` maxlength="${o.maxlength}"` : ''}>${o.value ?? ''}</textarea>
</div>`;
}

export function dateField(o: FieldOptions & { type: 'date' | 'datetime-local' }): SafeHtml {
  const { head, attrs } = fieldParts(o);
  return html`<div class="field">
${head}
<input type="${o.type}"${attrs} value="${o.value ?? ''}" autocomplete="off">
</div>`;
}

export interface CheckboxGroupOptions {
  /** The fieldset's id, also the key of its errors. */
  id: string;
  name: string;
  legend: string;
  hint?: string;
  options: Array<{ value: string; label: string }>;
  selected: readonly string[];
  errors: FieldErrors;
}

export const checkboxId = (groupId: string, value: string) => `${groupId}-${value.replace(/[^a-zA-Z0-9_-]/g, '-')}`;

/** A group of checkboxes in a fieldset with its legend, hint and error. */
export function checkboxGroup(o: CheckboxGroupOptions): SafeHtml {
  const messages = o.errors.get(o.id);
  return html`<fieldset id="${o.id}"${describedBy([o.hint ? `${o.id}-hint` : undefined, messages ? `${o.id}-error` : undefined])}>
<legend>${o.legend}</legend>
${hintOf(o.id, o.hint)}
${inlineErrors(o.id, messages)}
${o.options.map(
  (opt) =>
    html`<div class="checkbox"><input type="checkbox" id="${checkboxId(o.id, opt.value)}" name="${o.name}" value="${opt.value}"${o.selected.includes(opt.value) ? html` checked` : ''}${
      messages ? html` aria-invalid="true"` : ''
    }>
<label for="${checkboxId(o.id, opt.value)}">${opt.label}</label></div>`,
)}
</fieldset>`;
}

export function measureOptions(locale: Locale, measures: readonly string[]): Array<{ value: string; label: string }> {
  return measures.map((m) => ({ value: m, label: maybe(locale, `measure.${m}`, m) }));
}

export function stateOptions(locale: Locale, snap: KnowledgeSnapshot): Array<{ value: string; label: string }> {
  return sortedStates(snap, locale).map((s) => ({ value: s.code, label: s.name }));
}

/** The language is kept across a form submission with a hidden field. */
export function langField(locale: Locale): SafeHtml {
  return html`<input type="hidden" name="lang" value="${locale}">`;
}
