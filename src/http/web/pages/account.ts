import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { type Locale, t } from '../../../i18n/index.ts';
import { otpauthUri } from '../../../lib/totp.ts';
import { type ApiTokenInfo, type Principal, REAUTH_MINUTES, SESSION_ABSOLUTE_HOURS } from '../../../modules/identity/index.ts';
import { clearCookie, SESSION_COOKIE, setCookie } from '../../auth/cookies.ts';
import { csrfField } from '../../auth/csrf.ts';
import { principalOf } from '../../context.ts';
import { html } from '../../html.ts';
import { href } from '../layout.ts';
import {
  bodyOf,
  checkboxGroup,
  checkboxId,
  doneNotice,
  errorSummary,
  type FieldErrors,
  formErrors,
  hidden,
  inputField,
  langField,
  many,
  one,
  onFields,
  sendPrivate,
  textField,
  when,
} from './common.ts';

import { client, isReauth, newPasswordFields, permissionName, reauthLocation, roleNames } from './identity-common.ts';
import { passkeySection } from './passkeys.ts';

// ---- The account page ----

const DONE = ['switched', 'session_revoked', 'totp_changed', 'token_revoked', 'password_changed'] as const;
const TOKEN_FIELDS = ['name', 'scopes', 'expiresInDays'] as const;

interface TokenValues {
  name?: string | undefined;
  scopes: string[];
  expiresInDays?: string | undefined;
}

function tokenState(locale: Locale, token: ApiTokenInfo, now: number): string {
  if (token.revokedAt) return t(locale, 'account.tokens.state.revoked');
  if (Date.parse(token.expiresAt) <= now) return t(locale, 'account.tokens.state.expired');
  return t(locale, 'account.tokens.state.active');
}

export function registerAccountPages(server: FastifyInstance, app: App): void {
  const person = { config: { policy: 'person' as const } };
  const tz = app.config.timeZone;

  async function accountPage(
    request: FastifyRequest,
    reply: FastifyReply,
    state: { errors?: FieldErrors; status?: number; token?: TokenValues } = {},
  ): Promise<FastifyReply> {
    const locale = request.locale;
    const principal = principalOf(request);
    const errors = state.errors ?? new Map();
    const [organisations, sessions, tokens, codesLeft] = await Promise.all([
      app.identity.sessions.organisationsOf(principal.userId),
      app.identity.sessions.list(principal),
      app.identity.tokens.list(principal),
      app.identity.sessions.recoveryCodesLeft(principal.userId),
    ]);
    const passkeys = await app.identity.passkeys.list(principal);
    const orgName = (id: string) => organisations.find((o) => o.id === id)?.name ?? id;
    const now = app.clock.now().getTime();
    const title = t(locale, 'account.title');
    const csrf = csrfField(request, reply);

    const profile = html`<section aria-labelledby="profile-title">
<h2 id="profile-title">${t(locale, 'account.profile')}</h2>
<dl class="facts">
<dt>${t(locale, 'account.name')}</dt><dd>${principal.name}</dd>
<dt>${t(locale, 'account.email')}</dt><dd>${principal.email}</dd>
<dt>${t(locale, 'account.organisation')}</dt><dd>${principal.orgName} (<code>${principal.orgId}</code>)</dd>
<dt>${t(locale, 'account.roles')}</dt><dd>${principal.roles.length > 0 ? roleNames(locale, principal.roles) : html`<em>${t(locale, 'common.none')}</em>`}</dd>
</dl>
</section>`;

    const switcher = html`<section aria-labelledby="organisations-title">
<h2 id="organisations-title">${t(locale, 'account.switch')}</h2>
${
  organisations.length > 1
    ? html`<p>${t(locale, 'account.switch.intro')}</p>
<form class="query" method="post" action="/account/organisation" novalidate>
${csrf}${langField(locale)}
<div class="field">
<label for="orgId">${t(locale, 'account.switch.label')}</label>
${errors.get('orgId') ? html`<p class="field-error" id="orgId-error">${errors.get('orgId')?.join(' ')}</p>` : ''}
<select id="orgId" name="orgId"${errors.get('orgId') ? html` aria-describedby="orgId-error" aria-invalid="true"` : ''}>
${organisations.map((o) => html`<option value="${o.id}"${o.id === principal.orgId ? html` selected` : ''}>${o.name}</option>`)}
</select>
</div>
<div><button type="submit">${t(locale, 'account.switch.submit')}</button></div>
</form>`
    : html`<p>${t(locale, 'account.switch.only', { org: principal.orgName })}</p>`
}
</section>`;

    const sessionRows = sessions.map(
      (s) => html`<tr>
<td>${when(locale, s.createdAt, tz)}${s.current ? html` <strong class="tag">${t(locale, 'account.sessions.current')}</strong>` : ''}</td>
<td>${when(locale, s.lastSeenAt, tz)}</td>
<td>${orgName(s.orgId)}</td>
<td><code>${s.ip}</code></td>
<td class="user-agent">${s.userAgent}</td>
<td><form method="post" action="/account/sessions/${s.id}/revoke">${csrf}${langField(locale)}<button type="submit" class="secondary">${
        s.current ? t(locale, 'account.sessions.signOutHere') : t(locale, 'account.sessions.revoke')
      }${s.current ? '' : hidden(t(locale, 'account.sessions.revokeWhich', { ip: s.ip, agent: s.userAgent.slice(0, 60) }))}</button></form></td>
</tr>`,
    );
    const sessionsSection = html`<section aria-labelledby="sessions-title">
<h2 id="sessions-title">${t(locale, 'account.sessions')}</h2>
<div class="table-scroll">
<table class="identity-table">
<caption>${t(locale, 'account.sessions.caption', { tz })}</caption>
<thead><tr><th scope="col">${t(locale, 'account.sessions.created')}</th><th scope="col">${t(locale, 'account.sessions.lastSeen')}</th><th scope="col">${t(
      locale,
      'account.organisation',
    )}</th><th scope="col">${t(locale, 'account.sessions.ip')}</th><th scope="col">${t(locale, 'account.sessions.agent')}</th><th scope="col">${t(
      locale,
      'account.actions',
    )}</th></tr></thead>
<tbody>${sessionRows}</tbody>
</table>
</div>
</section>`;

    const passwordSection = html`<section aria-labelledby="password-title">
<h2 id="password-title">${t(locale, 'account.password')}</h2>
<p>${t(locale, 'account.password.intro', { minutes: REAUTH_MINUTES })}</p>
<p><a href="${href(locale, '/account/password')}">${t(locale, 'account.password.submit')}</a></p>
</section>`;

    const secondFactor = html`<section aria-labelledby="second-factor-title">
<h2 id="second-factor-title">${t(locale, 'account.secondFactor')}</h2>
<p>${t(locale, 'account.secondFactor.reauth', { minutes: REAUTH_MINUTES })}</p>
<h3>${t(locale, 'account.totp')}</h3>
<p>${t(locale, 'account.totp.intro')}</p>
<form method="post" action="/account/totp/new">${csrf}${langField(locale)}<button type="submit">${t(locale, 'account.totp.change')}</button></form>
<h3>${t(locale, 'account.recovery')}</h3>
<p id="recovery-left">${t(locale, 'account.recovery.left', { count: codesLeft })}</p>
<form method="post" action="/account/recovery-codes">${csrf}${langField(locale)}<button type="submit">${t(locale, 'account.recovery.generate')}</button></form>
</section>`;

    const values = state.token ?? { scopes: [] };
    const grantable = [...principal.permissions].sort();
    const tokenRows = tokens.map(
      (tk) => html`<tr>
<th scope="row">${tk.name}</th>
<td>${tk.scopes.length > 0 ? html`<ul class="plain">${tk.scopes.map((s) => html`<li>${permissionName(locale, s)} (<code>${s}</code>)</li>`)}</ul>` : ''}</td>
<td>${when(locale, tk.createdAt, tz)}</td>
<td>${when(locale, tk.expiresAt, tz)}</td>
<td>${tk.lastUsedAt ? when(locale, tk.lastUsedAt, tz) : t(locale, 'account.tokens.neverUsed')}</td>
<td>${tokenState(locale, tk, now)}${tk.revokedAt ? html` (${when(locale, tk.revokedAt, tz)})` : ''}</td>
<td>${
        tk.revokedAt
          ? ''
          : html`<form method="post" action="/account/tokens/${tk.id}/revoke">${csrf}${langField(locale)}<button type="submit" class="secondary">${t(
              locale,
              'account.tokens.revoke',
            )}${hidden(tk.name)}</button></form>`
      }</td>
</tr>`,
    );
    const tokensSection = html`<section aria-labelledby="tokens-title">
<h2 id="tokens-title">${t(locale, 'account.tokens')}</h2>
<p>${t(locale, 'account.tokens.intro', { org: principal.orgName })}</p>
${
  tokens.length > 0
    ? html`<div class="table-scroll">
<table class="identity-table">
<caption>${t(locale, 'account.tokens.caption', { org: principal.orgName })}</caption>
<thead><tr><th scope="col">${t(locale, 'account.tokens.name')}</th><th scope="col">${t(locale, 'account.tokens.scopes')}</th><th scope="col">${t(
        locale,
        'account.tokens.created',
      )}</th><th scope="col">${t(locale, 'account.tokens.expires')}</th><th scope="col">${t(locale, 'account.tokens.lastUsed')}</th><th scope="col">${t(
        locale,
        'account.tokens.state',
      )}</th><th scope="col">${t(locale, 'account.actions')}</th></tr></thead>
<tbody>${tokenRows}</tbody>
</table>
</div>`
    : html`<p>${t(locale, 'account.tokens.none')}</p>`
}
<h3 id="new-token-title">${t(locale, 'account.tokens.new')}</h3>
${
  grantable.length === 0
    ? html`<p>${t(locale, 'account.tokens.noPermissions')}</p>`
    : html`<form class="query" method="post" action="/account/tokens" novalidate aria-labelledby="new-token-title">
${csrf}${langField(locale)}
${textField({ id: 'name', label: t(locale, 'account.tokens.name'), hint: t(locale, 'account.tokens.name.hint'), value: values.name, errors, required: true })}
${checkboxGroup({
  id: 'scopes',
  name: 'scopes',
  legend: t(locale, 'account.tokens.scopes'),
  hint: t(locale, 'account.tokens.scopes.hint'),
  options: grantable.map((p) => ({ value: p, label: `${permissionName(locale, p)} (${p})` })),
  selected: values.scopes,
  errors,
})}
${inputField({
  id: 'expiresInDays',
  type: 'number',
  label: t(locale, 'account.tokens.days'),
  hint: t(locale, 'account.tokens.days.hint'),
  value: values.expiresInDays ?? '90',
  errors,
  min: 1,
  max: 365,
  inputmode: 'numeric',
  required: true,
})}
<div><button type="submit">${t(locale, 'account.tokens.create')}</button></div>
</form>`
}
</section>`;

    return sendPrivate(reply, request, app, {
      title,
      path: '/account',
      status: state.status ?? 200,
      body: html`${errorSummary(locale, errors, (f) => (f === 'scopes' ? checkboxId('scopes', grantable[0] ?? '') : f))}
<h1>${title}</h1>
${doneNotice(locale, request, 'account.done.', DONE)}
${profile}
${switcher}
${sessionsSection}
${passwordSection}
${secondFactor}
${passkeySection(app, request, reply, passkeys)}
${tokensSection}`,
      scripts: ['passkey.js'],
    });
  }

  /** A refusal of a row action (a session or token that is not there) shown at the top of the account page. */
  async function refused(request: FastifyRequest, reply: FastifyReply, error: unknown, anchor: string) {
    const { errors, status } = formErrors(request, error, anchor);
    return accountPage(request, reply, { errors, status });
  }

  server.get('/account', person, async (request, reply) => accountPage(request, reply));

  server.post('/account/organisation', person, async (request, reply) => {
    const orgId = one(bodyOf(request).orgId) ?? '';
    try {
      const session = await app.identity.sessions.switchOrganisation(principalOf(request), orgId, client(request));
      setCookie(reply, SESSION_COOKIE, session.token, SESSION_ABSOLUTE_HOURS * 3600);
      return reply.redirect(`/account?lang=${request.locale}&done=switched`, 303);
    } catch (error) {
      return refused(request, reply, error, 'orgId');
    }
  });

  server.post('/account/sessions/:id/revoke', person, async (request, reply) => {
    const { id } = request.params as { id: string };
    const principal = principalOf(request);
    try {
      await app.identity.sessions.revoke(principal, id);
    } catch (error) {
      return refused(request, reply, error, 'sessions-title');
    }
    if (id === principal.sessionId) {
      clearCookie(reply, SESSION_COOKIE);
      return reply.redirect(`/login?lang=${request.locale}&signedOut=1`, 303);
    }
    return reply.redirect(`/account?lang=${request.locale}&done=session_revoked`, 303);
  });

  function totpPage(
    request: FastifyRequest,
    reply: FastifyReply,
    principal: Principal,
    seed: { secret?: string; sealed: string },
    errors: FieldErrors = new Map(),
    status = 200,
  ) {
    const locale = request.locale;
    const title = t(locale, 'account.totp.title');
    const csrf = csrfField(request, reply);
    const secretBlock = seed.secret
      ? html`<div class="field"><p id="totp-secret-label">${t(locale, 'enrol.totp')}</p>
<p><code class="secret" id="totp-secret" aria-labelledby="totp-secret-label">${seed.secret.match(/.{1,4}/g)?.join(' ') ?? seed.secret}</code></p>
<p><a href="${otpauthUri(seed.secret, principal.email, 'Custodia')}">${t(locale, 'enrol.totpLink')}</a></p></div>`
      : html`<p>${t(locale, 'account.totp.again')}</p>`;
    return sendPrivate(reply, request, app, {
      title,
      path: '/account',
      status,
      body: html`${errorSummary(locale, errors, (f) => f)}
<h1>${title}</h1>
<p>${t(locale, 'account.totp.steps')}</p>
<form class="query" method="post" action="/account/totp/confirm" novalidate>
${csrf}${langField(locale)}
<input type="hidden" name="sealed" value="${seed.sealed}">
${secretBlock}
${textField({ id: 'code', label: t(locale, 'enrol.code'), value: undefined, errors, autocomplete: 'one-time-code', inputmode: 'numeric', required: true })}
<div><button type="submit">${t(locale, 'account.totp.confirm')}</button></div>
</form>
${seed.secret ? '' : html`<form method="post" action="/account/totp/new">${csrf}${langField(locale)}<button type="submit" class="secondary">${t(locale, 'account.totp.restart')}</button></form>`}
<p><a href="${href(locale, '/account')}">${t(locale, 'account.back')}</a></p>`,
    });
  }

  server.post('/account/totp/new', person, async (request, reply) => {
    const principal = principalOf(request);
    try {
      const seed = app.identity.sessions.newTotpSeed(principal);
      return totpPage(request, reply, principal, seed);
    } catch (error) {
      if (isReauth(error)) return reply.redirect(reauthLocation(request.locale), 303);
      throw error;
    }
  });

  server.post('/account/totp/confirm', person, async (request, reply) => {
    const principal = principalOf(request);
    const body = bodyOf(request);
    const sealed = one(body.sealed) ?? '';
    try {
      await app.identity.sessions.confirmNewTotp(principal, sealed, one(body.code) ?? '');
      return reply.redirect(`/account?lang=${request.locale}&done=totp_changed`, 303);
    } catch (error) {
      if (isReauth(error)) return reply.redirect(reauthLocation(request.locale), 303);
      const { errors, status } = formErrors(request, error, 'code');
      return totpPage(request, reply, principal, { sealed }, errors, status);
    }
  });

  /** Changing one's password: every rule listed next to the field; needs a recent login like the other second-factor changes. */
  function passwordPage(request: FastifyRequest, reply: FastifyReply, errors: FieldErrors = new Map(), status = 200) {
    const locale = request.locale;
    const principal = principalOf(request);
    const title = t(locale, 'account.password.submit');
    return sendPrivate(reply, request, app, {
      title,
      path: '/account',
      status,
      body: html`${errorSummary(locale, errors, (f) => f)}
<h1>${title}</h1>
<p>${t(locale, 'account.password.intro', { minutes: REAUTH_MINUTES })}</p>
<form method="post" action="/account/password" novalidate>
${csrfField(request, reply)}${langField(locale)}
<input type="text" name="username" value="${principal.email}" autocomplete="username" hidden>
${newPasswordFields(locale, { email: principal.email, label: t(locale, 'account.password.new'), errors })}
<div><button type="submit">${t(locale, 'account.password.submit')}</button></div>
</form>
<p><a href="${href(locale, '/account')}">${t(locale, 'account.back')}</a></p>`,
    });
  }

  server.get('/account/password', person, async (request, reply) => {
    try {
      app.identity.sessions.requireRecentAuthentication(principalOf(request));
    } catch (error) {
      if (isReauth(error)) return reply.redirect(reauthLocation(request.locale, '/account/password'), 303);
      throw error;
    }
    return passwordPage(request, reply);
  });

  server.post('/account/password', person, async (request, reply) => {
    const body = bodyOf(request);
    try {
      await app.identity.sessions.changePassword(principalOf(request), {
        password: one(body.password) ?? '',
        passwordConfirm: one(body.passwordConfirm) ?? '',
      });
      return reply.redirect(`/account?lang=${request.locale}&done=password_changed`, 303);
    } catch (error) {
      if (isReauth(error)) return reply.redirect(reauthLocation(request.locale, '/account/password'), 303);
      const { errors, status } = formErrors(request, error, 'password');
      return passwordPage(request, reply, errors, status);
    }
  });

  server.post('/account/recovery-codes', person, async (request, reply) => {
    const locale = request.locale;
    let codes: string[];
    try {
      codes = await app.identity.sessions.regenerateRecoveryCodes(principalOf(request));
    } catch (error) {
      if (isReauth(error)) return reply.redirect(reauthLocation(locale), 303);
      throw error;
    }
    const title = t(locale, 'account.recovery.title');
    return sendPrivate(reply, request, app, {
      title,
      path: '/account',
      body: html`<h1>${title}</h1>
<p>${t(locale, 'account.recovery.shown')}</p>
<ul class="recovery-codes" id="recovery-codes">${codes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
<p><a href="${href(locale, '/account')}">${t(locale, 'account.back')}</a></p>`,
    });
  });

  server.post('/account/tokens', person, async (request, reply) => {
    const locale = request.locale;
    const principal = principalOf(request);
    const body = bodyOf(request);
    const values: TokenValues = { name: one(body.name), scopes: many(body.scopes), expiresInDays: one(body.expiresInDays) };
    let created: Awaited<ReturnType<App['identity']['tokens']['create']>>;
    try {
      created = await app.identity.tokens.create(principal, {
        name: values.name ?? '',
        scopes: values.scopes,
        ...(values.expiresInDays?.trim() ? { expiresInDays: values.expiresInDays.trim() } : {}),
      });
    } catch (error) {
      const { errors, status } = formErrors(request, error, 'name');
      return accountPage(request, reply, { errors: onFields(errors, TOKEN_FIELDS, 'name'), status, token: values });
    }
    const { token, info } = created;
    const title = t(locale, 'account.tokens.created.title');
    return sendPrivate(reply, request, app, {
      title,
      path: '/account',
      status: 201,
      body: html`<h1>${title}</h1>
<div class="notice" role="status"><p>${t(locale, 'account.tokens.created.once')}</p>
<p><code class="secret" id="new-token">${token}</code></p></div>
<dl class="facts">
<dt>${t(locale, 'account.tokens.name')}</dt><dd>${info.name}</dd>
<dt>${t(locale, 'account.organisation')}</dt><dd>${principal.orgName}</dd>
<dt>${t(locale, 'account.tokens.scopes')}</dt><dd>${info.scopes.map((s) => permissionName(locale, s)).join(', ')}</dd>
<dt>${t(locale, 'account.tokens.expires')}</dt><dd>${when(locale, info.expiresAt, tz)}</dd>
</dl>
<p>${t(locale, 'account.tokens.created.use')}</p>
<p><a href="${href(locale, '/account')}">${t(locale, 'account.back')}</a></p>`,
    });
  });

  server.post('/account/tokens/:id/revoke', person, async (request, reply) => {
    const { id } = request.params as { id: string };
    try {
      await app.identity.tokens.revoke(principalOf(request), id);
    } catch (error) {
      return refused(request, reply, error, 'tokens-title');
    }
    return reply.redirect(`/account?lang=${request.locale}&done=token_revoked`, 303);
  });
}
