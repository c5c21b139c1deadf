import type { FastifyInstance } from 'fastify';
import type { App } from '../../../app.ts';
import { type Locale, t } from '../../../i18n/index.ts';
import { AppError } from '../../../lib/errors.ts';
import { isoWithOffset } from '../../../lib/time.ts';
import { type AuditEvent, asActor, type Member } from '../../../modules/identity/index.ts';
import { principalOf } from '../../context.ts';
import { html, type SafeHtml } from '../../html.ts';
import { href } from '../layout.ts';
import { errorSummary, type FieldErrors, formErrors, inputField, langField, one, queryOf, selectField, sendPrivate, when } from './common.ts';

const PAGE_SIZE = 50;
const FIELDS = ['type', 'user', 'from', 'to'] as const;

/** Event types worth offering as filters; any other prefix can be typed. */
const KNOWN_TYPES = [
  'identity.',
  'identity.login',
  'identity.login_failed',
  'identity.second_factor_failed',
  'identity.logout',
  'identity.reauthenticated',
  'identity.session_revoked',
  'identity.organisation_switched',
  'identity.access_denied',
  'identity.user_created',
  'identity.membership_granted',
  'identity.membership_revoked',
  'identity.roles_changed',
  'identity.enrolment_issued',
  'identity.enrolled',
  'identity.totp_changed',
  'identity.password_changed',
  'identity.recovery_codes_regenerated',
  'identity.token_created',
  'identity.token_revoked',
  'identity.organisation_created',
  'identity.case_access_granted',
  'identity.case_access_revoked',
];

function offsetMinutes(date: Date, timeZone: string): number {
  const match = /([+-])(\d{2}):(\d{2})$/.exec(isoWithOffset(date, timeZone));
  return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
}

/**
 * A `datetime-local` value (wall-clock time, no zone) read in the node's time zone, as ISO 8601
 * with the offset in force then. Undefined when it is not such a value or names no real time.
 */
export function wallClockToIso(value: string, timeZone: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(wall);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  // The offset at the guessed instant, then again at the corrected one (they differ only next to a change of offset).
  let instant = wall - offsetMinutes(check, timeZone) * 60_000;
  instant = wall - offsetMinutes(new Date(instant), timeZone) * 60_000;
  return isoWithOffset(new Date(instant), timeZone);
}

function who(members: Map<string, Member>, id: string): SafeHtml {
  const member = id.startsWith('user:') ? members.get(id.slice(5)) : undefined;
  return member ? html`${member.name} (${member.email})` : html`<code>${id}</code>`;
}

function dataList(locale: Locale, data: Record<string, unknown>): SafeHtml {
  const entries = Object.entries(data);
  if (entries.length === 0) return html`<em>${t(locale, 'common.none')}</em>`;
  return html`<dl class="facts audit-data">${entries.map(([k, v]) => html`<dt>${k}</dt><dd>${typeof v === 'string' ? v : JSON.stringify(v)}</dd>`)}</dl>`;
}

/** Refused requests are summarised by the minute: the count is the first thing an auditor needs to see. */
function deniedCount(locale: Locale, event: AuditEvent): SafeHtml {
  const count = event.data.count;
  if (event.type !== 'identity.access_denied' || typeof count !== 'number') return html``;
  return html`<br><strong class="denied-count">${t(locale, 'audit.deniedCount', { count })}</strong>`;
}

export function registerAuditPage(server: FastifyInstance, app: App): void {
  const tz = app.config.timeZone;

  server.get('/audit', { config: { policy: { permission: 'audit.read' } } }, async (request, reply) => {
    const locale = request.locale;
    const principal = principalOf(request);
    const query = queryOf(request);
    const values = {
      type: one(query.type)?.trim() ?? '',
      user: one(query.user)?.trim() ?? '',
      from: one(query.from)?.trim() ?? '',
      to: one(query.to)?.trim() ?? '',
      before: one(query.before)?.trim() ?? '',
    };
    const title = t(locale, 'audit.title');
    const members = principal.permissions.has('users.read') ? await app.identity.directory.members(asActor(principal), principal.orgId) : [];
    const byId = new Map(members.map((m) => [m.userId, m]));

    const errors: FieldErrors = new Map();
    const instant = (field: 'from' | 'to'): string | undefined => {
      const value = values[field];
      if (!value) return undefined;
      const iso = wallClockToIso(value, tz) ?? (Number.isNaN(Date.parse(value)) ? undefined : value);
      if (!iso) errors.set(field, [t(locale, 'audit.error.datetime', { tz })]);
      return iso;
    };
    const from = instant('from');
    const to = instant('to');
    if (from && to && errors.size === 0 && Date.parse(from) >= Date.parse(to)) errors.set('to', [t(locale, 'audit.error.order')]);

    let result: { events: AuditEvent[]; next?: number } | undefined;
    let status = 200;
    if (errors.size > 0) {
      status = 422;
    } else {
      try {
        result = await app.identity.auditLog.events(asActor(principal), principal.orgId, {
          ...(values.type ? { type: values.type } : {}),
          ...(values.user ? { user: values.user } : {}),
          ...(from ? { from } : {}),
          ...(to ? { to } : {}),
          ...(values.before ? { before: values.before } : {}),
          limit: PAGE_SIZE,
        });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        const refused = formErrors(request, error, 'type');
        for (const [path, messages] of refused.errors) {
          const field = (FIELDS as readonly string[]).includes(path) ? path : 'type';
          errors.set(field, [...(errors.get(field) ?? []), ...messages]);
        }
        status = refused.status;
      }
    }

    const filters = new URLSearchParams({ lang: locale });
    for (const key of FIELDS) if (values[key]) filters.set(key, values[key]);
    const older = result?.next !== undefined ? `/audit?${new URLSearchParams([...filters, ['before', String(result.next)]]).toString()}` : undefined;

    const form = html`<form class="query" method="get" action="/audit" novalidate>
${langField(locale)}
${inputField({ id: 'type', type: 'text', label: t(locale, 'audit.type'), hint: t(locale, 'audit.type.hint'), value: values.type, errors, list: 'audit-types' })}
<datalist id="audit-types">${KNOWN_TYPES.map((k) => html`<option value="${k}"></option>`)}</datalist>
${
  members.length > 0
    ? selectField({
        id: 'user',
        label: t(locale, 'audit.user'),
        options: members.map((m) => ({ value: m.userId, label: `${m.name} (${m.email})` })),
        selected: values.user,
        errors,
        placeholder: t(locale, 'audit.user.all'),
      })
    : inputField({ id: 'user', type: 'text', label: t(locale, 'audit.user'), hint: t(locale, 'audit.user.hint'), value: values.user, errors })
}
${inputField({ id: 'from', type: 'datetime-local', label: t(locale, 'audit.from'), hint: t(locale, 'audit.when.hint', { tz }), value: values.from, errors })}
${inputField({ id: 'to', type: 'datetime-local', label: t(locale, 'audit.to'), hint: t(locale, 'audit.when.hint', { tz }), value: values.to, errors })}
<div><button type="submit">${t(locale, 'audit.submit')}</button></div>
</form>`;

    let table: SafeHtml = html``;
    if (result) {
      table =
        result.events.length === 0
          ? html`<p>${t(locale, 'audit.none')}</p>`
          : html`<div class="table-scroll">
<table class="identity-table audit-table">
<caption>${t(locale, values.before ? 'audit.caption.older' : 'audit.caption', { org: principal.orgName, tz })}</caption>
<thead><tr><th scope="col">${t(locale, 'audit.index')}</th><th scope="col">${t(locale, 'audit.at')}</th><th scope="col">${t(locale, 'audit.type')}</th><th scope="col">${t(
              locale,
              'audit.actor',
            )}</th><th scope="col">${t(locale, 'audit.subjects')}</th><th scope="col">${t(locale, 'audit.data')}</th></tr></thead>
<tbody>${result.events.map(
              (e) => html`<tr>
<th scope="row"><a href="${href(locale, `/ledger?index=${e.index}`)}">${e.index}</a></th>
<td>${when(locale, e.at, tz)}</td>
<td><code>${e.type}</code>${deniedCount(locale, e)}</td>
<td>${who(byId, e.actor)}</td>
<td><ul class="plain">${e.subjects.map((s) => html`<li>${s.startsWith('user:') && byId.has(s.slice(5)) ? who(byId, s) : html`<code>${s}</code>`}</li>`)}</ul></td>
<td>${dataList(locale, e.data)}</td>
</tr>`,
            )}</tbody>
</table>
</div>`;
    }

    return sendPrivate(reply, request, app, {
      title,
      path: '/audit',
      status,
      body: html`${errorSummary(locale, errors, (f) => f)}
<h1>${title}</h1>
<p>${t(locale, 'audit.intro', { org: principal.orgName })}</p>
${form}
<section class="results" aria-labelledby="audit-results-title">
<h2 id="audit-results-title">${t(locale, 'audit.results')}</h2>
${table}
${older ? html`<p><a href="${older}" rel="next">${t(locale, 'audit.older')}</a></p>` : ''}
${values.before ? html`<p><a href="${`/audit?${filters.toString()}`}">${t(locale, 'audit.newest')}</a></p>` : ''}
</section>`,
    });
  });
}
