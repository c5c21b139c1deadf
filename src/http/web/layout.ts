import type { FastifyRequest } from 'fastify';
import { type Locale, t } from '../../i18n/index.ts';
import { html, type SafeHtml } from '../html.ts';

export interface PageOptions {
  title: string;
  /** Path of the current page without query, for aria-current in the navigation. */
  path: string;
  body: SafeHtml;
  kbVersion?: string;
  timeZone?: string;
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
</head>
<body>
<a class="skip-link" href="#main">${t(locale, 'skip.link')}</a>
<header class="site-header">
  <p class="brand"><a href="${href(locale, '/')}">${t(locale, 'app.name')}</a> <span class="tagline">${t(locale, 'app.tagline')}</span></p>
  <a class="lang-switch" href="${switchLanguageHref(request, other)}" hreflang="${other}" lang="${other}">${t(locale, 'lang.switch')}</a>
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
