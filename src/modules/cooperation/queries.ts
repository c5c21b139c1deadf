import { AppError, type FieldProblem } from '../../lib/errors.ts';
import { REQUEST_STATES } from './lifecycle.ts';
import { DIRECTIONS } from './model.ts';

/**
 * The query-like parameters every adapter of the workflow takes as typed (the API's query strings and
 * bodies, the CLI's options): filters, date ranges, document options. Parsed here once, so the API and
 * the CLI refuse the same input with the same problem, every bad field listed.
 */

const invalid = (path: string, code = 'validation.invalid', params?: Record<string, string>): FieldProblem => ({
  path,
  code,
  ...(params ? { params } : {}),
});

function refuse(fields: FieldProblem[]): void {
  if (fields.length > 0) throw new AppError('validation.failed', { message: `invalid ${fields.map((f) => f.path).join(', ')}`, fields });
}

const positiveInt = (value: string) => (/^\d{1,9}$/.test(value) && Number(value) > 0 ? Number(value) : undefined);

/** The filters of a request list; every bad one is listed. */
export function requestFilter(query: { case?: string | undefined; state?: string | undefined; direction?: string | undefined; limit?: string | undefined }) {
  const fields: FieldProblem[] = [];
  const { case: caseReference, state, direction, limit } = query;
  if (state && !(REQUEST_STATES as readonly string[]).includes(state)) fields.push(invalid('state', 'cooperation.state_unknown', { value: state }));
  if (direction && !(DIRECTIONS as readonly string[]).includes(direction)) fields.push(invalid('direction', 'cooperation.direction_invalid'));
  const max = limit ? positiveInt(limit) : undefined;
  if (limit && (max === undefined || max > 2000)) fields.push(invalid('limit'));
  refuse(fields);
  return {
    ...(caseReference ? { caseReference } : {}),
    ...(state ? { state } : {}),
    ...(direction ? { direction } : {}),
    ...(max ? { limit: max } : {}),
  };
}

const DAY_MS = 86_400_000;

/** A calendar date (UTC, as the module counts days) as the instant that starts it; undefined if not a real date. */
function dayStart(value: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const at = new Date(`${value}T00:00:00.000Z`);
  return Number.isNaN(at.getTime()) || at.toISOString().slice(0, 10) !== value ? undefined : at;
}

/**
 * `from` and `to` are calendar days (UTC), both included. The module compares instants as UTC ISO
 * strings with `to` excluded, so they are handed over in that form, never as typed.
 */
export function statisticsRange(query: { from?: string | undefined; to?: string | undefined }): { from?: string; to?: string } {
  const fields: FieldProblem[] = [];
  const from = query.from ? dayStart(query.from) : undefined;
  const to = query.to ? dayStart(query.to) : undefined;
  if (query.from && !from) fields.push(invalid('from', 'legal.invalid_date', { value: query.from }));
  if (query.to && !to) fields.push(invalid('to', 'legal.invalid_date', { value: query.to }));
  refuse(fields);
  return {
    ...(from ? { from: from.toISOString() } : {}),
    ...(to ? { to: new Date(to.getTime() + DAY_MS).toISOString() } : {}),
  };
}

/** The document's format (pdf by default) and fixed version (default: the current one). */
export function documentOptions(query: { format?: string | undefined; version?: string | undefined }): { format: 'pdf' | 'html'; version?: number } {
  const fields: FieldProblem[] = [];
  const { format, version } = query;
  if (format !== undefined && format !== 'pdf' && format !== 'html') fields.push(invalid('format'));
  const wanted = version !== undefined ? positiveInt(version) : undefined;
  if (version !== undefined && wanted === undefined) fields.push(invalid('version'));
  refuse(fields);
  return { format: format === 'html' ? 'html' : 'pdf', ...(wanted !== undefined ? { version: wanted } : {}) };
}

/** Marking notifications read needs the ids, or `all`. */
export function notificationsToMark(body: { ids?: string[] | undefined; all?: boolean | undefined }): string[] | 'all' {
  if (body.all === true) return 'all';
  if (body.ids === undefined) refuse([invalid('ids')]);
  return body.ids ?? [];
}
