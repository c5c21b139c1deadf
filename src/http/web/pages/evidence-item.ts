/**
 * An evidence item's page: what it is, how it was acquired, its hashes, its custody history from the
 * ledger with each event's proof checked, and the actions a person's permissions allow. Opening the
 * page is itself a custody event ("accessed"). The content is never shown: it can only be
 * downloaded, with a reason, and the download is a custody event.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { type Locale, t } from '../../../i18n/index.ts';
import { type CustodyEvent, type EvidenceItem, MANUAL_CUSTODY_EVENTS } from '../../../modules/evidence/index.ts';
import type { Permission } from '../../../modules/identity/index.ts';
import { csrfField } from '../../auth/csrf.ts';
import { sendEvidenceContent } from '../../evidence-download.ts';
import { html, type SafeHtml } from '../../html.ts';
import { href } from '../layout.ts';
import {
  actorNames,
  bodyOf,
  can,
  doneNotice,
  type FieldErrors,
  focusedSummary,
  hashCode,
  langField,
  lineField,
  maybe,
  one,
  queryOf,
  refusal,
  renameFields,
  selectField,
  sendPrivate,
  stamp,
  textArea,
  when,
  who,
} from './common.ts';
import { bytes, caseUrl, fixityText, itemUrl, stateName } from './evidence.ts';

const DONE = ['added', 'recorded', 'destroyed'] as const;
type Proof = 'verified' | 'pending' | 'failed';
const PROOF_BADGE: Record<Proof, string> = { verified: 'verified', pending: 'secondary', failed: 'uncertain' };

interface ItemPageState {
  errors?: FieldErrors;
  status?: number;
  values?: Record<string, string | undefined>;
}

/** The reasons the vault writes itself (in English), shown in the reader's language; people's own reasons as they wrote them. */
const AUTO_REASONS: Partial<Record<CustodyEvent['type'], Record<string, string>>> = {
  acquired: { acquisition: 'evidence.ui.autoReason.acquired' },
  received: { 'received into the vault': 'evidence.ui.autoReason.received' },
  accessed: { 'item viewed': 'evidence.ui.autoReason.accessed' },
  fixity_checked: { 'fixity verified': 'evidence.ui.autoReason.fixityOk', 'FIXITY MISMATCH': 'evidence.ui.autoReason.fixityFailed' },
};
const reasonText = (locale: Locale, step: CustodyEvent): string => {
  const key = AUTO_REASONS[step.type]?.[step.reason];
  return key ? t(locale, key) : step.reason;
};

const orNone = (locale: Locale, value: string | undefined): SafeHtml => (value ? html`${value}` : html`<em>${t(locale, 'common.none')}</em>`);

/** What the ledger entry adds beyond its type and reason (the exhibit is already the page's). */
function eventData(locale: Locale, data: Record<string, unknown>): SafeHtml {
  const entries = Object.entries(data).filter(([key, value]) => key !== 'exhibit' && value !== '' && value !== null && value !== undefined);
  if (entries.length === 0) return html``;
  return html`<dl class="facts ledger-facts">${entries.map(([key, value]) => {
    const shown =
      typeof value === 'boolean' ? t(locale, value ? 'evidence.ui.yes' : 'evidence.ui.no') : typeof value === 'string' ? value : JSON.stringify(value);
    return html`<dt>${maybe(locale, `evidence.ui.data.${key}`, key)}</dt><dd>${/^[0-9a-f]{32,128}$/.test(shown) ? hashCode(shown) : shown}</dd>`;
  })}</dl>`;
}

function fixityNotice(locale: Locale, request: FastifyRequest, item: EvidenceItem, tz: string): SafeHtml {
  const done = one(queryOf(request).done);
  if (done !== 'fixity_ok' && done !== 'fixity_failed') return html``;
  const ok = done === 'fixity_ok';
  return html`<div class="verify-result ${ok ? 'ok' : 'failed'}" role="${ok ? 'status' : 'alert'}">
<p><strong>${t(locale, ok ? 'evidence.ui.fixity.done.ok' : 'evidence.ui.fixity.done.failed')}</strong></p>
<p>${t(locale, ok ? 'evidence.ui.fixity.done.okDetail' : 'evidence.ui.fixity.done.failedDetail', { sha256: item.sha256 })}</p>
${item.lastFixity ? html`<p>${when(locale, item.lastFixity.at, tz)}</p>` : ''}
</div>`;
}

export function registerEvidenceItemPages(server: FastifyInstance, app: App): void {
  const tz = app.config.timeZone;
  const policy = (permission: Permission) => ({ config: { policy: { permission } } });
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

  async function itemPage(request: FastifyRequest, reply: FastifyReply, id: string, state: ItemPageState = {}, viewed = false): Promise<FastifyReply> {
    const locale = request.locale;
    const { principal, actor, orgId } = who(request);
    // Looking at the page is a custody event, recorded before the history is read so it shows in it.
    if (viewed) await app.evidence.recordAccess(actor, await app.evidence.get(actor, orgId, id));
    const [{ item, steps, checkpointSize }, name] = await Promise.all([app.evidence.history(actor, orgId, id), actorNames(app, locale, principal)]);
    const errors = state.errors ?? new Map();
    const values = state.values ?? {};
    const csrf = csrfField(request, reply);
    const a = item.acquisition;
    const stored = item.state === 'stored';
    const title = t(locale, 'evidence.ui.item.title', { exhibit: item.exhibit });

    const facts = html`<section aria-labelledby="facts-title">
<h2 id="facts-title">${t(locale, 'evidence.ui.item.facts')}</h2>
<dl class="facts">
<dt>${t(locale, 'evidence.ui.case')}</dt><dd><a href="${href(locale, caseUrl(item.caseReference))}">${item.caseReference}</a></dd>
<dt>${t(locale, 'evidence.ui.exhibit')}</dt><dd>${item.exhibit}</dd>
<dt>${t(locale, 'evidence.ui.description')}</dt><dd>${orNone(locale, item.description)}</dd>
<dt>${t(locale, 'evidence.ui.fileName')}</dt><dd>${orNone(locale, item.fileName)}</dd>
<dt>${t(locale, 'evidence.ui.size')}</dt><dd>${bytes(locale, item.bytes)}</dd>
<dt>${t(locale, 'evidence.ui.state')}</dt><dd>${stateName(locale, item.state)}${item.destroyedAt ? html` — ${when(locale, item.destroyedAt, tz)}` : ''}</dd>
<dt>${t(locale, 'evidence.ui.storedAt')}</dt><dd>${stamp(locale, item.createdAt, tz)}, ${name(item.createdBy)}</dd>
</dl>
</section>`;

    const acquisition = html`<section aria-labelledby="acquisition-title">
<h2 id="acquisition-title">${t(locale, 'evidence.ui.acquisition')}</h2>
<dl class="facts">
<dt>${t(locale, 'evidence.ui.acquiredBy')}</dt><dd>${a.by}</dd>
<dt>${t(locale, 'evidence.ui.acquiredAt')}</dt><dd>${when(locale, a.at, tz)} (${t(locale, 'evidence.ui.acquiredAt.recorded')} <code>${a.at}</code>)</dd>
<dt>${t(locale, 'evidence.ui.acquiredWhere')}</dt><dd>${orNone(locale, a.where)}</dd>
<dt>${t(locale, 'evidence.ui.tool')}</dt><dd>${a.tool ? html`${a.tool}${a.toolVersion ? html` ${a.toolVersion}` : ''}` : orNone(locale, a.toolVersion)}</dd>
<dt>${t(locale, 'evidence.ui.method')}</dt><dd>${orNone(locale, a.method)}</dd>
<dt>${t(locale, 'evidence.ui.source')}</dt><dd>${orNone(locale, a.source)}</dd>
<dt>${t(locale, 'evidence.ui.authority')}</dt><dd>${orNone(locale, a.authority)}</dd>
</dl>
</section>`;

    const hashes = html`<section aria-labelledby="hashes-title">
<h2 id="hashes-title">${t(locale, 'evidence.ui.hashes')}</h2>
<dl class="facts ledger-facts">
<dt>SHA-256</dt><dd>${hashCode(item.sha256)}</dd>
${item.md5 ? html`<dt>MD5</dt><dd>${hashCode(item.md5)}</dd>` : ''}
${item.sha1 ? html`<dt>SHA-1</dt><dd>${hashCode(item.sha1)}</dd>` : ''}
<dt>${t(locale, 'evidence.ui.fixity.last')}</dt><dd>${fixityText(locale, item, tz)}</dd>
</dl>
</section>`;

    const stepRow = (s: CustodyEvent & { proof: Proof; actorName?: string }) => html`<tr>
<th scope="row"><a href="${href(locale, `/ledger?index=${s.index}`)}">${s.index}</a></th>
<td>${t(locale, `evidence.event.${s.type}`)}</td>
<td>${stamp(locale, s.at, tz)}</td>
<td>${s.actorName ? html`${s.actorName}` : name(s.actor)}</td>
<td>${reasonText(locale, s)}</td>
<td>${eventData(locale, s.data)}</td>
<td><span class="badge ${PROOF_BADGE[s.proof]}">${t(locale, `evidence.proof.${s.proof}`)}</span></td>
</tr>`;
    const custody = html`<section aria-labelledby="custody-title">
<h2 id="custody-title">${t(locale, 'evidence.ui.custody')}</h2>
<p>${t(locale, 'evidence.ui.custody.intro')}</p>
<div class="table-scroll">
<table class="identity-table ledger-table">
<caption>${t(locale, 'evidence.ui.custody.caption', { exhibit: item.exhibit, count: steps.length, size: checkpointSize, tz })}</caption>
<thead><tr><th scope="col">${t(locale, 'evidence.ui.custody.entry')}</th><th scope="col">${t(locale, 'evidence.ui.custody.event')}</th><th scope="col">${t(
      locale,
      'evidence.ui.custody.when',
    )}</th><th scope="col">${t(locale, 'evidence.ui.custody.actor')}</th><th scope="col">${t(locale, 'evidence.ui.reason')}</th><th scope="col">${t(
      locale,
      'evidence.ui.custody.details',
    )}</th><th scope="col">${t(locale, 'evidence.ui.custody.proof')}</th></tr></thead>
<tbody>${steps.map(stepRow)}</tbody>
</table>
</div>
</section>`;

    const handle = stored && can(principal, 'evidence.handle');
    const download = handle
      ? html`<section aria-labelledby="download-title">
<h2 id="download-title">${t(locale, 'evidence.ui.download')}</h2>
<p>${t(locale, 'evidence.ui.download.intro')}</p>
<form class="query" method="post" action="${itemUrl(item.id, '/download')}" novalidate aria-labelledby="download-title">
${csrf}${langField(locale)}
${lineField({ id: 'downloadReason', name: 'reason', label: t(locale, 'evidence.ui.reason'), hint: t(locale, 'evidence.ui.download.reason.hint'), value: values.downloadReason, errors, required: true, maxlength: 1000 })}
<div><button type="submit">${t(locale, 'evidence.ui.download.submit')}</button></div>
</form>
</section>`
      : '';
    const record = handle
      ? html`<section aria-labelledby="record-title">
<h2 id="record-title">${t(locale, 'evidence.ui.record')}</h2>
<p>${t(locale, 'evidence.ui.record.intro')}</p>
<form class="query" method="post" action="${itemUrl(item.id, '/custody')}" novalidate aria-labelledby="record-title">
${csrf}${langField(locale)}
${selectField({
  id: 'custodyEvent',
  label: t(locale, 'evidence.ui.custody.event'),
  options: MANUAL_CUSTODY_EVENTS.map((e) => ({ value: e, label: t(locale, `evidence.event.${e}`) })),
  selected: values.custodyEvent,
  errors,
})}
${lineField({ id: 'custodyReason', name: 'reason', label: t(locale, 'evidence.ui.reason'), value: values.custodyReason, errors, required: true, maxlength: 1000 })}
${textArea({ id: 'custodyDetail', name: 'detail', label: t(locale, 'evidence.ui.record.detail'), hint: t(locale, 'evidence.ui.record.detail.hint'), value: values.custodyDetail, errors, maxlength: 1000 })}
<div><button type="submit">${t(locale, 'evidence.ui.record.submit')}</button></div>
</form>
</section>`
      : '';
    const fixity = handle
      ? html`<section aria-labelledby="fixity-title">
<h2 id="fixity-title">${t(locale, 'evidence.ui.fixity')}</h2>
<p>${t(locale, 'evidence.ui.fixity.intro')}</p>
<form method="post" action="${itemUrl(item.id, '/fixity')}">${csrf}${langField(locale)}<button type="submit" id="fixity-submit">${t(locale, 'evidence.ui.fixity.submit')}</button></form>
</section>`
      : '';
    const destroy =
      stored && can(principal, 'evidence.destroy')
        ? html`<section aria-labelledby="destroy-title">
<h2 id="destroy-title">${t(locale, 'evidence.ui.destroy')}</h2>
<p>${t(locale, 'evidence.ui.destroy.intro')}</p>
<form class="query" method="post" action="${itemUrl(item.id, '/destroy')}" novalidate aria-labelledby="destroy-title">
${csrf}${langField(locale)}
${lineField({ id: 'destroyReason', name: 'reason', label: t(locale, 'evidence.ui.reason'), hint: t(locale, 'evidence.ui.destroy.reason.hint'), value: values.destroyReason, errors, required: true, maxlength: 1000 })}
<div><button type="submit" class="secondary">${t(locale, 'evidence.ui.destroy.submit', { exhibit: item.exhibit })}</button></div>
</form>
</section>`
        : '';

    return sendPrivate(reply, request, app, {
      title,
      path: '/cases',
      status: state.status ?? 200,
      body: html`${focusedSummary(locale, errors)}
<p><a href="${href(locale, caseUrl(item.caseReference))}">${t(locale, 'evidence.ui.item.back', { reference: item.caseReference })}</a></p>
<h1>${title}</h1>
${doneNotice(locale, request, 'evidence.ui.done.', DONE)}
${fixityNotice(locale, request, item, tz)}
<p class="hint">${t(locale, stored ? 'evidence.ui.item.noPreview' : 'evidence.ui.item.destroyed')}</p>
${facts}
${acquisition}
${hashes}
${custody}
${download}
${record}
${fixity}
${destroy}`,
    });
  }

  const back = (request: FastifyRequest, done: string, anchor: string) => `${itemUrl(idOf(request))}?lang=${request.locale}&done=${done}#${anchor}`;

  server.get('/evidence/:id', policy('evidence.read'), async (request, reply) => itemPage(request, reply, idOf(request), {}, true));

  server.post('/evidence/:id/download', policy('evidence.handle'), async (request, reply) => {
    const { actor, orgId } = who(request);
    const reason = one(bodyOf(request).reason) ?? '';
    let download: Awaited<ReturnType<App['evidence']['download']>>;
    try {
      download = await app.evidence.download(actor, orgId, idOf(request), reason);
    } catch (error) {
      const { errors, status } = refusal(request, error, 'downloadReason');
      return itemPage(request, reply, idOf(request), {
        errors: renameFields(errors, { reason: 'downloadReason' }, 'downloadReason'),
        status,
        values: { downloadReason: reason },
      });
    }
    const { item, stream } = download;
    return sendEvidenceContent(reply, item, stream);
  });

  server.post('/evidence/:id/custody', policy('evidence.handle'), async (request, reply) => {
    const { actor, orgId } = who(request);
    const body = bodyOf(request);
    const input = { event: one(body.custodyEvent) ?? '', reason: one(body.reason) ?? '', detail: one(body.detail) ?? '' };
    try {
      await app.evidence.recordCustody(actor, orgId, idOf(request), input);
    } catch (error) {
      const { errors, status } = refusal(request, error, 'custodyReason');
      return itemPage(request, reply, idOf(request), {
        errors: renameFields(errors, { event: 'custodyEvent', reason: 'custodyReason', detail: 'custodyDetail' }, 'custodyReason'),
        status,
        values: { custodyEvent: input.event, custodyReason: input.reason, custodyDetail: input.detail },
      });
    }
    return reply.redirect(back(request, 'recorded', 'custody-title'), 303);
  });

  server.post('/evidence/:id/fixity', policy('evidence.handle'), async (request, reply) => {
    const { actor, orgId } = who(request);
    let ok: boolean;
    try {
      ok = (await app.evidence.verify(actor, orgId, idOf(request))).ok;
    } catch (error) {
      const { errors, status } = refusal(request, error, 'fixity-submit');
      return itemPage(request, reply, idOf(request), { errors: renameFields(errors, {}, 'fixity-submit'), status });
    }
    return reply.redirect(back(request, ok ? 'fixity_ok' : 'fixity_failed', 'main'), 303);
  });

  server.post('/evidence/:id/destroy', policy('evidence.destroy'), async (request, reply) => {
    const { actor, orgId } = who(request);
    const reason = one(bodyOf(request).reason) ?? '';
    try {
      await app.evidence.destroy(actor, orgId, idOf(request), { reason });
    } catch (error) {
      const { errors, status } = refusal(request, error, 'destroyReason');
      return itemPage(request, reply, idOf(request), {
        errors: renameFields(errors, { reason: 'destroyReason' }, 'destroyReason'),
        status,
        values: { destroyReason: reason },
      });
    }
    return reply.redirect(back(request, 'destroyed', 'main'), 303);
  });
}
