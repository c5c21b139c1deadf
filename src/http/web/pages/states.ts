import type { FastifyInstance } from 'fastify';
import type { App } from '../../../app.ts';
import { type Locale, t } from '../../../i18n/index.ts';
import { AppError } from '../../../lib/errors.ts';
import type { KnowledgeSnapshot } from '../../../modules/knowledge/index.ts';
import { PROFILE_SECTIONS, type ResolvedClaim, type ResolvedFact } from '../../../modules/knowledge/index.ts';
import { html, type SafeHtml } from '../../html.ts';
import { href } from '../layout.ts';
import { instrumentLink, languageName, maybe, send, sortedStates, sourceRef } from './common.ts';
import { confidenceCell } from './treaties.ts';

type Profile = Awaited<ReturnType<App['knowledge']['profile']>>;

function historyLink(id: string): string {
  return `/api/v1/kb/history?${new URLSearchParams({ kind: 'profile-fact', key: id }).toString()}`;
}

function claim(locale: Locale, c: ResolvedClaim): SafeHtml {
  return html`${c.fact.text[locale]} <span class="source">(${t(locale, 'table.source')}: ${sourceRef(locale, c.citation)})</span> <a class="history" href="${historyLink(c.fact.id)}">${t(locale, 'states.historyLink')}</a>`;
}

function factBlock(locale: Locale, f: ResolvedFact): SafeHtml {
  return html`<div class="fact">
<p><strong>${t(locale, 'states.current')}:</strong> ${claim(locale, f.current)}</p>
${f.disputed ? html`<p class="warnings">${t(locale, 'states.disputed')}</p>` : ''}
${
  f.others.length > 0
    ? html`<p><strong>${t(locale, 'states.setAside')}:</strong></p>
<ul class="set-aside">${f.others.map(
        (o) =>
          html`<li class="superseded"><span class="standing">${maybe(locale, `standing.${o.standing}`, o.standing)}</span> — ${claim(locale, o)}${
            o.reason ? html` <span class="reason">${t(locale, 'states.reason', { reason: maybe(locale, `reason.${o.reason}`, o.reason) })}</span>` : ''
          }</li>`,
      )}</ul>`
    : ''
}
</div>`;
}

function factsSection(locale: Locale, facts: ResolvedFact[]): SafeHtml {
  if (facts.length === 0) return html`<p>${t(locale, 'states.none')}</p>`;
  const bySection = Map.groupBy(facts, (f) => f.section);
  return html`${PROFILE_SECTIONS.filter((s) => bySection.has(s)).map(
    (s) => html`<h3>${maybe(locale, `section.${s}`, s)}</h3>
${(bySection.get(s) ?? []).map((f) => factBlock(locale, f))}`,
  )}`;
}

function profileBody(locale: Locale, snap: KnowledgeSnapshot, p: Profile): SafeHtml {
  const name = p.state.name[locale];
  const art = (a: string) => t(locale, 'common.article', { article: a });
  return html`<h1>${t(locale, 'states.profile', { state: name })}</h1>
<p class="kb-version">${t(locale, 'answer.kbVersion', { version: p.kbVersion })}</p>

<section aria-labelledby="treaties-title">
<h2 id="treaties-title">${t(locale, 'states.treaties')}</h2>
<div class="table-scroll"><table>
<caption>${t(locale, 'states.treaties.caption', { state: name })}</caption>
<thead><tr><th scope="col">${t(locale, 'table.instrument')}</th><th scope="col">${t(locale, 'treaties.signature')}</th><th scope="col">${t(locale, 'treaties.consent')}</th><th scope="col">${t(locale, 'treaties.eif')}</th><th scope="col">${t(locale, 'treaties.status')}</th><th scope="col">${t(locale, 'table.confidence')}</th></tr></thead>
<tbody>${p.treaties.map(
    (r) =>
      html`<tr><th scope="row">${instrumentLink(locale, snap, r.instrument)}</th><td>${r.signature ?? ''}</td><td>${r.consent ? html`${maybe(locale, `event.${r.consent.event}`, r.consent.event)} ${r.consent.date}` : ''}</td><td>${r.entryIntoForce ?? ''}</td><td>${maybe(locale, `status.${r.status}`, r.status)}</td><td>${confidenceCell(locale, r.citations)}</td></tr>`,
  )}</tbody>
</table></div>
</section>

<section aria-labelledby="authorities-title">
<h2 id="authorities-title">${t(locale, 'states.authorities')}</h2>
${
  p.authorities.length > 0
    ? html`<div class="table-scroll"><table>
<caption>${t(locale, 'states.authorities.caption', { state: name })}</caption>
<thead><tr><th scope="col">${t(locale, 'table.role')}</th><th scope="col">${t(locale, 'table.name')}</th><th scope="col">${t(locale, 'table.languages')}</th><th scope="col">${t(locale, 'table.source')}</th></tr></thead>
<tbody>${p.authorities.map(
        (a) =>
          html`<tr><th scope="row">${maybe(locale, `role.${a.role}`, a.role)}</th><td>${a.name[locale]}${a.instruments.length > 0 ? html` <span class="hint">(${a.instruments.map((i) => snap.instruments.get(i)?.shortTitle[locale] ?? i).join(', ')})</span>` : ''}</td><td>${a.acceptedLanguages.length > 0 ? a.acceptedLanguages.map((l) => languageName(locale, l)).join(', ') : html`<em>${t(locale, 'finder.languages.unknown')}</em>`}</td><td>${sourceRef(locale, snap.cite(a))}</td></tr>`,
      )}</tbody>
</table></div>`
    : html`<p>${t(locale, 'states.none')}</p>`
}
</section>

<section aria-labelledby="declarations-title">
<h2 id="declarations-title">${t(locale, 'states.declarations')}</h2>
${
  p.declarations.length > 0
    ? html`<div class="table-scroll"><table>
<caption>${t(locale, 'states.declarations.caption', { state: name })}</caption>
<thead><tr><th scope="col">${t(locale, 'table.instrument')}</th><th scope="col">${t(locale, 'table.kind')}</th><th scope="col">${t(locale, 'table.articles')}</th><th scope="col">${t(locale, 'table.text')}</th><th scope="col">${t(locale, 'table.effect')}</th><th scope="col">${t(locale, 'table.source')}</th></tr></thead>
<tbody>${p.declarations.map(
        (d) =>
          html`<tr><th scope="row">${instrumentLink(locale, snap, d.instrument)}</th><td>${maybe(locale, `finder.kind.${d.kind}`, d.kind)}</td><td>${d.articles.map(art).join(', ')}</td><td>${d.text[locale]}</td><td>${maybe(locale, `effect.${d.effect.type}`, d.effect.type)}${
            d.withdrawn
              ? html`<br><strong>${t(locale, 'states.declarations.withdrawn', { date: d.withdrawn.date })}</strong> (${sourceRef(locale, snap.cite(d.withdrawn))})`
              : ''
          }</td><td>${sourceRef(locale, snap.cite(d))}</td></tr>`,
      )}</tbody>
</table></div>`
    : html`<p>${t(locale, 'states.none')}</p>`
}
</section>

<section aria-labelledby="offences-title">
<h2 id="offences-title">${t(locale, 'states.offences')}</h2>
${
  p.offences && p.offences.offences.length > 0
    ? html`<div class="table-scroll"><table>
<caption>${t(locale, 'states.offences.caption', { state: name })}</caption>
<thead><tr><th scope="col">${t(locale, 'table.law')}</th><th scope="col">${t(locale, 'table.article')}</th><th scope="col">${t(locale, 'table.name')}</th><th scope="col">${t(locale, 'table.conducts')}</th><th scope="col">${t(locale, 'table.penalty')}</th><th scope="col">${t(locale, 'table.source')}</th></tr></thead>
<tbody>${p.offences.offences.map(
        (o) =>
          html`<tr><td>${o.law}</td><td>${o.article}</td><th scope="row">${o.name[locale]}</th><td>${o.conducts.map((c) => snap.conducts.get(c)?.name[locale] ?? c).join(', ')}</td><td>${o.penalty.text[locale]}</td><td>${sourceRef(locale, snap.cite(o))}</td></tr>`,
      )}</tbody>
</table></div>`
    : html`<p>${t(locale, 'states.none')}</p>`
}
</section>

<section aria-labelledby="facts-title">
<h2 id="facts-title">${t(locale, 'states.facts')}</h2>
${factsSection(locale, p.facts)}
</section>`;
}

export function registerStatePages(server: FastifyInstance, app: App): void {
  server.get('/states', { config: { policy: 'public' } }, async (request, reply) => {
    const locale = request.locale;
    const snap = await app.knowledge.snapshot();
    const withFacts = new Set(snap.dataset.profileFacts.map((f) => f.state));
    const title = t(locale, 'states.title');
    const body = html`<h1>${title}</h1>
<h2>${t(locale, 'states.list')}</h2>
<ul class="states">${sortedStates(snap, locale).map(
      (s) =>
        html`<li><a href="${href(locale, `/states/${encodeURIComponent(s.code)}`)}">${s.name}</a> (${s.code})${withFacts.has(s.code) ? html` <span class="tag">${t(locale, 'states.hasProfile')}</span>` : ''}${
          snap.catalogues.has(s.code) ? html` <span class="tag">${t(locale, 'states.hasOffences')}</span>` : ''
        }</li>`,
    )}</ul>`;
    return send(reply, request, app, snap, { title, path: '/states', body });
  });

  server.get<{ Params: { code: string } }>('/states/:code', { config: { policy: 'public' } }, async (request, reply) => {
    const locale = request.locale;
    const snap = await app.knowledge.snapshot();
    const code = request.params.code.toUpperCase();
    if (!snap.states.has(code)) throw new AppError('not_found', { message: `no State ${request.params.code}` });
    const profile = await app.knowledge.profile(code);
    return send(reply, request, app, snap, {
      title: t(locale, 'states.profile', { state: profile.state.name[locale] }),
      path: `/states/${code}`,
      body: profileBody(locale, snap, profile),
    });
  });
}
