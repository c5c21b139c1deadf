/**
 * The evidence vault's pages (PRODUCT.md C3): helpers only they use, and a case's evidence page with
 * its items, retention period, legal holds and export form. The item page, the upload page and the
 * package verifier have files of their own (evidence-item.ts, evidence-upload.ts, evidence-verify.ts).
 * Every decision about who may see what is the vault's: a case or item someone may not see is
 * "not found" (a 404 page), never a refusal that would tell them it exists.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { formatDate, formatTag, type Locale, t } from '../../../i18n/index.ts';
import type { EvidenceItem, LegalHold, Retention } from '../../../modules/evidence/index.ts';
import type { Permission } from '../../../modules/identity/index.ts';
import { csrfField } from '../../auth/csrf.ts';
import { html, type SafeHtml } from '../../html.ts';
import { href } from '../layout.ts';
import {
  actorNames,
  bodyOf,
  can,
  dateField,
  type FieldErrors,
  hashCode,
  hidden,
  langField,
  lineField,
  one,
  refusal,
  renameFields,
  selectField,
  sendCasePage,
  when,
  who,
} from './common.ts';

// ---- Shared by the evidence pages ----

/** A case's evidence page (references may hold `/` and `:`, so they are always encoded). */
export const caseUrl = (reference: string, rest = '') => `/cases/${encodeURIComponent(reference)}/evidence${rest}`;
export const itemUrl = (id: string, rest = '') => `/evidence/${encodeURIComponent(id)}${rest}`;

/** A size people read ("1,2 MB") with the exact byte count beside it, which is what evidence is checked against. */
export function bytes(locale: Locale, n: number): string {
  const tag = formatTag(locale);
  // The plural form and the digits come from the same number ("1 byte", "2 bytes").
  const exact = t(locale, 'evidence.ui.bytes', { count: n });
  const units = ['kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;
  let value = n;
  let unit: (typeof units)[number] | undefined;
  for (const u of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = u;
  }
  if (!unit) return exact;
  const short = new Intl.NumberFormat(tag, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 1 }).format(value);
  return `${short} (${exact})`;
}

export const stateName = (locale: Locale, state: EvidenceItem['state']) => t(locale, `evidence.state.${state}`);

/** The last fixity check in words, never by colour alone. */
export function fixityText(locale: Locale, item: EvidenceItem, timeZone: string): SafeHtml {
  if (!item.lastFixity) return html`${t(locale, 'evidence.ui.fixity.never')}`;
  return item.lastFixity.ok
    ? html`${t(locale, 'evidence.ui.fixity.ok')} — ${when(locale, item.lastFixity.at, timeZone)}`
    : html`<strong>${t(locale, 'evidence.ui.fixity.failed')}</strong> — ${when(locale, item.lastFixity.at, timeZone)}`;
}

// ---- A case's evidence page ----

const DONE = ['retention_set', 'hold_set', 'hold_lifted', 'case_created'] as const;
const liftId = (holdId: string) => `lift-${holdId}-reason`;

export interface CasePageState {
  errors?: FieldErrors;
  status?: number;
  values?: Record<string, string | undefined>;
}

function holdScope(locale: Locale, hold: LegalHold, items: EvidenceItem[]): SafeHtml {
  if (!hold.itemId) return html`${t(locale, 'evidence.ui.holds.wholeCase')}`;
  const item = items.find((i) => i.id === hold.itemId);
  return item ? html`${t(locale, 'evidence.ui.holds.item', { exhibit: item.exhibit })}` : html`<code>${hold.itemId}</code>`;
}

function retentionFacts(locale: Locale, retention: Retention | undefined, name: (actor: string) => SafeHtml, tz: string): SafeHtml {
  if (!retention) return html`<p>${t(locale, 'evidence.ui.retention.unset')}</p>`;
  return html`<dl class="facts">
<dt>${t(locale, 'evidence.ui.retention.keepUntil')}</dt><dd><time datetime="${retention.keepUntil}">${formatDate(locale, retention.keepUntil)}</time> (${t(
    locale,
    'evidence.ui.retention.endOfDay',
    { tz },
  )})</dd>
<dt>${t(locale, 'evidence.ui.retention.basis')}</dt><dd>${retention.basis}</dd>
<dt>${t(locale, 'evidence.ui.setBy')}</dt><dd>${name(retention.setBy)}</dd>
<dt>${t(locale, 'evidence.ui.setAt')}</dt><dd>${when(locale, retention.setAt, tz)}</dd>
</dl>`;
}

/** The page of a case's evidence; throws `not_found` for a case the person may not see. */
export async function casePage(app: App, request: FastifyRequest, reply: FastifyReply, reference: string, state: CasePageState = {}): Promise<FastifyReply> {
  const locale = request.locale;
  const { principal, actor, orgId } = who(request);
  const tz = app.config.timeZone;
  const kase = await app.cases.byReference(actor, orgId, reference);
  const [items, custody, name] = await Promise.all([
    app.evidence.list(actor, orgId, reference),
    app.evidence.retention(actor, orgId, reference),
    actorNames(app, locale, principal),
  ]);
  const errors = state.errors ?? new Map();
  const values = state.values ?? {};
  const csrf = csrfField(request, reply);
  const canRetain = can(principal, 'evidence.retention');
  const stored = items.filter((i) => i.state === 'stored');
  const title = t(locale, 'evidence.ui.case.title', { reference: kase.reference });

  const rows = items.map(
    (item) => html`<tr>
<th scope="row"><a href="${href(locale, itemUrl(item.id))}">${item.exhibit}</a></th>
<td>${item.description || html`<em>${t(locale, 'common.none')}</em>`}</td>
<td>${bytes(locale, item.bytes)}</td>
<td>${hashCode(item.sha256)}</td>
<td>${stateName(locale, item.state)}</td>
<td>${fixityText(locale, item, tz)}</td>
</tr>`,
  );
  const itemsSection = html`<section aria-labelledby="items-title">
<h2 id="items-title">${t(locale, 'evidence.ui.items')}</h2>
${can(principal, 'evidence.add') ? html`<p><a href="${href(locale, caseUrl(kase.reference, '/new'))}">${t(locale, 'evidence.ui.add.link')}</a></p>` : ''}
${
  items.length === 0
    ? html`<p>${t(locale, 'evidence.ui.items.none')}</p>`
    : html`<div class="table-scroll">
<table class="identity-table ledger-table">
<caption>${t(locale, 'evidence.ui.items.caption', { reference: kase.reference, tz })}</caption>
<thead><tr><th scope="col">${t(locale, 'evidence.ui.exhibit')}</th><th scope="col">${t(locale, 'evidence.ui.description')}</th><th scope="col">${t(
        locale,
        'evidence.ui.size',
      )}</th><th scope="col">SHA-256</th><th scope="col">${t(locale, 'evidence.ui.state')}</th><th scope="col">${t(locale, 'evidence.ui.fixity.last')}</th></tr></thead>
<tbody>${rows}</tbody>
</table>
</div>`
}
</section>`;

  const retentionSection = html`<section aria-labelledby="retention-title">
<h2 id="retention-title">${t(locale, 'evidence.ui.retention')}</h2>
${retentionFacts(locale, custody.retention, name, tz)}
${
  canRetain
    ? html`<h3 id="retention-form-title">${t(locale, 'evidence.ui.retention.set')}</h3>
<form class="query" method="post" action="${caseUrl(kase.reference, '/retention')}" novalidate aria-labelledby="retention-form-title">
${csrf}${langField(locale)}
${dateField({
  id: 'keepUntil',
  type: 'date',
  label: t(locale, 'evidence.ui.retention.keepUntil'),
  hint: t(locale, 'evidence.ui.retention.keepUntil.hint', { tz }),
  value: values.keepUntil ?? custody.retention?.keepUntil,
  errors,
  required: true,
})}
${lineField({ id: 'basis', label: t(locale, 'evidence.ui.retention.basis'), hint: t(locale, 'evidence.ui.retention.basis.hint'), value: values.basis, errors, required: true, maxlength: 1000 })}
<div><button type="submit">${t(locale, 'evidence.ui.retention.submit')}</button></div>
</form>`
    : ''
}
</section>`;

  const holdRows = custody.holds.map((hold) => {
    const active = hold.liftedAt === null;
    const stateCell = active
      ? html`<strong>${t(locale, 'evidence.hold.active')}</strong>`
      : html`${t(locale, 'evidence.hold.lifted')} — ${when(locale, hold.liftedAt, tz)}, ${hold.liftedBy ? name(hold.liftedBy) : ''}: ${hold.liftReason ?? ''}`;
    const lift =
      canRetain && active
        ? html`<form method="post" action="${caseUrl(kase.reference, `/holds/${encodeURIComponent(hold.id)}/lift`)}" novalidate>
${csrf}${langField(locale)}
${lineField({ id: liftId(hold.id), name: 'reason', label: t(locale, 'evidence.ui.holds.liftReason'), value: values[liftId(hold.id)], errors, required: true, maxlength: 1000 })}
<div><button type="submit" class="secondary">${t(locale, 'evidence.ui.holds.lift')}${hidden(` ${hold.reason}`)}</button></div>
</form>`
        : '';
    return html`<tr>
<th scope="row">${hold.reason}</th>
<td>${holdScope(locale, hold, items)}</td>
<td>${when(locale, hold.setAt, tz)}, ${name(hold.setBy)}</td>
<td>${stateCell}</td>
${canRetain ? html`<td>${lift}</td>` : ''}
</tr>`;
  });
  const holdsSection = html`<section aria-labelledby="holds-title">
<h2 id="holds-title">${t(locale, 'evidence.ui.holds')}</h2>
<p>${t(locale, 'evidence.ui.holds.intro')}</p>
${
  custody.holds.length === 0
    ? html`<p>${t(locale, 'evidence.ui.holds.none')}</p>`
    : html`<div class="table-scroll">
<table class="identity-table">
<caption>${t(locale, 'evidence.ui.holds.caption', { reference: kase.reference, tz })}</caption>
<thead><tr><th scope="col">${t(locale, 'evidence.ui.reason')}</th><th scope="col">${t(locale, 'evidence.ui.holds.scope')}</th><th scope="col">${t(
        locale,
        'evidence.ui.holds.setAt',
      )}</th><th scope="col">${t(locale, 'evidence.ui.state')}</th>${canRetain ? html`<th scope="col">${t(locale, 'account.actions')}</th>` : ''}</tr></thead>
<tbody>${holdRows}</tbody>
</table>
</div>`
}
${
  canRetain
    ? html`<h3 id="hold-form-title">${t(locale, 'evidence.ui.holds.set')}</h3>
<form class="query" method="post" action="${caseUrl(kase.reference, '/holds')}" novalidate aria-labelledby="hold-form-title">
${csrf}${langField(locale)}
${lineField({ id: 'holdReason', name: 'reason', label: t(locale, 'evidence.ui.reason'), hint: t(locale, 'evidence.ui.holds.reason.hint'), value: values.holdReason, errors, required: true, maxlength: 1000 })}
${selectField({
  id: 'holdItem',
  label: t(locale, 'evidence.ui.holds.scope'),
  options: [
    { value: '', label: t(locale, 'evidence.ui.holds.wholeCase') },
    ...stored.map((i) => ({ value: i.id, label: t(locale, 'evidence.ui.holds.item', { exhibit: i.exhibit }) })),
  ],
  selected: values.holdItem ?? '',
  errors,
})}
<div><button type="submit">${t(locale, 'evidence.ui.holds.submit')}</button></div>
</form>`
    : ''
}
</section>`;

  const exportSection = can(principal, 'evidence.export')
    ? html`<section aria-labelledby="export-title">
<h2 id="export-title">${t(locale, 'evidence.ui.export')}</h2>
<p>${t(locale, 'evidence.ui.export.intro')}</p>
${
  stored.length === 0
    ? html`<p>${t(locale, 'problem.evidence.nothing_to_export')}</p>`
    : html`<form class="query" method="post" action="${caseUrl(kase.reference, '/export')}" novalidate aria-labelledby="export-title">
${csrf}${langField(locale)}
${lineField({ id: 'exportTo', name: 'to', label: t(locale, 'evidence.ui.export.to'), hint: t(locale, 'evidence.ui.export.to.hint'), value: values.exportTo, errors, spellcheck: false })}
${lineField({ id: 'exportReason', name: 'reason', label: t(locale, 'evidence.ui.reason'), hint: t(locale, 'evidence.ui.export.reason.hint'), value: values.exportReason, errors, required: true, maxlength: 1000 })}
<div><button type="submit">${t(locale, 'evidence.ui.export.submit')}</button></div>
</form>`
}
</section>`
    : html``;

  return sendCasePage(reply, request, app, {
    title,
    caseTitle: kase.title,
    status: state.status,
    errors,
    done: { prefix: 'evidence.ui.done.', known: DONE },
    body: html`${can(principal, 'requests.read') ? html`<p><a href="${href(locale, `/cases/${encodeURIComponent(kase.reference)}`)}">${t(locale, 'coop.ui.case.fromEvidence', { reference: kase.reference })}</a></p>` : ''}
${itemsSection}
${retentionSection}
${holdsSection}
${exportSection}`,
  });
}

export function registerCaseEvidencePages(server: FastifyInstance, app: App): void {
  const policy = (permission: Permission) => ({ config: { policy: { permission } } });
  const refOf = (request: FastifyRequest) => (request.params as { ref: string }).ref;
  const back = (request: FastifyRequest, done: (typeof DONE)[number], anchor: string) =>
    `${caseUrl(refOf(request))}?lang=${request.locale}&done=${done}#${anchor}`;

  server.get('/cases/:ref/evidence', policy('evidence.read'), async (request, reply) => casePage(app, request, reply, refOf(request)));

  server.post('/cases/:ref/evidence/retention', policy('evidence.retention'), async (request, reply) => {
    const { actor, orgId } = who(request);
    const body = bodyOf(request);
    const values = { keepUntil: one(body.keepUntil), basis: one(body.basis) };
    try {
      await app.evidence.setRetention(actor, orgId, refOf(request), values);
    } catch (error) {
      const { errors, status } = refusal(request, error, 'keepUntil');
      return casePage(app, request, reply, refOf(request), {
        errors: renameFields(errors, { keepUntil: 'keepUntil', basis: 'basis' }, 'keepUntil'),
        status,
        values,
      });
    }
    return reply.redirect(back(request, 'retention_set', 'retention-title'), 303);
  });

  server.post('/cases/:ref/evidence/holds', policy('evidence.retention'), async (request, reply) => {
    const { actor, orgId } = who(request);
    const body = bodyOf(request);
    const reason = one(body.reason) ?? '';
    const itemId = one(body.holdItem) || undefined;
    try {
      await app.evidence.setHold(actor, orgId, refOf(request), { reason, ...(itemId ? { itemId } : {}) });
    } catch (error) {
      const { errors, status } = refusal(request, error, 'holdReason');
      return casePage(app, request, reply, refOf(request), {
        errors: renameFields(errors, { reason: 'holdReason', itemId: 'holdItem' }, 'holdReason'),
        status,
        values: { holdReason: reason, holdItem: itemId },
      });
    }
    return reply.redirect(back(request, 'hold_set', 'holds-title'), 303);
  });

  server.post('/cases/:ref/evidence/holds/:hold/lift', policy('evidence.retention'), async (request, reply) => {
    const { actor, orgId } = who(request);
    const holdId = (request.params as { hold: string }).hold;
    const reason = one(bodyOf(request).reason) ?? '';
    try {
      await app.evidence.liftHold(actor, orgId, refOf(request), holdId, { reason });
    } catch (error) {
      const { errors, status } = refusal(request, error, liftId(holdId));
      return casePage(app, request, reply, refOf(request), { errors: renameFields(errors, {}, liftId(holdId)), status, values: { [liftId(holdId)]: reason } });
    }
    return reply.redirect(back(request, 'hold_lifted', 'holds-title'), 303);
  });
}
