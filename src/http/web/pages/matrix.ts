import type { FastifyInstance } from 'fastify';
import type { App } from '../../../app.ts';
import { t } from '../../../i18n/index.ts';
import { html } from '../../html.ts';
import { send, sortedStates, stateLink } from './common.ts';

export function registerMatrixPage(server: FastifyInstance, app: App): void {
  server.get('/offences/matrix', { config: { policy: 'public' } }, async (request, reply) => {
    const locale = request.locale;
    const snap = await app.knowledge.snapshot();
    const today = app.knowledge.today();
    const states = sortedStates(snap, locale).filter((s) => snap.catalogues.has(s.code));
    const conducts = [...snap.conducts.values()].sort((a, b) => a.name[locale].localeCompare(b.name[locale], locale));
    const title = t(locale, 'matrix.title');
    const cell = (state: string, conduct: string) => {
      const offences = snap.offencesFor(state, conduct).filter((o) => !o.repealed || o.repealed > today);
      if (offences.length > 0) {
        return html`<ul class="offences">${offences.map(
          (o) => html`<li>${o.law}, ${t(locale, 'common.article', { article: o.article })} «${o.name[locale]}» (${o.penalty.text[locale]})</li>`,
        )}</ul>`;
      }
      const reviewed = snap.catalogues.get(state)?.reviewedConducts.includes(conduct);
      return reviewed ? html`<em>${t(locale, 'matrix.notCriminalised')}</em>` : html`<span class="not-reviewed">${t(locale, 'matrix.notReviewed')}</span>`;
    };
    const body = html`<h1>${title}</h1>
<p>${t(locale, 'matrix.caption')}</p>
${
  states.length === 0
    ? html`<p>${t(locale, 'states.none')}</p>`
    : html`<div class="table-scroll">
<table class="matrix">
<caption>${t(locale, 'matrix.conductsCaption')}</caption>
<thead><tr><th scope="col">${t(locale, 'dual.conduct')}</th>${states.map((s) => html`<th scope="col">${stateLink(locale, snap, s.code)}</th>`)}</tr></thead>
<tbody>${conducts.map((c) => html`<tr><th scope="row">${c.name[locale]}</th>${states.map((s) => html`<td>${cell(s.code, c.id)}</td>`)}</tr>`)}</tbody>
</table>
</div>`
}`;
    return send(reply, request, app, snap, { title, path: '/offences/matrix', body });
  });
}
