import type { FastifyInstance } from 'fastify';
import type { App } from '../../../app.ts';
import { t } from '../../../i18n/index.ts';
import { html } from '../../html.ts';
import { href, page } from '../layout.ts';

export function registerHomePage(server: FastifyInstance, app: App): void {
  server.get('/', { config: { policy: 'public' } }, async (request, reply) => {
    const locale = request.locale;
    const snap = await app.knowledge.snapshot();
    const links: Array<[string, string]> = [
      ['/legal/finder', 'home.finder'],
      ['/legal/dual-criminality', 'home.dual'],
      ['/treaties', 'home.treaties'],
      ['/states', 'home.states'],
      ['/offences/matrix', 'home.matrix'],
    ];
    const body = html`<h1>${t(locale, 'home.title')}</h1>
<p>${t(locale, 'home.intro')}</p>
<ul>${links.map(([path, key]) => html`<li><a href="${href(locale, path)}">${t(locale, key)}</a></li>`)}</ul>`;
    return reply
      .type('text/html; charset=utf-8')
      .send(page(request, { title: t(locale, 'home.title'), path: '/', body, kbVersion: snap.dataset.manifest.version, timeZone: app.config.timeZone }));
  });
}
