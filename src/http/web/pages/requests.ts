/**
 * The requests a person may see in their organisation (those of the cases on whose access list they
 * are), newest first, filtered by case, state, direction and type with a plain GET form.
 */
import type { FastifyInstance } from 'fastify';
import type { App } from '../../../app.ts';
import { t } from '../../../i18n/index.ts';
import { DIRECTIONS, REQUEST_STATES } from '../../../modules/cooperation/index.ts';
import { MEASURES } from '../../../modules/knowledge/index.ts';
import { html } from '../../html.ts';
import { href } from '../layout.ts';
import { type FieldErrors, focusedSummary, langField, measureOptions, one, queryOf, selectField, sendPrivate, who } from './common.ts';
import { directionLabel, requestsTable, stateLabel } from './cooperation-common.ts';

export function registerRequestsPage(server: FastifyInstance, app: App): void {
  const tz = app.config.timeZone;

  server.get('/requests', { config: { policy: { permission: 'requests.read' } } }, async (request, reply) => {
    const locale = request.locale;
    const { actor, orgId } = who(request);
    const query = queryOf(request);
    const [cases, snap] = await Promise.all([app.cases.list(actor, orgId), app.knowledge.snapshot()]);
    const filter = {
      caseReference: one(query.case) ?? '',
      state: one(query.state) ?? '',
      direction: one(query.direction) ?? '',
      type: one(query.type) ?? '',
    };
    const errors: FieldErrors = new Map();
    // Only values the form offers: anything else is named, not silently ignored.
    if (filter.caseReference && !cases.some((c) => c.reference === filter.caseReference)) errors.set('case', [t(locale, 'coop.ui.filter.unknownCase')]);
    if (filter.state && !(REQUEST_STATES as readonly string[]).includes(filter.state)) errors.set('state', [t(locale, 'coop.ui.filter.invalid')]);
    if (filter.direction && !(DIRECTIONS as readonly string[]).includes(filter.direction)) errors.set('direction', [t(locale, 'coop.ui.filter.invalid')]);
    if (filter.type && !(MEASURES as readonly string[]).includes(filter.type)) errors.set('type', [t(locale, 'coop.ui.filter.invalid')]);
    const list =
      errors.size > 0
        ? []
        : (
            await app.cooperation.list(actor, orgId, {
              ...(filter.caseReference ? { caseReference: filter.caseReference } : {}),
              ...(filter.state ? { state: filter.state } : {}),
              ...(filter.direction ? { direction: filter.direction } : {}),
            })
          ).filter((r) => !filter.type || r.type === filter.type);
    const title = t(locale, 'coop.ui.requests.title');
    const any = t(locale, 'coop.ui.filter.any');
    return sendPrivate(reply, request, app, {
      title,
      path: '/requests',
      status: errors.size > 0 ? 422 : 200,
      body: html`${focusedSummary(locale, errors)}
<h1>${title}</h1>
<p>${t(locale, 'coop.ui.requests.intro')}</p>
<form class="query" method="get" action="/requests" novalidate aria-label="${t(locale, 'coop.ui.filter')}">
${langField(locale)}
${selectField({ id: 'case', label: t(locale, 'coop.ui.case'), options: cases.map((c) => ({ value: c.reference, label: c.title ? `${c.reference} — ${c.title}` : c.reference })), selected: filter.caseReference, errors, placeholder: any })}
${selectField({ id: 'state', label: t(locale, 'coop.ui.state'), options: REQUEST_STATES.map((s) => ({ value: s, label: stateLabel(locale, s) })), selected: filter.state, errors, placeholder: any })}
${selectField({ id: 'direction', label: t(locale, 'coop.ui.direction'), options: DIRECTIONS.map((d) => ({ value: d, label: directionLabel(locale, d) })), selected: filter.direction, errors, placeholder: any })}
${selectField({ id: 'type', label: t(locale, 'coop.ui.type'), options: measureOptions(locale, MEASURES), selected: filter.type, errors, placeholder: any })}
<div><button type="submit">${t(locale, 'coop.ui.filter.submit')}</button></div>
</form>
${
  list.length === 0
    ? html`<p>${t(locale, 'coop.ui.requests.none')}</p>`
    : requestsTable(locale, snap, list, { caption: t(locale, 'coop.ui.requests.caption', { count: list.length, tz }), tz, withCase: true })
}
<p><a href="${href(locale, '/cooperation/dashboard')}">${t(locale, 'coop.ui.dashboard.link')}</a></p>`,
    });
  });
}
