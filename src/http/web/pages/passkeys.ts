import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { t } from '../../../i18n/index.ts';
import { AppError } from '../../../lib/errors.ts';
import { type PasskeyInfo, type RelyingParty, SESSION_ABSOLUTE_HOURS } from '../../../modules/identity/index.ts';
import { safeNext } from '../../auth/authenticate.ts';
import { clearCookie, LOGIN_COOKIE, SESSION_COOKIE, setCookie } from '../../auth/cookies.ts';
import { csrfField } from '../../auth/csrf.ts';
import { principalOf } from '../../context.ts';
import { html, type SafeHtml } from '../../html.ts';
import { langField, when } from './common.ts';
import { client, reauthLocation } from './identity-common.ts';

/** The relying party is this site: the configured public URL, else the host the browser used. */
export function relyingParty(app: App, request: FastifyRequest): RelyingParty {
  const url = new URL(app.config.publicUrl ?? `${request.protocol}://${request.host}`);
  return { id: url.hostname, origin: url.origin, name: 'Custodia' };
}

const body = (request: FastifyRequest) => (request.body ?? {}) as Record<string, unknown>;

/** The account page's passkey section: the list, remove buttons, and the add button the script enables. */
export function passkeySection(app: App, request: FastifyRequest, reply: FastifyReply, passkeys: PasskeyInfo[]): SafeHtml {
  const locale = request.locale;
  const tz = app.config.timeZone;
  return html`<section aria-labelledby="passkeys-title">
<h2 id="passkeys-title">${t(locale, 'passkey.title')}</h2>
<p>${t(locale, 'passkey.intro')}</p>
${
  passkeys.length === 0
    ? html`<p>${t(locale, 'passkey.none')}</p>`
    : html`<table><caption>${t(locale, 'passkey.title')}</caption>
<thead><tr><th scope="col">${t(locale, 'passkey.name')}</th><th scope="col">${t(locale, 'passkey.created')}</th><th scope="col">${t(locale, 'passkey.lastUsed')}</th><th scope="col"><span class="visually-hidden">${t(locale, 'passkey.remove')}</span></th></tr></thead>
<tbody>${passkeys.map(
        (p) => html`<tr><td>${p.name}</td><td>${when(locale, p.createdAt, tz)}</td><td>${when(locale, p.lastUsedAt, tz)}</td>
<td><form method="post" action="/account/passkeys/${encodeURIComponent(p.id)}/remove">${csrfField(request, reply)}${langField(locale)}<button type="submit">${t(locale, 'passkey.remove')}<span class="visually-hidden"> ${p.name}</span></button></form></td></tr>`,
      )}</tbody></table>`
}
<div class="field"><label for="passkey-name">${t(locale, 'passkey.name')}</label><input type="text" id="passkey-name" name="passkey-name" maxlength="100" autocomplete="off"></div>
<p><button type="button" data-passkey-register hidden aria-controls="passkey-status">${t(locale, 'passkey.add')}</button></p>
<p id="passkey-status" role="status"></p>
<noscript><p>${t(locale, 'passkey.needsScript')}</p></noscript>
</section>`;
}

/** The button on the second-factor page, for accounts that have passkeys. */
export function passkeyLoginButton(request: FastifyRequest, next: string): SafeHtml {
  const locale = request.locale;
  return html`<p><button type="button" data-passkey-login data-next="${next}" hidden aria-controls="passkey-login-status">${t(locale, 'passkey.useForLogin')}</button></p>
<p id="passkey-login-status" role="status"></p>`;
}

export function registerPasskeyRoutes(server: FastifyInstance, app: App): void {
  const person = { config: { policy: 'person' as const } };
  const pub = { config: { policy: 'public' as const } };

  server.post('/account/passkeys/options', person, async (request) =>
    app.identity.passkeys.registrationOptions(principalOf(request), relyingParty(app, request)),
  );

  server.post('/account/passkeys', person, async (request, reply) => {
    const b = body(request);
    const info = await app.identity.passkeys.register(principalOf(request), relyingParty(app, request), b.response, String(b.name ?? ''));
    return reply.code(201).send(info);
  });

  server.post('/account/passkeys/:id/remove', person, async (request, reply) => {
    try {
      await app.identity.passkeys.remove(principalOf(request), (request.params as { id: string }).id);
    } catch (error) {
      if (error instanceof AppError && error.code === 'identity.reauthentication_required') return reply.redirect(reauthLocation(request.locale), 303);
      throw error;
    }
    return reply.redirect(`/account?lang=${request.locale}`, 303);
  });

  server.post('/login/passkey/options', pub, async (request) =>
    app.identity.passkeys.loginOptions(request.cookies[LOGIN_COOKIE] ?? '', relyingParty(app, request)),
  );

  server.post('/login/passkey', pub, async (request, reply) => {
    const b = body(request);
    const session = await app.identity.passkeys.completeLogin(request.cookies[LOGIN_COOKIE] ?? '', relyingParty(app, request), b.response, client(request));
    setCookie(reply, SESSION_COOKIE, session.token, SESSION_ABSOLUTE_HOURS * 3600);
    clearCookie(reply, LOGIN_COOKIE);
    return { redirect: safeNext(b.next) };
  });
}
