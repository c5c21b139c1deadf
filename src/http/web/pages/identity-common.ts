/** Helpers of the account, administration, audit and passkey pages: the client, roles and permissions by name, re-authentication. */
import type { FastifyRequest } from 'fastify';
import { type Locale, t } from '../../../i18n/index.ts';
import { AppError } from '../../../lib/errors.ts';
import { passwordRules } from '../../../modules/identity/index.ts';
import { html, type SafeHtml } from '../../html.ts';
import { type FieldErrors, maybe } from './common.ts';

export const client = (request: FastifyRequest) => ({ ip: request.ip, userAgent: String(request.headers['user-agent'] ?? '') });

export const roleNames = (locale: Locale, roles: readonly string[]): string => roles.map((r) => t(locale, `role.${r}`)).join(', ');
export const permissionName = (locale: Locale, permission: string): string => maybe(locale, `permission.${permission}`, permission);

/** Where to confirm one's identity before a sensitive action, coming back to the account page. */
export function reauthLocation(locale: Locale, next = '/account'): string {
  return `/reauth?lang=${locale}&next=${encodeURIComponent(next)}`;
}

export const isReauth = (error: unknown) => error instanceof AppError && error.code === 'identity.reauthentication_required';

/**
 * A new password and its confirmation, with every rule the node checks listed next to the field
 * (the same `passwordRules` the check uses, so the list and the refusals cannot drift apart).
 */
export function newPasswordFields(locale: Locale, o: { email: string; label: string; errors: FieldErrors }): SafeHtml {
  const errors = (id: string) => o.errors.get(id);
  const described = (id: string, hint?: string) => {
    const ids = [hint, errors(id) ? `${id}-error` : undefined].filter(Boolean).join(' ');
    return html`${ids ? html` aria-describedby="${ids}"` : ''}${errors(id) ? html` aria-invalid="true"` : ''}`;
  };
  const errorOf = (id: string) => (errors(id) ? html`<p class="field-error" id="${id}-error">${errors(id)?.join(' ')}</p>` : '');
  return html`<div class="field">
<label for="password">${o.label}</label>
<div class="hint" id="password-hint"><p>${t(locale, 'enrol.password.hint')}</p>
<ul id="password-rules">${passwordRules(o.email).map((r) => html`<li>${t(locale, `password.rule.${r.kind}`, r.params)}</li>`)}</ul>
<p>${t(locale, 'password.rule.free')}</p></div>
${errorOf('password')}
<input type="password" id="password" name="password" value="" autocomplete="new-password" required${described('password', 'password-hint')}>
</div>
<div class="field">
<label for="passwordConfirm">${t(locale, 'enrol.passwordConfirm')}</label>
${errorOf('passwordConfirm')}
<input type="password" id="passwordConfirm" name="passwordConfirm" value="" autocomplete="new-password" required${described('passwordConfirm')}>
</div>`;
}
