import type { FastifyInstance } from 'fastify';
import type { App } from '../../../app.ts';
import { type Locale, t } from '../../../i18n/index.ts';
import { AppError } from '../../../lib/errors.ts';
import type { Citation } from '../../../modules/knowledge/index.ts';
import { html, type SafeHtml } from '../../html.ts';
import { href } from '../layout.ts';
import { badge, explained, maybe, send, stateLink } from './common.ts';

const CONFIDENCE_ORDER = ['verified', 'secondary', 'uncertain', 'unverified'];

/** The weakest confidence among the citations a record rests on. */
export function weakest(list: Citation[]): string | undefined {
  return list.map((c) => c.confidence as string).sort((a, b) => CONFIDENCE_ORDER.indexOf(b) - CONFIDENCE_ORDER.indexOf(a))[0];
}

export function confidenceCell(locale: Locale, list: Citation[]): SafeHtml {
  const c = weakest(list);
  return c ? badge(locale, c) : html``;
}

export function registerTreatyPages(server: FastifyInstance, app: App): void {
  server.get('/treaties', { config: { policy: 'public' } }, async (request, reply) => {
    const locale = request.locale;
    const snap = await app.knowledge.snapshot();
    const title = t(locale, 'treaties.title');
    const body = html`<h1>${title}</h1>
<h2>${t(locale, 'treaties.list')}</h2>
<ul class="instruments">${[...snap.instruments.values()].map(
      (i) => html`<li><a href="${href(locale, `/treaties/${encodeURIComponent(i.id)}`)}">${i.shortTitle[locale]}</a> (${i.id}) — ${i.title[locale]}</li>`,
    )}</ul>`;
    return send(reply, request, app, snap, { title, path: '/treaties', body });
  });

  server.get<{ Params: { id: string } }>('/treaties/:id', { config: { policy: 'public' } }, async (request, reply) => {
    const locale = request.locale;
    const snap = await app.knowledge.snapshot();
    const id = request.params.id.toUpperCase();
    if (!snap.instruments.has(id)) throw new AppError('not_found', { message: `no instrument ${request.params.id}` });
    const status = await app.knowledge.treatyStatus(id);
    const instrument = status.instrument;
    const general = status.general;
    const rows = [...status.states].sort((a, b) => snap.stateName(a.state, locale).localeCompare(snap.stateName(b.state, locale), locale));
    const body = html`<h1>${instrument.shortTitle[locale]}</h1>
<p>${instrument.title[locale]}</p>
<p class="kb-version">${t(locale, 'answer.kbVersion', { version: status.kbVersion })}</p>
<section aria-labelledby="general-title">
<h2 id="general-title">${t(locale, 'treaties.general')}</h2>
<dl class="facts">
<dt>${t(locale, 'treaties.generalStatus')}</dt><dd>${maybe(locale, `status.${general.status}`, general.status)}</dd>
${general.date ? html`<dt>${t(locale, 'treaties.date')}</dt><dd>${general.date}</dd>` : ''}
<dt>${t(locale, 'treaties.parties')}</dt><dd>${
      // Once in force, the Parties recorded (never "10 of 5 instruments"); before, the consents against the threshold.
      general.status === 'pending'
        ? t(locale, 'treaties.deposited', { deposited: general.deposited, threshold: general.threshold })
        : t(locale, 'legal.eif.parties', { count: general.parties })
    }</dd>
</dl>
${explained(locale, snap, general, 3)}
</section>
<section aria-labelledby="states-title">
<h2 id="states-title">${t(locale, 'treaties.parties')} / ${t(locale, 'treaties.signatories')}</h2>
<div class="table-scroll">
<table>
<caption>${t(locale, 'treaties.caption', { instrument: instrument.shortTitle[locale] })}</caption>
<thead><tr>
<th scope="col">${t(locale, 'treaties.state')}</th>
<th scope="col">${t(locale, 'treaties.signature')}</th>
<th scope="col">${t(locale, 'treaties.consent')}</th>
<th scope="col">${t(locale, 'treaties.eif')}</th>
<th scope="col">${t(locale, 'treaties.status')}</th>
<th scope="col">${t(locale, 'table.confidence')}</th>
</tr></thead>
<tbody>${rows.map(
      (r) => html`<tr>
<th scope="row">${stateLink(locale, snap, r.state)}</th>
<td>${r.signature ?? ''}</td>
<td>${r.consent ? html`${maybe(locale, `event.${r.consent.event}`, r.consent.event)} ${r.consent.date}` : ''}</td>
<td>${r.entryIntoForce ?? ''}</td>
<td>${maybe(locale, `status.${r.status}`, r.status)}</td>
<td>${confidenceCell(locale, r.citations)}</td>
</tr>`,
    )}</tbody>
</table>
</div>
${rows.length === 0 ? html`<p>${t(locale, 'states.none')}</p>` : ''}
</section>`;
    return send(reply, request, app, snap, { title: instrument.shortTitle[locale], path: `/treaties/${id}`, body });
  });
}
