import type { FastifyRequest } from 'fastify';
import { type Locale, t } from '../../i18n/index.ts';
import { ANON_CSRF_COOKIE } from '../auth/cookies.ts';
import { html, type SafeHtml } from '../html.ts';

export interface PageOptions {
  title: string;
  /** Path of the current page without query, for aria-current in the navigation. */
  path: string;
  body: SafeHtml;
  kbVersion?: string;
  timeZone?: string;
  /** Scripts from /assets that enhance the page (it works without them). */
  scripts?: string[];
}

const NAV: Array<{ href: string; key: string }> = [
  { href: '/', key: 'nav.home' },
  { href: '/legal/finder', key: 'nav.finder' },
  { href: '/legal/dual-criminality', key: 'nav.dual' },
  { href: '/treaties', key: 'nav.treaties' },
  { href: '/states', key: 'nav.states' },
  { href: '/offences/matrix', key: 'nav.matrix' },
  { href: '/ledger', key: 'nav.ledger' },
  { href: '/api/docs', key: 'nav.api' },
];

/** The same URL in the other language: the switch is a plain link, so it works without JavaScript. */
export function switchLanguageHref(request: FastifyRequest, to: Locale): string {
  const url = new URL(request.url, 'http://local');
  url.searchParams.set('lang', to);
  return `${url.pathname}${url.search}`;
}

/** Keeps the chosen language on internal links. */
export function href(locale: Locale, path: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}lang=${locale}`;
}

/** For scripts that post JSON: the session's CSRF token, or the anonymous one a form on this page set. */
function csrfMeta(request: FastifyRequest): SafeHtml {
  const token = request.principal?.csrfToken ?? request.cookies?.[ANON_CSRF_COOKIE];
  return token ? html`<meta name="csrf-token" content="${token}">` : html``;
}

/** Who is signed in and what they can reach; sign-out is a POST form (with its CSRF token), so it works without JavaScript. */
function accountBar(request: FastifyRequest): SafeHtml {
  const locale = request.locale;
  const p = request.principal;
  if (p?.via !== 'session') {
    return html`<p class="account-bar"><a href="${href(locale, '/login')}">${t(locale, 'nav.signIn')}</a></p>`;
  }
  const links = [
    { path: '/account', key: 'nav.account', show: true },
    { path: '/cases', key: 'cases.ui.nav', show: true },
    { path: '/requests', key: 'coop.ui.nav.requests', show: p.permissions.has('requests.read') },
    { path: '/cooperation/dashboard', key: 'coop.ui.nav.dashboard', show: p.permissions.has('requests.read') },
    { path: '/cooperation/statistics', key: 'coop.ui.nav.statistics', show: p.permissions.has('requests.statistics') },
    { path: '/admin', key: 'nav.admin', show: p.permissions.has('users.read') },
    { path: '/audit', key: 'nav.audit', show: p.permissions.has('audit.read') },
  ].filter((l) => l.show);
  return html`<div class="account-bar"><p>${t(locale, 'nav.actingIn', { name: p.name, org: p.orgName })}</p>
<ul>${links.map((l) => html`<li><a href="${href(locale, l.path)}">${t(locale, l.key)}</a></li>`)}</ul>
<form method="post" action="/logout"><input type="hidden" name="_csrf" value="${p.csrfToken ?? ''}"><input type="hidden" name="lang" value="${locale}"><button type="submit" class="link">${t(locale, 'nav.signOut')}</button></form></div>`;
}

export function page(request: FastifyRequest, options: PageOptions): string {
  const locale = request.locale;
  const other: Locale = locale === 'es' ? 'en' : 'es';
  const nav = NAV.map(
    (item) => html`<li><a href="${href(locale, item.href)}"${item.href === options.path ? html` aria-current="page"` : ''}>${t(locale, item.key)}</a></li>`,
  );
  return html`<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Custodia</title>
<link rel="stylesheet" href="/assets/app.css">
${csrfMeta(request)}
${(options.scripts ?? []).map((src) => html`<script src="/assets/${src}" defer></script>`)}
</head>
<body>
<a class="skip-link" href="#main">${t(locale, 'skip.link')}</a>
<header class="site-header">
  <p class="brand"><a href="${href(locale, '/')}">${t(locale, 'app.name')}</a> <span class="tagline">${t(locale, 'app.tagline')}</span></p>
  <a class="lang-switch" href="${switchLanguageHref(request, other)}" hreflang="${other}" lang="${other}">${t(locale, 'lang.switch')}</a>
  ${accountBar(request)}
  <nav aria-label="${t(locale, 'nav.label')}"><ul>${nav}</ul></nav>
</header>
<main id="main" tabindex="-1">
${options.body}
</main>
<footer class="site-footer">
  ${options.kbVersion ? html`<p>${t(locale, 'footer.kb', { version: options.kbVersion })}</p>` : ''}
  ${options.timeZone ? html`<p>${t(locale, 'footer.tz', { tz: options.timeZone })}</p>` : ''}
</footer>
</body>
</html>`.value;
}
