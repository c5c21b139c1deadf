/**
 * The cases of the organisation a person acts in that they are on the access list of, and a form
 * to open a new one (its creator goes on its access list with it). Opening a case needs a recent
 * sign-in: without one, the person confirms their identity and comes back here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { t } from '../../../i18n/index.ts';
import { csrfField } from '../../auth/csrf.ts';
import { html } from '../../html.ts';
import { href } from '../layout.ts';
import {
  bodyOf,
  can,
  doneNotice,
  type FieldErrors,
  focusedSummary,
  langField,
  lineField,
  one,
  refusal,
  renameFields,
  sendPrivate,
  when,
  who,
} from './common.ts';
import { casePageUrl } from './cooperation-common.ts';
import { caseUrl } from './evidence.ts';
import { isReauth, reauthLocation } from './identity-common.ts';

export function registerCasePages(server: FastifyInstance, app: App): void {
  const tz = app.config.timeZone;

  async function casesPage(
    request: FastifyRequest,
    reply: FastifyReply,
    state: { errors?: FieldErrors; status?: number; values?: { reference?: string; title?: string } } = {},
  ): Promise<FastifyReply> {
    const locale = request.locale;
    const { principal, actor, orgId } = who(request);
    const cases = await app.cases.list(actor, orgId);
    const errors = state.errors ?? new Map();
    const values = state.values ?? {};
    const title = t(locale, 'cases.ui.title');
    const readable = can(principal, 'evidence.read');
    const cooperates = can(principal, 'requests.read');
    const rows = cases.map(
      (c) => html`<tr>
<th scope="row">${readable ? html`<a href="${href(locale, caseUrl(c.reference))}">${c.reference}</a>` : c.reference}</th>
<td>${c.title || html`<em>${t(locale, 'common.none')}</em>`}</td>
<td>${when(locale, c.createdAt, tz)}</td>
${cooperates ? html`<td><a href="${href(locale, casePageUrl(c.reference))}">${t(locale, 'coop.ui.case.link')}</a></td>` : ''}
</tr>`,
    );
    const form = can(principal, 'cases.create')
      ? html`<section aria-labelledby="new-case-title">
<h2 id="new-case-title">${t(locale, 'cases.ui.new')}</h2>
<p>${t(locale, 'cases.ui.new.intro')}</p>
<form class="query" method="post" action="/cases" novalidate aria-labelledby="new-case-title">
${csrfField(request, reply)}${langField(locale)}
${lineField({ id: 'reference', label: t(locale, 'cases.ui.reference'), hint: t(locale, 'cases.ui.reference.hint'), value: values.reference, errors, required: true, maxlength: 100, spellcheck: false })}
${lineField({ id: 'title', label: t(locale, 'cases.ui.caseTitle'), hint: t(locale, 'cases.ui.caseTitle.hint'), value: values.title, errors, maxlength: 300 })}
<div><button type="submit">${t(locale, 'cases.ui.new.submit')}</button></div>
</form>
</section>`
      : '';
    return sendPrivate(reply, request, app, {
      title,
      path: '/cases',
      status: state.status ?? 200,
      body: html`${focusedSummary(locale, errors)}
<h1>${title}</h1>
${doneNotice(locale, request, 'cases.ui.done.', ['case_created'])}
<p>${t(locale, 'cases.ui.intro', { org: principal.orgName })}</p>
${
  cases.length === 0
    ? html`<p>${t(locale, 'cases.ui.none')}</p>`
    : html`<div class="table-scroll">
<table class="identity-table">
<caption>${t(locale, 'cases.ui.caption', { org: principal.orgName, tz })}</caption>
<thead><tr><th scope="col">${t(locale, 'cases.ui.reference')}</th><th scope="col">${t(locale, 'cases.ui.caseTitle')}</th><th scope="col">${t(
        locale,
        'cases.ui.opened',
      )}</th>${cooperates ? html`<th scope="col">${t(locale, 'coop.ui.case.column')}</th>` : ''}</tr></thead>
<tbody>${rows}</tbody>
</table>
</div>`
}
${form}
<p><a href="${href(locale, '/evidence/verify-package')}">${t(locale, 'cases.ui.verifyLink')}</a></p>`,
    });
  }

  server.get('/cases', { config: { policy: 'signed-in' } }, async (request, reply) => casesPage(request, reply));

  server.post('/cases', { config: { policy: { permission: 'cases.create' } } }, async (request, reply) => {
    const locale = request.locale;
    const { principal, actor, orgId } = who(request);
    const body = bodyOf(request);
    const values = { reference: one(body.reference)?.trim() ?? '', title: one(body.title) ?? '' };
    try {
      await app.cases.create(actor, { ...values, orgId });
    } catch (error) {
      if (isReauth(error)) return reply.redirect(reauthLocation(locale, '/cases'), 303);
      const { errors, status } = refusal(request, error, 'reference');
      return casesPage(request, reply, { errors: renameFields(errors, { reference: 'reference', title: 'title' }, 'reference'), status, values });
    }
    const next = can(principal, 'evidence.read') ? caseUrl(values.reference) : '/cases';
    return reply.redirect(`${next}?lang=${locale}&done=case_created`, 303);
  });
}
