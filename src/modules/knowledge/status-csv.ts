import { sha256Hex } from '../../lib/canonical-json.ts';
import type { FieldProblem } from '../../lib/errors.ts';
import { IsoDate, type Source, STATUS_EVENTS, type StatusEvent } from './schema.ts';

export const STATUS_CSV_HEADER = ['instrument', 'state', 'event', 'date', 'source'] as const;

/** Hosts of the depositaries whose tables this format is exported from. */
const DEPOSITARY_HOSTS = ['treaties.un.org', 'coe.int', 'www.coe.int', 'rm.coe.int', 'oas.org', 'www.oas.org'];

/** RFC 4180 fields: commas, double quotes doubled inside quoted fields, CRLF or LF line ends. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export interface ParsedStatusCsv {
  events: StatusEvent[];
  sources: Source[];
  problems: FieldProblem[];
}

/**
 * Reads the interchange format users get from depositary tables. Every row is checked and every
 * problem is reported with its line; the caller imports nothing unless `problems` is empty.
 */
export function parseStatusCsv(text: string, known: { instruments: Set<string>; states: Set<string>; today: string }): ParsedStatusCsv {
  const problems: FieldProblem[] = [];
  const rows = parseCsv(text.replace(/^\uFEFF/, '')).filter((r) => !(r.length === 1 && r[0]?.trim() === ''));
  const header = rows[0]?.map((h) => h.trim().toLowerCase());
  if (!header || header.join(',') !== STATUS_CSV_HEADER.join(',')) {
    problems.push({
      path: 'line 1',
      code: 'kb.csv_bad_header',
      message: `the header must be exactly ${STATUS_CSV_HEADER.join(',')}`,
      params: { expected: STATUS_CSV_HEADER.join(',') },
    });
    return { events: [], sources: [], problems };
  }
  if (rows.length < 2) problems.push({ path: 'line 2', code: 'kb.csv_empty', message: 'no data rows' });

  const events: StatusEvent[] = [];
  const sources = new Map<string, Source>();
  const seen = new Map<string, number>();
  rows.slice(1).forEach((cells, index) => {
    const line = index + 2;
    const at = (field: string) => `line ${line}: ${field}`;
    if (cells.length !== STATUS_CSV_HEADER.length) {
      problems.push({ path: `line ${line}`, code: 'kb.csv_field_count', message: `expected ${STATUS_CSV_HEADER.length} fields, found ${cells.length}` });
      return;
    }
    const [instrument = '', stateRaw = '', event = '', date = '', sourceText = ''] = cells.map((c) => c.trim());
    const state = stateRaw.toUpperCase();
    let ok = true;
    const fail = (field: string, code: string, message: string) => {
      problems.push({ path: at(field), code, message });
      ok = false;
    };
    if (!known.instruments.has(instrument)) fail('instrument', 'kb.unknown_instrument', `unknown instrument "${instrument}"`);
    if (!/^(?:[A-Z]{2}|EU)$/.test(state)) fail('state', 'kb.invalid_state_code', `"${stateRaw}" is not an ISO 3166-1 alpha-2 code or EU`);
    else if (!known.states.has(state)) fail('state', 'kb.unknown_state', `unknown State "${stateRaw}"`);
    if (!(STATUS_EVENTS as readonly string[]).includes(event))
      fail('event', 'kb.unknown_event', `unknown event "${event}"; expected one of ${STATUS_EVENTS.join(', ')}`);
    if (!IsoDate.safeParse(date).success) fail('date', 'kb.invalid_date', `"${date}" is not an ISO date YYYY-MM-DD`);
    else if (date > known.today) fail('date', 'kb.future_date', `${date} is in the future`);
    if (sourceText === '') fail('source', 'kb.missing_source', 'every row needs its source (URL or citation)');
    if (!ok) return;
    const duplicateOf = seen.get(`${instrument}/${state}/${event}/${date}/${sourceText}`);
    if (duplicateOf !== undefined) {
      problems.push({ path: `line ${line}`, code: 'kb.csv_duplicate_row', message: `same as line ${duplicateOf}` });
      return;
    }
    seen.set(`${instrument}/${state}/${event}/${date}/${sourceText}`, line);
    const source = sourceFor(sourceText, known.today);
    sources.set(source.id, source);
    events.push({
      instrument,
      state,
      event: event as StatusEvent['event'],
      date,
      source: source.id,
      asOf: known.today,
      recorded: known.today,
      confidence: source.tier === 'depositary' ? 'verified' : 'secondary',
      locator: `CSV line ${line}`,
    });
  });
  return { events, sources: [...sources.values()], problems };
}

function sourceFor(text: string, today: string): Source {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  const isUrl = url !== undefined && (url.protocol === 'https:' || url.protocol === 'http:');
  const tier = isUrl && url && DEPOSITARY_HOSTS.includes(url.hostname) ? 'depositary' : 'secondary';
  const source: Source = {
    id: `csv-${sha256Hex(text).slice(0, 16)}`,
    tier,
    title: isUrl && url ? url.hostname + url.pathname : text.slice(0, 200),
    publisher: isUrl && url ? url.hostname : 'imported status table',
    retrieved: today,
  };
  if (isUrl) source.url = text;
  else source.citation = text;
  return source;
}
