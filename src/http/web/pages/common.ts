import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { isMessageKey, type Locale, t } from '../../../i18n/index.ts';
import { AppError } from '../../../lib/errors.ts';
import type { Citation, Explained, KnowledgeSnapshot, Step, Warning } from '../../../modules/knowledge/index.ts';
import { escapeHtml, html, raw, type SafeHtml } from '../../html.ts';
import { localizeField } from '../../problem.ts';
import { href, page } from '../layout.ts';

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

/** A source with its link, as-of date and confidence badge. */
export function sourceRef(locale: Locale, c: Pick<Citation, 'sourceTitle' | 'url' | 'asOf' | 'confidence'>): SafeHtml {
  // Only web links become anchors: a knowledge-base URL is data, never script.
  const title = c.url && /^https?:\/\//i.test(c.url) ? html`<a href="${c.url}">${c.sourceTitle}</a>` : html`${c.sourceTitle}`;
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
    const where = [
      c.instrument ? (snap.instruments.get(c.instrument)?.shortTitle[locale] ?? c.instrument) : undefined,
      c.article ? t(locale, 'common.article', { article: c.article }) : undefined,
    ]
      .filter(Boolean)
      .join(' ');
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

/** The error summary at the top of a form: each problem links to its field. */
export function errorSummary(locale: Locale, errors: FieldErrors, anchor: (field: string) => string): SafeHtml {
  if (errors.size === 0) return html``;
  const items = [...errors].flatMap(([field, messages]) => messages.map((m) => html`<li><a href="#${anchor(field)}">${m}</a></li>`));
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
<h2 id="error-summary-title">${t(locale, 'form.errors.title')}</h2>
<ul>${items}</ul>
</div>`;
}

function describedBy(ids: Array<string | undefined>): SafeHtml {
  const list = ids.filter((x): x is string => Boolean(x));
  return list.length > 0 ? html` aria-describedby="${list.join(' ')}"` : html``;
}

function inlineErrors(id: string, messages: string[] | undefined): SafeHtml {
  if (!messages || messages.length === 0) return html``;
  return html`<p class="field-error" id="${id}-error">${messages.join(' ')}</p>`;
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
}

export function selectField(o: SelectOptions): SafeHtml {
  const messages = o.errors.get(o.id);
  const hintId = o.hint ? `${o.id}-hint` : undefined;
  const errorId = messages ? `${o.id}-error` : undefined;
  return html`<div class="field">
<label for="${o.id}">${o.label}</label>
${o.hint ? html`<p class="hint" id="${hintId}">${o.hint}</p>` : ''}
${inlineErrors(o.id, messages)}
<select id="${o.id}" name="${o.id}"${describedBy([hintId, errorId])}${messages ? html` aria-invalid="true"` : ''}>
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

export function textField(o: TextOptions): SafeHtml {
  const messages = o.errors.get(o.id);
  const hintId = o.hint ? `${o.id}-hint` : undefined;
  const errorId = messages ? `${o.id}-error` : undefined;
  return html`<div class="field">
<label for="${o.id}">${o.label}</label>
${o.hint ? html`<p class="hint" id="${hintId}">${o.hint}</p>` : ''}
${inlineErrors(o.id, messages)}
<input type="${o.type ?? 'text'}" id="${o.id}" name="${o.id}" value="${o.type === 'password' ? '' : (o.value ?? '')}" autocomplete="${o.autocomplete ?? 'off'}"${o.inputmode ? html` inputmode="${o.inputmode}"` : ''}${o.required ? html` required` : ''}${describedBy([hintId, errorId])}${messages ? html` aria-invalid="true"` : ''}>
</div>`;
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
