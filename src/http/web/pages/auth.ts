import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { type Locale, t } from '../../../i18n/index.ts';
import { AppError } from '../../../lib/errors.ts';
import { otpauthUri } from '../../../lib/totp.ts';
import { SESSION_ABSOLUTE_HOURS } from '../../../modules/identity/index.ts';
import { safeNext } from '../../auth/authenticate.ts';
import { clearCookie, LOGIN_COOKIE, SESSION_COOKIE, setCookie } from '../../auth/cookies.ts';
import { csrfField } from '../../auth/csrf.ts';
import { principalOf } from '../../context.ts';
import { html, type SafeHtml } from '../../html.ts';
import { type Body, bodyOf, errorSummary, type FieldErrors, formErrors, langField, one, send, textField } from './common.ts';
import { client, newPasswordFields } from './identity-common.ts';
import { passkeyLoginButton } from './passkeys.ts';

function nextField(next: string): SafeHtml {
  return html`<input type="hidden" name="next" value="${next}">`;
}

function notice(locale: Locale, request: FastifyRequest): SafeHtml {
  const q = request.query as Record<string, unknown>;
  if (q.signedOut) return html`<p class="notice" role="status">${t(locale, 'login.signedOut')}</p>`;
  return html``;
}

export function registerAuthPages(server: FastifyInstance, app: App): void {
  const pub = { config: { policy: 'public' as const } };

  function loginPage(request: FastifyRequest, reply: FastifyReply, values: { email?: string; next: string }, errors: FieldErrors = new Map(), status = 200) {
    const locale = request.locale;
    return send(reply, request, app, undefined, {
      title: t(locale, 'login.title'),
      path: '/login',
      status,
      body: html`<h1>${t(locale, 'login.title')}</h1>
${notice(locale, request)}
${errorSummary(locale, errors, (f) => f)}
<form method="post" action="/login" novalidate>
${csrfField(request, reply)}${langField(locale)}${nextField(values.next)}
${textField({ id: 'email', label: t(locale, 'login.email'), value: values.email, errors, type: 'email', autocomplete: 'username', required: true })}
${textField({ id: 'password', label: t(locale, 'login.password'), value: undefined, errors, type: 'password', autocomplete: 'current-password', required: true })}
<div><button type="submit">${t(locale, 'login.submit')}</button></div>
</form>`,
    });
  }

  async function codePage(request: FastifyRequest, reply: FastifyReply, next: string, errors: FieldErrors = new Map(), status = 200) {
    const locale = request.locale;
    const passkeys = await app.identity.passkeys.countForLogin(request.cookies[LOGIN_COOKIE] ?? '');
    return send(reply, request, app, undefined, {
      title: t(locale, 'login.code.title'),
      path: '/login/code',
      status,
      ...(passkeys > 0 ? { scripts: ['passkey.js'] } : {}),
      body: html`<h1>${t(locale, 'login.code.title')}</h1>
${errorSummary(locale, errors, (f) => f)}
<form method="post" action="/login/code" novalidate>
${csrfField(request, reply)}${langField(locale)}${nextField(next)}
${textField({ id: 'code', label: t(locale, 'login.code.label'), hint: t(locale, 'login.code.hint'), value: undefined, errors, autocomplete: 'one-time-code', required: true })}
<div><button type="submit">${t(locale, 'login.code.submit')}</button></div>
</form>
${passkeys > 0 ? passkeyLoginButton(request, next) : ''}`,
    });
  }

  server.get('/login', pub, async (request, reply) => {
    const next = safeNext(one((request.query as Body).next));
    if (request.principal) return reply.redirect(next, 303);
    return loginPage(request, reply, { next });
  });

  server.post('/login', pub, async (request, reply) => {
    const body = bodyOf(request);
    const next = safeNext(one(body.next));
    const email = one(body.email) ?? '';
    try {
      const { challenge } = await app.identity.sessions.beginLogin({ email, password: one(body.password) ?? '' }, client(request));
      setCookie(reply, LOGIN_COOKIE, challenge, 5 * 60);
      return reply.redirect(`/login/code?lang=${request.locale}&next=${encodeURIComponent(next)}`, 303);
    } catch (error) {
      const { errors, status } = formErrors(request, error, 'email', reply);
      return loginPage(request, reply, { email, next }, errors, status);
    }
  });

  server.get('/login/code', pub, async (request, reply) => {
    const next = safeNext(one((request.query as Body).next));
    if (!request.cookies[LOGIN_COOKIE]) return reply.redirect(`/login?lang=${request.locale}&next=${encodeURIComponent(next)}`, 303);
    return codePage(request, reply, next);
  });

  server.post('/login/code', pub, async (request, reply) => {
    const body = bodyOf(request);
    const next = safeNext(one(body.next));
    try {
      const session = await app.identity.sessions.completeLogin(
        { challenge: request.cookies[LOGIN_COOKIE] ?? '', code: one(body.code) ?? '' },
        client(request),
      );
      // A brand-new token whatever cookie came in: a planted session id is never promoted (no fixation).
      setCookie(reply, SESSION_COOKIE, session.token, SESSION_ABSOLUTE_HOURS * 3600);
      clearCookie(reply, LOGIN_COOKIE);
      return reply.redirect(next, 303);
    } catch (error) {
      const { errors, status } = formErrors(request, error, 'code', reply);
      if (error instanceof AppError && error.code === 'identity.challenge_invalid') clearCookie(reply, LOGIN_COOKIE);
      return codePage(request, reply, next, errors, status);
    }
  });

  server.post('/logout', { config: { policy: 'person' } }, async (request, reply) => {
    await app.identity.sessions.logout(principalOf(request));
    clearCookie(reply, SESSION_COOKIE);
    return reply.redirect(`/login?lang=${request.locale}&signedOut=1`, 303);
  });

  async function enrolPage(request: FastifyRequest, reply: FastifyReply, token: string, errors: FieldErrors = new Map(), status = 200) {
    const locale = request.locale;
    const info = await app.identity.directory.enrolment(token);
    const uri = otpauthUri(info.totpSecret, info.email, 'Custodia');
    const grouped = info.totpSecret.match(/.{1,4}/g)?.join(' ') ?? info.totpSecret;
    return send(reply, request, app, undefined, {
      title: t(locale, 'enrol.title'),
      path: '/enrol',
      status,
      body: html`<h1>${t(locale, 'enrol.title')}</h1>
<p>${t(locale, 'enrol.intro', { email: info.email })}</p>
${errorSummary(locale, errors, (f) => f)}
<form method="post" action="/enrol/${token}" novalidate>
${csrfField(request, reply)}${langField(locale)}
<input type="text" name="username" value="${info.email}" autocomplete="username" hidden>
${newPasswordFields(locale, { email: info.email, label: t(locale, 'login.password'), errors })}
<div class="field"><p id="totp-secret-label">${t(locale, 'enrol.totp')}</p>
<p><code class="secret" id="totp-secret" data-secret="${info.totpSecret}" aria-labelledby="totp-secret-label">${grouped}</code></p>
<p><a href="${uri}">${t(locale, 'enrol.totpLink')}</a></p></div>
${textField({ id: 'code', label: t(locale, 'enrol.code'), value: undefined, errors, autocomplete: 'one-time-code', inputmode: 'numeric', required: true })}
<div><button type="submit">${t(locale, 'enrol.submit')}</button></div>
</form>`,
    });
  }

  server.get('/enrol/:token', pub, async (request, reply) => enrolPage(request, reply, (request.params as { token: string }).token));

  server.post('/enrol/:token', pub, async (request, reply) => {
    const { token } = request.params as { token: string };
    const body = bodyOf(request);
    const locale = request.locale;
    try {
      const { recoveryCodes } = await app.identity.directory.completeEnrolment(token, {
        password: one(body.password) ?? '',
        passwordConfirm: one(body.passwordConfirm) ?? '',
        code: one(body.code) ?? '',
      });
      return send(reply, request, app, undefined, {
        title: t(locale, 'enrol.done.title'),
        path: '/enrol',
        body: html`<h1>${t(locale, 'enrol.done.title')}</h1>
<p>${t(locale, 'enrol.done.codes')}</p>
<ul class="recovery-codes" id="recovery-codes">${recoveryCodes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
<p><a href="/login?lang=${locale}">${t(locale, 'enrol.done.login')}</a></p>`,
      });
    } catch (error) {
      const { errors, status } = formErrors(request, error, 'password');
      return enrolPage(request, reply, token, errors, status);
    }
  });

  function reauthPage(request: FastifyRequest, reply: FastifyReply, next: string, errors: FieldErrors = new Map(), status = 200) {
    const locale = request.locale;
    return send(reply, request, app, undefined, {
      title: t(locale, 'reauth.title'),
      path: '/reauth',
      status,
      body: html`<h1>${t(locale, 'reauth.title')}</h1>
<p>${t(locale, 'reauth.intro')}</p>
${errorSummary(locale, errors, (f) => f)}
<form method="post" action="/reauth" novalidate>
${csrfField(request, reply)}${langField(locale)}${nextField(next)}
${textField({ id: 'password', label: t(locale, 'login.password'), value: undefined, errors, type: 'password', autocomplete: 'current-password', required: true })}
${textField({ id: 'code', label: t(locale, 'login.code.label'), value: undefined, errors, autocomplete: 'one-time-code', required: true })}
<div><button type="submit">${t(locale, 'reauth.submit')}</button></div>
</form>`,
    });
  }

  server.get('/reauth', { config: { policy: 'person' } }, async (request, reply) =>
    reauthPage(request, reply, safeNext(one((request.query as Body).next), '/account')),
  );

  server.post('/reauth', { config: { policy: 'person' } }, async (request, reply) => {
    const body = bodyOf(request);
    const next = safeNext(one(body.next), '/account');
    try {
      await app.identity.sessions.reauthenticate(principalOf(request), { password: one(body.password) ?? '', code: one(body.code) ?? '' });
      return reply.redirect(next, 303);
    } catch (error) {
      const { errors, status } = formErrors(request, error, 'password');
      return reauthPage(request, reply, next, errors, status);
    }
  });
}
