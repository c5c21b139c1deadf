/**
 * Helpers the cooperation pages share (PRODUCT.md C5; issue #6): their URLs, the names of states,
 * types and directions in the reader's language, instants with their zone and offset, and the
 * module's refusals turned into an error summary whose every line links to its field.
 */
import type { FastifyRequest } from 'fastify';
import { type Locale, t } from '../../../i18n/index.ts';
import { AppError, type FieldProblem } from '../../../lib/errors.ts';
import { isoWithOffset } from '../../../lib/time.ts';
import type { KnowledgeSnapshot } from '../../../modules/knowledge/index.ts';
import { html, type SafeHtml } from '../../html.ts';
import { localizeField, statusFor, toProblem } from '../../problem.ts';
import { href } from '../layout.ts';
import { wallClockToIso } from './audit.ts';
import { type FieldErrors, maybe, stamp } from './common.ts';

export const requestUrl = (reference: string, rest = '') => `/requests/${encodeURIComponent(reference)}${rest}`;
export const casePageUrl = (reference: string, rest = '') => `/cases/${encodeURIComponent(reference)}${rest}`;
export const wizardUrl = (caseReference: string) => casePageUrl(caseReference, '/requests/new');

export const stateLabel = (locale: Locale, state: string) => maybe(locale, `coop.ui.state.${state}`, state);
export const typeLabel = (locale: Locale, type: string) => maybe(locale, `measure.${type}`, type);
export const directionLabel = (locale: Locale, direction: string) => maybe(locale, `coop.ui.direction.${direction}`, direction);
export const outcomeLabel = (locale: Locale, outcome: string) => maybe(locale, `coop.ui.outcome.${outcome}`, outcome);

/** Every IANA zone the runtime knows, for the zone of a wall-clock time typed in a form. */
export const ZONES: readonly string[] = (() => {
  const zones = Intl.supportedValuesOf('timeZone');
  return zones.includes('UTC') ? zones : [...zones, 'UTC'];
})();

export const zoneOptions = () => ZONES.map((zone) => ({ value: zone, label: zone }));

/** A `datetime-local` value and its zone, turned into an instant with its offset (whole seconds); undefined when it is not a real time. */
export function instantOf(value: string, zone: string): string | undefined {
  if (!ZONES.includes(zone)) return undefined;
  return wallClockToIso(value, zone)?.replace(/\.000(?=[Z+-])/, '');
}

/** An instant as the wall clock of `zone`, for a `datetime-local` field. */
export function wallClockOf(iso: string | null | undefined, zone: string): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : isoWithOffset(date, zone).slice(0, 16);
}

/** An instant as plain text in the node's zone with its UTC offset, for messages (e.g. "1 dic 2026, 10:00 PET (UTC-05:00)"). */
export function instantText(locale: Locale, iso: string, tz: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const offset = isoWithOffset(date, tz).slice(23);
  const shown = new Intl.DateTimeFormat(locale === 'es' ? 'es-PE' : 'en-GB', {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: tz,
    timeZoneName: 'short',
  }).format(date);
  return `${shown} (UTC${offset === 'Z' ? '+00:00' : offset})`;
}

/** An instant in the node's zone, the zone's name and the UTC offset beside it; "none" when absent. */
export function instant(locale: Locale, iso: string | null | undefined, tz: string): SafeHtml {
  return iso ? stamp(locale, iso, tz) : html`<em>${t(locale, 'common.none')}</em>`;
}

export function stateName(locale: Locale, snap: KnowledgeSnapshot, code: string): string {
  return snap.states.has(code) ? snap.stateName(code, locale) : code;
}

/** An authority of a request: the directory's name when it is listed there, else as written. */
export function authorityName(locale: Locale, snap: KnowledgeSnapshot, state: string, authority: string | null): SafeHtml {
  if (!authority) return html`<em>${t(locale, 'common.none')}</em>`;
  const listed = snap.authorities(state).find((a) => a.id === authority);
  return listed ? html`${listed.name[locale]}` : html`${authority}`;
}

/** A form field's id for a path the module names (`content.necessity` → `content-necessity`, `languages.0` → `languages`). */
export function fieldIdOf(path: string): string {
  if (path.startsWith('content.')) return `content-${path.slice('content.'.length)}`;
  const head = path.split('.')[0] ?? path;
  return head || 'request';
}

/** A field problem in the reader's language; an instrument is named by its short title. */
export function problemText(locale: Locale, snap: KnowledgeSnapshot, f: FieldProblem): string {
  const id = f.params?.instrument;
  const instrument = id ? snap.instruments.get(String(id)) : undefined;
  const params = instrument ? { ...f.params, instrument_es: instrument.shortTitle.es, instrument_en: instrument.shortTitle.en } : f.params;
  return localizeField(locale, { ...f, ...(params ? { params } : {}) });
}

/**
 * Where a problem is shown: the id of the form field it is about (given the id `fieldIdOf` derives
 * from its path), or undefined for the page's fallback.
 */
export type Placement = (id: string) => string | undefined;

/** Field problems keyed by the id of the field each one is about; anything `place` does not place goes on `fallback`. */
export function problemsOnFields(locale: Locale, snap: KnowledgeSnapshot, fields: readonly FieldProblem[], place: Placement, fallback: string): FieldErrors {
  const out: FieldErrors = new Map();
  for (const f of fields) {
    const key = place(fieldIdOf(f.path)) ?? fallback;
    out.set(key, [...(out.get(key) ?? []), problemText(locale, snap, f)]);
  }
  return out;
}

/**
 * A refusal shown on the page it came from, with its status (403, 409, 422): field problems beside
 * their fields, anything else on `fallback`. "Not found" (a request or case the person may not see),
 * a stale form and failures of the server go to the error page like anywhere else.
 */
export function refusalOnPage(
  request: FastifyRequest,
  snap: KnowledgeSnapshot,
  error: unknown,
  place: Placement,
  fallback: string,
): { errors: FieldErrors; status: number } {
  if (!(error instanceof AppError)) throw error;
  const status = statusFor(error.code);
  if (status >= 500 || ['not_found', 'unauthenticated', 'csrf.invalid', 'identity.reauthentication_required'].includes(error.code)) throw error;
  const locale = request.locale;
  if (error.code === 'validation.failed') return { errors: problemsOnFields(locale, snap, error.fields, place, fallback), status: 422 };
  let message: string;
  if (error.code === 'cooperation.transition_not_allowed') {
    const p = error.params ?? {};
    const allowed = String(p.allowed ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => stateLabel(locale, s));
    message = t(locale, 'coop.ui.error.transition', {
      from: stateLabel(locale, String(p.from ?? '')),
      to: stateLabel(locale, String(p.to ?? '')),
      allowed: allowed.length > 0 ? allowed.join(', ') : t(locale, 'common.none'),
    });
  } else if (error.code === 'forbidden') {
    message = t(locale, 'coop.ui.error.forbidden');
  } else {
    message = toProblem(error, request, locale).title;
  }
  return { errors: new Map([[fallback, [message]]]), status };
}

/** A link to a request with its reference. */
export function requestLink(locale: Locale, reference: string): SafeHtml {
  return html`<a class="ref" href="${href(locale, requestUrl(reference))}">${reference}</a>`;
}

/** A link to a case's page. */
export function caseLink(locale: Locale, reference: string): SafeHtml {
  return html`<a class="ref" href="${href(locale, casePageUrl(reference))}">${reference}</a>`;
}

/** The state of a request in words, with a class for its look (never colour alone: the word is always there). */
export function stateBadge(locale: Locale, state: string): SafeHtml {
  return html`<span class="badge request-state">${stateLabel(locale, state)}</span>`;
}

/** A table of requests (the case page's and the list's), with the case column when rows span cases. */
export function requestsTable(
  locale: Locale,
  snap: KnowledgeSnapshot,
  rows: ReadonlyArray<{
    reference: string;
    caseReference: string;
    type: string;
    direction: string;
    requestedState: string;
    requestingState: string;
    state: string;
    updatedAt: string;
  }>,
  options: { caption: string; tz: string; withCase: boolean },
): SafeHtml {
  const header = (key: string) => html`<th scope="col">${t(locale, key)}</th>`;
  return html`<div class="table-scroll"><table class="identity-table">
<caption>${options.caption}</caption>
<thead><tr>${header('coop.ui.reference')}${options.withCase ? header('coop.ui.case') : ''}${header('coop.ui.type')}${header('coop.ui.direction')}${header('coop.ui.counterpart')}${header('coop.ui.state')}${header('coop.ui.updatedAt')}</tr></thead>
<tbody>${rows.map(
    (r) => html`<tr>
<th scope="row">${requestLink(locale, r.reference)}</th>
${options.withCase ? html`<td>${caseLink(locale, r.caseReference)}</td>` : ''}
<td>${typeLabel(locale, r.type)}</td>
<td>${directionLabel(locale, r.direction)}</td>
<td>${stateName(locale, snap, r.direction === 'outgoing' ? r.requestedState : r.requestingState)}</td>
<td>${stateBadge(locale, r.state)}</td>
<td>${instant(locale, r.updatedAt, options.tz)}</td>
</tr>`,
  )}</tbody>
</table></div>`;
}
