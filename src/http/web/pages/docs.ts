import type { FastifyInstance } from 'fastify';
import type { App } from '../../../app.ts';
import { t } from '../../../i18n/index.ts';
import { html, type SafeHtml } from '../../html.ts';
import { send } from './common.ts';

interface Parameter {
  in?: string;
  name?: string;
  required?: boolean;
  description?: string;
}
interface Operation {
  summary?: string;
  description?: string;
  operationId?: string;
  parameters?: Parameter[];
}
interface Doc {
  paths?: Record<string, Record<string, Operation | unknown>>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** The operations of the OpenAPI document, in path order. */
function operations(doc: Doc): Array<{ method: string; path: string; op: Operation }> {
  const out: Array<{ method: string; path: string; op: Operation }> = [];
  for (const [path, item] of Object.entries(doc.paths ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    for (const method of METHODS) {
      const op = item[method];
      if (op && typeof op === 'object') out.push({ method: method.toUpperCase(), path, op: op as Operation });
    }
  }
  return out;
}

export function registerApiDocsPage(server: FastifyInstance, app: App): void {
  server.get('/api/docs', { config: { policy: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const locale = request.locale;
    // The API reference does not depend on the knowledge base; its version is shown when loaded.
    const snap = await app.knowledge.snapshot().catch(() => undefined);
    const doc = server.swagger() as unknown as Doc;
    const title = t(locale, 'docs.title');
    // The sentence names the document's URL; the URL itself becomes a link.
    const marker = '\u0000';
    const [before, after] = t(locale, 'docs.intro', { url: marker }).split(marker);
    const link = html`<a href="/api/openapi.json">/api/openapi.json</a>`;
    const params = (op: Operation): SafeHtml => {
      const query = (op.parameters ?? []).filter((p) => p.in === 'query');
      if (query.length === 0) return html``;
      return html`<ul class="params">${query.map((p) => html`<li><code>${p.name ?? ''}</code>${p.required ? html` (${t(locale, 'docs.required')})` : ''}</li>`)}</ul>`;
    };
    const body = html`<h1>${title}</h1>
<p>${before ?? ''}${link}${after ?? ''}</p>
<p><a href="/api/openapi.json">${t(locale, 'docs.openapi')}</a></p>
<div class="table-scroll">
<table>
<caption>${t(locale, 'docs.caption')}</caption>
<thead><tr><th scope="col">${t(locale, 'docs.method')}</th><th scope="col">${t(locale, 'docs.path')}</th><th scope="col">${t(locale, 'docs.summary')}</th><th scope="col">${t(locale, 'docs.params')}</th></tr></thead>
<tbody>${operations(doc).map(
      (o) =>
        html`<tr><td><code>${o.method}</code></td><th scope="row"><code>${o.path}</code></th><td>${o.op.summary ?? o.op.description ?? o.op.operationId ?? ''}</td><td>${params(o.op)}</td></tr>`,
    )}</tbody>
</table>
</div>`;
    return send(reply, request, app, snap, { title, path: '/api/docs', body });
  });
}
