/** Helpers shared by the account, administration, audit and passkey pages. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { type Locale, t } from '../../../i18n/index.ts';
import { AppError } from '../../../lib/errors.ts';
import { isoWithOffset } from '../../../lib/time.ts';
import { html, type SafeHtml } from '../../html.ts';
import { type FieldErrors, maybe, one, queryOf, send } from './common.ts';

export type Body = Record<string, unknown>;
export const bodyOf = (request: FastifyRequest): Body => (request.body ?? {}) as Body;
export const client = (request: FastifyRequest) => ({ ip: request.ip, userAgent: String(request.headers['user-agent'] ?? '') });

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

/** An input of any type with its label, hint and error wired the way `textField` does. */
export function inputField(o: InputOptions): SafeHtml {
  const messages = o.errors.get(o.id);
  const hintId = o.hint ? `${o.id}-hint` : undefined;
  const errorId = messages ? `${o.id}-error` : undefined;
  const described = [hintId, errorId].filter(Boolean).join(' ');
  return html`<div class="field">
<label for="${o.id}">${o.label}</label>
${o.hint ? html`<p class="hint" id="${hintId}">${o.hint}</p>` : ''}
${messages ? html`<p class="field-error" id="${errorId}">${messages.join(' ')}</p>` : ''}
<input type="${o.type}" id="${o.id}" name="${o.id}" value="${o.value ?? ''}" autocomplete="${o.autocomplete ?? 'off'}"${o.required ? html` required` : ''}${
    o.min !== undefined ? html` min="${o.min}"` : ''
  }${o.max !== undefined ? html` max="${o.max}"` : ''}${o.list ? html` list="${o.list}"` : ''}${o.inputmode ? html` inputmode="${o.inputmode}"` : ''}${
    described ? html` aria-describedby="${described}"` : ''
  }${messages ? html` aria-invalid="true"` : ''}>
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
  const hintId = o.hint ? `${o.id}-hint` : undefined;
  const errorId = messages ? `${o.id}-error` : undefined;
  const described = [hintId, errorId].filter(Boolean).join(' ');
  return html`<fieldset id="${o.id}"${described ? html` aria-describedby="${described}"` : ''}>
<legend>${o.legend}</legend>
${o.hint ? html`<p class="hint" id="${hintId}">${o.hint}</p>` : ''}
${messages ? html`<p class="field-error" id="${errorId}">${messages.join(' ')}</p>` : ''}
${o.options.map(
  (opt) =>
    html`<div class="checkbox"><input type="checkbox" id="${checkboxId(o.id, opt.value)}" name="${o.name}" value="${opt.value}"${o.selected.includes(opt.value) ? html` checked` : ''}${
      messages ? html` aria-invalid="true"` : ''
    }>
<label for="${checkboxId(o.id, opt.value)}">${opt.label}</label></div>`,
)}
</fieldset>`;
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

export const roleNames = (locale: Locale, roles: readonly string[]): string => roles.map((r) => t(locale, `role.${r}`)).join(', ');
export const permissionName = (locale: Locale, permission: string): string => maybe(locale, `permission.${permission}`, permission);

/** Where to confirm one's identity before a sensitive action, coming back to the account page. */
export function reauthLocation(locale: Locale, next = '/account'): string {
  return `/reauth?lang=${locale}&next=${encodeURIComponent(next)}`;
}

export const isReauth = (error: unknown) => error instanceof AppError && error.code === 'identity.reauthentication_required';
