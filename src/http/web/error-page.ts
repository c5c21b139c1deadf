import type { FastifyRequest } from 'fastify';
import { t } from '../../i18n/index.ts';
import { html } from '../html.ts';
import type { Problem } from '../problem.ts';
import { href, page } from './layout.ts';

export function renderErrorPage(request: FastifyRequest, problem: Problem): string {
  const locale = request.locale;
  const heading = problem.status === 404 ? t(locale, 'error.notFound') : problem.title;
  return page(request, {
    title: t(locale, 'error.title'),
    path: '',
    body: html`<h1>${t(locale, 'error.title')}</h1>
<div class="error-summary" role="alert">
  <p>${heading}</p>
  ${problem.errors ? html`<ul>${problem.errors.map((e) => html`<li>${e.message}</li>`)}</ul>` : ''}
</div>
<p><a href="${href(locale, '/')}">${t(locale, 'error.back')}</a></p>`,
  });
}
