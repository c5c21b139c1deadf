/**
 * What is due: the running deadlines of the requests a person may see, overdue first (marked in
 * words, not only by colour), then within 24 hours and within 7 days, and the person's reminders
 * (the notifications the deadline jobs leave), each of which can be marked as read.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { type Locale, t } from '../../../i18n/index.ts';
import type { DueItem } from '../../../modules/cooperation/index.ts';
import type { KnowledgeSnapshot } from '../../../modules/knowledge/index.ts';
import { csrfField } from '../../auth/csrf.ts';
import { html, type SafeHtml } from '../../html.ts';
import { href } from '../layout.ts';
import { bodyOf, doneNotice, hidden, langField, many, maybe, sendPrivate, who } from './common.ts';
import { caseLink, instant, instantText, requestLink, stateLabel, stateName, typeLabel } from './cooperation-common.ts';

const BUCKETS = ['overdue', 'day', 'week'] as const;

export function registerCooperationDashboard(server: FastifyInstance, app: App): void {
  const tz = app.config.timeZone;
  const read = { config: { policy: { permission: 'requests.read' as const } } };

  function dueTable(locale: Locale, snap: KnowledgeSnapshot, bucket: (typeof BUCKETS)[number], items: DueItem[]): SafeHtml {
    const id = `due-${bucket}`;
    return html`<section aria-labelledby="${id}-title">
<h2 id="${id}-title">${t(locale, `coop.ui.dashboard.${bucket}`)} (${items.length})</h2>
${
  items.length === 0
    ? html`<p>${t(locale, `coop.ui.dashboard.${bucket}.none`)}</p>`
    : html`<div class="table-scroll"><table class="identity-table${bucket === 'overdue' ? ' overdue-table' : ''}">
<caption>${t(locale, `coop.ui.dashboard.${bucket}.caption`, { tz })}</caption>
<thead><tr><th scope="col">${t(locale, 'coop.ui.request')}</th><th scope="col">${t(locale, 'coop.ui.case')}</th><th scope="col">${t(
        locale,
        'coop.ui.deadline',
      )}</th><th scope="col">${t(locale, 'coop.ui.dueAt')}</th><th scope="col">${t(locale, 'coop.ui.deadlineStatus')}</th></tr></thead>
<tbody>${items.map(
        (d) => html`<tr${bucket === 'overdue' ? html` class="overdue"` : ''}>
<th scope="row">${requestLink(locale, d.requestReference)}<br><span class="hint">${typeLabel(locale, d.type)} · ${stateName(locale, snap, d.counterpart)} · ${stateLabel(
          locale,
          d.state,
        )}</span></th>
<td>${caseLink(locale, d.caseReference)}</td>
<td>${d.label[locale]}${d.article ? html` (${t(locale, 'common.article', { article: d.article })})` : ''}</td>
<td>${instant(locale, d.dueAt, tz)}${d.estimated ? html` <span class="badge secondary">${t(locale, 'coop.ui.estimated.yes')}</span>` : ''}</td>
<td>${bucket === 'overdue' ? html`<strong class="overdue-flag">${t(locale, 'coop.ui.overdue')}</strong>` : t(locale, `coop.ui.dashboard.${bucket}.flag`)}</td>
</tr>`,
      )}</tbody>
</table></div>`
}
</section>`;
  }

  async function dashboard(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const locale = request.locale;
    const { actor, orgId } = who(request);
    const [board, notes, snap] = await Promise.all([
      app.cooperation.dashboard.due(actor, orgId),
      app.cooperation.notifications.list(actor, orgId),
      app.knowledge.snapshot(),
    ]);
    const csrf = csrfField(request, reply);
    const unread = notes.filter((n) => n.readAt === null);
    const title = t(locale, 'coop.ui.dashboard.title');
    const noteText = (n: (typeof notes)[number]) =>
      maybe(locale, `coop.ui.notification.${n.kind}`, n.kind, { ...n.params, due: n.params.dueAt ? instantText(locale, n.params.dueAt, tz) : '' });
    const notifications = html`<section aria-labelledby="notifications-title">
<h2 id="notifications-title">${t(locale, 'coop.ui.notifications')} (${t(locale, 'coop.ui.notifications.unread', { count: unread.length })})</h2>
${
  notes.length === 0
    ? html`<p>${t(locale, 'coop.ui.notifications.none')}</p>`
    : html`<ul class="notifications">${notes.map(
        (n) => html`<li class="${n.readAt ? 'read' : 'unread'}">
<p>${n.readAt ? '' : html`<strong>${t(locale, 'coop.ui.notifications.new')}</strong> `}${noteText(n)} ${n.params.request ? requestLink(locale, n.params.request) : ''}</p>
<p class="hint">${instant(locale, n.createdAt, tz)}${n.readAt ? html` · ${t(locale, 'coop.ui.notifications.readAt')} ${instant(locale, n.readAt, tz)}` : ''}</p>
${
  n.readAt
    ? ''
    : html`<form method="post" action="/cooperation/notifications/read?lang=${locale}">${csrf}${langField(locale)}<input type="hidden" name="id" value="${n.id}"><button type="submit" class="secondary">${t(
        locale,
        'coop.ui.notifications.markRead',
      )}${hidden(` — ${noteText(n)}`)}</button></form>`
}
</li>`,
      )}</ul>
${
  unread.length > 1
    ? html`<form method="post" action="/cooperation/notifications/read?lang=${locale}">${csrf}${langField(locale)}<input type="hidden" name="all" value="1"><button type="submit" class="secondary">${t(
        locale,
        'coop.ui.notifications.markAll',
      )}</button></form>`
    : ''
}`
}
</section>`;
    return sendPrivate(reply, request, app, {
      title,
      path: '/cooperation/dashboard',
      body: html`<h1>${title}</h1>
${doneNotice(locale, request, 'coop.ui.done.', ['notifications_read'])}
<p>${t(locale, 'coop.ui.dashboard.intro', { at: instantText(locale, board.at, tz) })}</p>
${BUCKETS.map((b) => dueTable(locale, snap, b, board[b]))}
${notifications}
<p><a href="${href(locale, '/requests')}">${t(locale, 'coop.ui.requests.all')}</a></p>`,
    });
  }

  server.get('/cooperation/dashboard', read, async (request, reply) => dashboard(request, reply));

  server.post('/cooperation/notifications/read', read, async (request, reply) => {
    const { actor, orgId } = who(request);
    const body = bodyOf(request);
    await app.cooperation.notifications.markRead(actor, orgId, body.all ? 'all' : many(body.id));
    return reply.redirect(`/cooperation/dashboard?lang=${request.locale}&done=notifications_read#notifications-title`, 303);
  });
}
