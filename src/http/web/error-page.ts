import type { FastifyRequest } from 'fastify';
import { type Locale, t, tCount } from '../../i18n/index.ts';
import type { PermissionHolders } from '../../modules/identity/index.ts';
import { html, type SafeHtml } from '../html.ts';
import type { Problem } from '../problem.ts';
import { href, page } from './layout.ts';

/** What a refused person lacks and whom to ask: the permission, the roles that give it, colleagues who hold one. */
function missingPermission(locale: Locale, holders: PermissionHolders): SafeHtml {
  const list = new Intl.ListFormat(locale === 'es' ? 'es' : 'en', { type: 'disjunction' });
  const roles = list.format(holders.roles.map((r) => t(locale, `role.${r}`)));
  const where = holders.operatorOnly ? t(locale, 'error.forbidden.operator') : t(locale, 'error.forbidden.yourOrganisation');
  return html`<section aria-labelledby="missing-title">
<h2 id="missing-title">${t(locale, 'error.forbidden.title')}</h2>
<p>${tCount(locale, 'error.forbidden.needs', holders.roles.length, { permission: t(locale, `permission.${holders.permission}`), roles, where })}</p>
${
  holders.people.length > 0
    ? html`<p>${t(locale, 'error.forbidden.holders')}</p>
<ul>${holders.people.map((p) => html`<li>${p.name} (<a href="mailto:${p.email}">${p.email}</a>)</li>`)}</ul>`
    : html`<p>${t(locale, 'error.forbidden.nobody')}</p>`
}
</section>`;
}

export function renderErrorPage(request: FastifyRequest, problem: Problem, holders?: PermissionHolders): string {
  const locale = request.locale;
  const heading = problem.status === 404 ? t(locale, 'error.notFound') : holders ? t(locale, 'error.forbidden.heading') : problem.title;
  return page(request, {
    title: t(locale, 'error.title'),
    path: '',
    body: html`<h1>${t(locale, 'error.title')}</h1>
<div class="error-summary" role="alert">
  <p>${heading}</p>
  ${problem.errors ? html`<ul>${problem.errors.map((e) => html`<li>${e.message}</li>`)}</ul>` : ''}
</div>
${holders ? missingPermission(locale, holders) : ''}
<p><a href="${href(locale, '/')}">${t(locale, 'error.back')}</a></p>`,
  });
}
