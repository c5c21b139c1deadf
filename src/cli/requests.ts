import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { App } from '../app.ts';
import { type Locale, t } from '../i18n/index.ts';
import { AppError } from '../lib/errors.ts';
import { isoWithOffset } from '../lib/time.ts';
import {
  documentOptions,
  presentGaps,
  type RequestRecord,
  type RequestView,
  requestFilter,
  statisticsCsv,
  statisticsRange,
} from '../modules/cooperation/index.ts';
import { operator } from './identity.ts';
import { type CommonOptions, collect, type Output, print, type WithApp, withOutputOptions } from './output.ts';

/** Exit code of `request gaps` when something is still missing (like a failed fixity check: the answer is "no"). */
const INCOMPLETE = 5;

type Options = CommonOptions & { org: string };
interface DraftOptions {
  instrument?: string;
  requestingAuthority?: string;
  requestedAuthority?: string;
  content?: string[];
  contentFile?: string;
  urgency?: string;
  justification?: string;
  language?: string[];
  conduct?: string[];
  dueAt?: string;
  confidential?: boolean;
  /** Commander's `--no-notification`: false when given. */
  notification?: boolean;
}

const fileProblem = (path: string, code: string, message: string) => new AppError('validation.failed', { message, fields: [{ path, code, message }] });

/** A JSON object from a file, or the same problem whatever went wrong with it. */
async function readJsonObject(file: string, path: string): Promise<Record<string, unknown>> {
  let raw: string;
  try {
    raw = await readFile(resolve(file), 'utf8');
  } catch (error) {
    throw fileProblem(path, 'requests.cli.file_unreadable', `cannot read ${file}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw fileProblem(path, 'requests.cli.json_invalid', `${file}: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fileProblem(path, 'requests.cli.json_invalid', `${file} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** The draft fields given on the command line (only those given: an update changes nothing else). */
async function draftOf(o: DraftOptions): Promise<Record<string, unknown>> {
  let content: Record<string, unknown> | undefined;
  if (o.contentFile) content = await readJsonObject(o.contentFile, 'contentFile');
  for (const pair of o.content ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw fileProblem('content', 'requests.cli.content_pair', `--content ${pair}: expected id=text`);
    content = { ...content, [pair.slice(0, at).trim()]: pair.slice(at + 1) };
  }
  return {
    ...(o.instrument !== undefined ? { instrument: o.instrument } : {}),
    ...(o.requestingAuthority !== undefined ? { requestingAuthority: o.requestingAuthority } : {}),
    ...(o.requestedAuthority !== undefined ? { requestedAuthority: o.requestedAuthority } : {}),
    ...(content !== undefined ? { content } : {}),
    ...(o.urgency !== undefined ? { urgency: o.urgency } : {}),
    ...(o.justification !== undefined ? { urgencyJustification: o.justification } : {}),
    ...(o.language !== undefined ? { languages: o.language } : {}),
    ...(o.conduct !== undefined ? { conducts: o.conduct } : {}),
    ...(o.dueAt !== undefined ? { dueAt: o.dueAt } : {}),
    ...(o.confidential ? { confidential: true } : {}),
    ...(o.notification === false ? { noNotification: true } : {}),
  };
}

/** The options that edit a request's content, shared by `create` and `update`. */
const draftOptions = (c: Command) =>
  c
    .option('--instrument <id>', 'the legal basis, e.g. ETS185 (default on creation: the engine’s best available basis)')
    .option('--requesting-authority <text>', 'requesting authority (directory id or name)')
    .option('--requested-authority <text>', 'requested authority (default: the basis’s designated authority)')
    .option('--content <id=text>', 'one mandatory-content element (repeatable; the knowledge base’s element ids)', collect)
    .option('--content-file <file.json>', 'a JSON object of element id → text (--content wins over it)')
    .option('--urgency <level>', 'normal, urgent or emergency')
    .option('--justification <text>', 'why it is urgent (needed for an emergency)')
    .option('--language <code>', 'language of the answer or execution, ISO 639-1 (repeatable)', collect)
    .option('--conduct <id>', 'conduct from the taxonomy (repeatable)', collect)
    .option('--due-at <instant>', 'an answer-by date with its offset')
    .option('--confidential', 'ask that the request be kept confidential')
    .option('--no-notification', 'ask that the person concerned not be told');

const at = (app: App, iso: string) => isoWithOffset(new Date(iso), app.config.timeZone);
const directionOf = (locale: Locale, direction: string) => t(locale, `requests.cli.direction.${direction}`);
const measureOf = (locale: Locale, type: string) => t(locale, `measure.${type}`);

function createdText(out: Output, r: RequestRecord): string {
  return t(out.locale, r.direction === 'incoming' ? 'requests.cli.registered' : 'requests.cli.created', {
    reference: r.reference,
    case: r.caseReference,
    measure: measureOf(out.locale, r.type),
    requesting: r.requestingState,
    requested: r.requestedState,
    instrument: r.instrument ?? '—',
    state: r.state,
  });
}

/**
 * Where a request stands for its gaps: before sending they stop the next step; once it has gone
 * (or came from abroad, or was withdrawn unsent) they say something else, and the CLI says what.
 */
type GapStage = 'draft' | 'pending_approval' | 'approved' | 'sent' | 'closed' | 'withdrawn' | 'incoming';
function gapStage(r: RequestRecord): GapStage {
  if (r.direction === 'incoming') return 'incoming';
  if (r.state === 'draft' || r.state === 'pending_approval' || r.state === 'approved') return r.state;
  if (r.state === 'closed') return 'closed';
  return r.sentAt ? 'sent' : 'withdrawn';
}

/** The sentence that heads a request's gaps, or says it has none, as its state gives them meaning. */
function gapsSentence(app: App, locale: Locale, r: RequestRecord, complete: boolean): string {
  const stage = gapStage(r);
  const params = { reference: r.reference, state: r.state, at: r.sentAt ? at(app, r.sentAt) : '—' };
  if (stage === 'draft') return t(locale, complete ? 'requests.cli.complete' : 'requests.cli.gapsHead', params);
  return t(locale, `requests.cli.gaps.${stage}.${complete ? 'complete' : 'lacks'}`, params);
}

function gapLines(out: Output, view: RequestView): string[] {
  return presentGaps(view.gaps, out.locale).map((g) => `  - ${g.path}: ${g.message}`);
}

function viewText(app: App, out: Output, view: RequestView): string {
  const r = view.request;
  const L = out.locale;
  const lines = [
    t(L, 'requests.cli.head', { reference: r.reference, direction: directionOf(L, r.direction), case: r.caseReference }),
    t(L, 'requests.cli.what', {
      measure: measureOf(L, r.type),
      requesting: r.requestingState,
      requested: r.requestedState,
      instrument: r.instrument ?? '—',
      kbVersion: r.kbVersion ?? '—',
    }),
    t(L, 'requests.cli.where', { state: r.state, version: r.version, by: r.draftedBy, at: at(app, r.createdAt) }),
    view.nextSteps.length > 0 ? t(L, 'requests.cli.next', { steps: view.nextSteps.join(', ') }) : t(L, 'requests.cli.noNext'),
  ];
  if (view.gaps.length > 0) lines.push(gapsSentence(app, L, r, false), ...gapLines(out, view));
  if (view.deadlines.length > 0) {
    lines.push(t(L, 'requests.cli.deadlines'));
    for (const d of view.deadlines) {
      lines.push(
        `  ${t(L, 'requests.cli.deadline', {
          label: d.label[L],
          article: d.article,
          due: d.dueAt ? `${at(app, d.dueAt)}${d.estimated ? ' (~)' : ''}` : t(L, 'requests.cli.deadlinePending'),
          status: d.status,
        })}`,
      );
    }
  }
  for (const w of view.warnings) lines.push(`! ${t(L, `warning.${w.code}`, w.params)}`);
  lines.push(t(L, 'requests.cli.history'));
  for (const s of view.steps)
    lines.push(`  ${s.seq}\t${at(app, s.at)}\t${s.from ?? '—'} → ${s.to}\t${s.actorName ?? s.actor}${s.reason ? `\t${s.reason}` : ''}`);
  return lines.join('\n');
}

/**
 * `custodia case facts|identifier|person`, `custodia request …` and `custodia jobs run`: the
 * cooperation workflow from the shell, as the node operator, in one organisation (`--org`). The
 * operator is not a person on the case's access list: the module's own rules (completeness, steps,
 * four eyes against the operator's own drafts) apply unchanged, and every refusal is the API's problem.
 */
export function registerRequestCommands(program: Command, withApp: WithApp): void {
  const common = withOutputOptions;
  const org = (c: Command) => c.requiredOption('--org <id>', 'the organisation acting (the case’s and the request’s)');

  // ── Case details: under `custodia case`, beside create and list ──
  const cases = program.commands.find((c) => c.name() === 'case') ?? program.command('case').description('cases (investigations)');

  common(
    org(
      cases
        .command('facts')
        .argument('<reference>', 'the case reference')
        .option('--conduct <id>', 'conduct from the taxonomy (repeatable; replaces the list)', collect)
        .option('--offence <id>', 'offence from a catalogue (repeatable; replaces the list)', collect)
        .option('--summary-es <text>', 'summary of the facts in Spanish')
        .option('--summary-en <text>', 'summary of the facts in English')
        .option('--title <text>', 'a short title')
        .description('set a case’s facts (only what is given changes) and show them'),
    ),
  ).action((reference: string, o: Options & { conduct?: string[]; offence?: string[]; summaryEs?: string; summaryEn?: string; title?: string }) =>
    withApp(o, async (app, out) => {
      const facts = {
        ...(o.conduct !== undefined ? { conducts: o.conduct } : {}),
        ...(o.offence !== undefined ? { offences: o.offence } : {}),
        ...(o.summaryEs !== undefined ? { summaryEs: o.summaryEs } : {}),
        ...(o.summaryEn !== undefined ? { summaryEn: o.summaryEn } : {}),
        ...(o.title !== undefined ? { title: o.title } : {}),
      };
      if (Object.keys(facts).length > 0) await app.cooperation.caseDetails.setFacts(operator(), o.org, reference, facts);
      const d = await app.cooperation.caseDetails.get(operator(), o.org, reference);
      const L = out.locale;
      const none = t(L, 'common.none');
      print(out, d, () =>
        [
          t(L, 'requests.cli.caseHead', { reference: d.reference, org: d.orgId, title: d.title || '—' }),
          t(L, 'requests.cli.conducts', { list: d.conducts.join(', ') || none }),
          t(L, 'requests.cli.offences', { list: d.offences.join(', ') || none }),
          t(L, 'requests.cli.summary', { lang: 'es', text: d.summary.es || '—' }),
          t(L, 'requests.cli.summary', { lang: 'en', text: d.summary.en || '—' }),
          ...(d.identifiers.length > 0
            ? [
                t(L, 'requests.cli.identifiers'),
                ...d.identifiers.map(
                  (i) => `  ${i.kind}\t${i.value}${i.port !== null ? `:${i.port}` : ''}\t${i.observedAt ?? ''}${i.timeZone ? ` (${i.timeZone})` : ''}`,
                ),
              ]
            : []),
          ...(d.persons.length > 0 ? [t(L, 'requests.cli.persons'), ...d.persons.map((p) => `  ${p.role}\t${p.name}`)] : []),
        ].join('\n'),
      );
    }),
  );

  common(
    org(
      cases
        .command('identifier')
        .argument('<reference>', 'the case reference')
        .requiredOption('--kind <kind>', 'ip, account, email, phone, url, domain or wallet')
        .requiredOption('--value <value>', 'the identifier')
        .option('--port <port>', 'source port')
        .option('--observed-at <instant>', 'when it was seen, with its offset (needed for an IP address)')
        .option('--time-zone <zone>', 'IANA time zone of the observation')
        .option('--note <text>', 'a note')
        .description('add an identifier to a case'),
    ),
  ).action((reference: string, o: Options & { kind: string; value: string; port?: string; observedAt?: string; timeZone?: string; note?: string }) =>
    withApp(o, async (app, out) => {
      const id = await app.cooperation.caseDetails.addIdentifier(operator(), o.org, reference, {
        kind: o.kind,
        value: o.value,
        ...(o.port !== undefined ? { port: o.port } : {}),
        ...(o.observedAt !== undefined ? { observedAt: o.observedAt } : {}),
        ...(o.timeZone !== undefined ? { timeZone: o.timeZone } : {}),
        ...(o.note !== undefined ? { note: o.note } : {}),
      });
      print(out, { case: reference, id }, () => t(out.locale, 'requests.cli.identifierAdded', { reference, id }));
    }),
  );

  common(
    org(
      cases
        .command('person')
        .argument('<reference>', 'the case reference')
        .requiredOption('--name <name>', 'full name')
        .requiredOption('--role <role>', 'suspect, victim, witness, account-holder or other')
        .option('--details <text>', 'identifying details')
        .description('add a person to a case'),
    ),
  ).action((reference: string, o: Options & { name: string; role: string; details?: string }) =>
    withApp(o, async (app, out) => {
      const id = await app.cooperation.caseDetails.addPerson(operator(), o.org, reference, {
        name: o.name,
        role: o.role,
        ...(o.details !== undefined ? { details: o.details } : {}),
      });
      print(out, { case: reference, id }, () => t(out.locale, 'requests.cli.personAdded', { reference, id }));
    }),
  );

  // ── Requests ──
  const request = program.command('request').description('cooperation requests: draft, register, step, gaps, documents, deadlines, statistics');

  common(
    org(
      draftOptions(
        request
          .command('create')
          .requiredOption('--case <reference>', 'the case it belongs to')
          .requiredOption('--type <type>', 'request type, e.g. preservation, mutual-legal-assistance')
          .requiredOption('--from <state>', 'requesting State (ISO 3166-1 alpha-2)')
          .requiredOption('--to <state>', 'requested State')
          .option('--incoming', 'register an incoming request (received) instead of drafting an outgoing one')
          .option('--parent <reference>', 'the earlier request this one follows (a preservation’s MLA, its extension)')
          .option('--link-kind <kind>', 'follow-up, extension or related (default from the two types)'),
      ).description('draft an outgoing request, or register an incoming one'),
    ),
  ).action((o: Options & DraftOptions & { case: string; type: string; from: string; to: string; incoming?: boolean; parent?: string; linkKind?: string }) =>
    withApp(o, async (app, out) => {
      const created = await app.cooperation.create(operator(), o.org, {
        caseReference: o.case,
        type: o.type,
        requestingState: o.from,
        requestedState: o.to,
        direction: o.incoming ? 'incoming' : 'outgoing',
        ...(o.parent !== undefined ? { parentReference: o.parent } : {}),
        ...(o.linkKind !== undefined ? { linkKind: o.linkKind } : {}),
        ...(await draftOf(o)),
      });
      print(out, created, () => createdText(out, created));
    }),
  );

  common(
    org(
      request
        .command('import')
        .argument('<file>', 'a JSON file: the body of POST /api/v1/requests (docs/cooperation.md)')
        .description('register an incoming request from a structured JSON file'),
    ),
  ).action((file: string, o: Options) =>
    withApp(o, async (app, out) => {
      const body = await readJsonObject(file, 'file');
      if (body.direction !== undefined && body.direction !== 'incoming') {
        throw fileProblem('direction', 'requests.cli.incoming_only', `${file}: direction must be absent or "incoming"`);
      }
      const created = await app.cooperation.create(operator(), o.org, { ...body, direction: 'incoming' });
      print(out, created, () => createdText(out, created));
    }),
  );

  common(
    org(
      draftOptions(request.command('update').argument('<reference>', 'the request reference')).description(
        'change a request: a draft in place; once sent or registered, as a new fixed version',
      ),
    ),
  ).action((reference: string, o: Options & DraftOptions) =>
    withApp(o, async (app, out) => {
      const updated = await app.cooperation.update(operator(), o.org, reference, await draftOf(o));
      print(out, updated, () => t(out.locale, 'requests.cli.updated', { reference, version: updated.version, state: updated.state }));
    }),
  );

  common(org(request.command('show').argument('<reference>', 'the request reference').description('a request: state, gaps, deadlines, history'))).action(
    (reference: string, o: Options) =>
      withApp(o, async (app, out) => {
        const view = await app.cooperation.get(operator(), o.org, reference);
        print(out, { ...view, gaps: presentGaps(view.gaps, out.locale) }, () => viewText(app, out, view));
      }),
  );

  common(
    org(
      request
        .command('list')
        .option('--case <reference>', 'only this case')
        .option('--state <state>', 'only in this state')
        .option('--direction <direction>', 'outgoing or incoming')
        .option('--limit <n>', '1 to 2000, default 500')
        .description('the requests of an organisation, newest first'),
    ),
  ).action((o: Options & { case?: string; state?: string; direction?: string; limit?: string }) =>
    withApp(o, async (app, out) => {
      const requests = await app.cooperation.list(operator(), o.org, requestFilter(o));
      print(out, { requests }, () =>
        requests.length === 0
          ? t(out.locale, 'requests.cli.none')
          : requests
              .map((r) =>
                t(out.locale, 'requests.cli.line', {
                  reference: r.reference,
                  case: r.caseReference,
                  measure: measureOf(out.locale, r.type),
                  direction: directionOf(out.locale, r.direction),
                  requesting: r.requestingState,
                  requested: r.requestedState,
                  state: r.state,
                  at: at(app, r.createdAt),
                }),
              )
              .join('\n'),
      );
    }),
  );

  common(
    org(
      request
        .command('step')
        .argument('<reference>', 'the request reference')
        .argument('<to>', 'the state to move to, e.g. pending_approval, approved, sent, refused')
        .option('--reason <text>', 'why (needed to refuse, postpone, withdraw or execute partially)')
        .option('--ground <id>', 'a refusal ground the instrument provides (repeatable)', collect)
        .option('--at <instant>', 'when it happened, with its offset, if recorded after the fact')
        .description('move a request one step'),
    ),
  ).action((reference: string, to: string, o: Options & { reason?: string; ground?: string[]; at?: string }) =>
    withApp(o, async (app, out) => {
      const moved = await app.cooperation.step(operator(), o.org, reference, {
        to,
        ...(o.reason !== undefined ? { reason: o.reason } : {}),
        ...(o.ground !== undefined ? { grounds: o.ground } : {}),
        ...(o.at !== undefined ? { at: o.at } : {}),
      });
      print(out, moved, () => t(out.locale, 'requests.cli.stepped', { reference, state: moved.state }));
    }),
  );

  common(
    org(
      request
        .command('gaps')
        .argument('<reference>', 'the request reference')
        .description(`what a request still lacks, each with its article (exit code ${INCOMPLETE} while anything is missing)`),
    ),
  ).action((reference: string, o: Options) =>
    withApp(o, async (app, out) => {
      const view = await app.cooperation.get(operator(), o.org, reference);
      const gaps = presentGaps(view.gaps, out.locale);
      const r = view.request;
      print(out, { reference, state: r.state, stage: gapStage(r), complete: gaps.length === 0, gaps }, () =>
        [gapsSentence(app, out.locale, r, gaps.length === 0), ...(gaps.length > 0 ? gapLines(out, view) : [])].join('\n'),
      );
      if (gaps.length > 0) process.exitCode = INCOMPLETE;
    }),
  );

  common(
    org(
      request
        .command('document')
        .argument('<reference>', 'the request reference')
        .requiredOption('--out <file>', 'where to write it')
        .option('--format <format>', 'pdf (default) or html')
        .option('--version <n>', 'a fixed version (default: the current one; a draft is marked DRAFT)')
        .option('--force', 'replace the file if it exists')
        .description('write the request’s formal document (its language: --lang)'),
    ),
  ).action((reference: string, o: Options & { out: string; format?: string; version?: string; force?: boolean }) =>
    withApp(o, async (app, out) => {
      const doc = await app.cooperation.documents.render(operator(), o.org, reference, { locale: out.locale, ...documentOptions(o) });
      const file = resolve(o.out);
      try {
        await writeFile(file, doc.bytes, { flag: o.force ? 'w' : 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw fileProblem('out', 'requests.cli.out_exists', `${file} exists`);
        throw error;
      }
      const result = { reference, file, fileName: doc.fileName, contentType: doc.contentType, bytes: doc.bytes.length, version: doc.version, draft: doc.draft };
      print(out, result, () =>
        t(out.locale, doc.draft ? 'requests.cli.documentDraft' : 'requests.cli.document', { file, bytes: doc.bytes.length, version: doc.version }),
      );
    }),
  );

  common(org(request.command('dashboard').description('deadlines overdue, due within 24 hours and within 7 days'))).action((o: Options) =>
    withApp(o, async (app, out) => {
      const board = await app.cooperation.dashboard.due(operator(), o.org);
      const L = out.locale;
      print(out, board, () => {
        const lines: string[] = [];
        for (const bucket of ['overdue', 'day', 'week'] as const) {
          if (board[bucket].length === 0) continue;
          lines.push(t(L, `requests.cli.${bucket}`));
          for (const d of board[bucket]) {
            lines.push(
              `  ${t(L, 'requests.cli.due', { due: at(app, d.dueAt), request: d.requestReference, case: d.caseReference, label: d.label[L], article: d.article })}`,
            );
          }
        }
        return lines.length > 0 ? lines.join('\n') : t(L, 'requests.cli.nothingDue');
      });
    }),
  );

  common(
    org(
      request
        .command('stats')
        .option('--from <date>', 'first day counted (YYYY-MM-DD, UTC; by creation date)')
        .option('--to <date>', 'last day counted, included')
        .option('--csv', 'print the RFC 4180 CSV (one row per type, direction, State and outcome)')
        .description('requests by type, State and outcome, with the days to answer'),
    ),
  ).action((o: Options & { from?: string; to?: string; csv?: boolean }) =>
    withApp(o, async (app, out) => {
      const stats = await app.cooperation.statistics.compute(operator(), o.org, statisticsRange(o));
      if (o.csv) {
        process.stdout.write(statisticsCsv(stats));
        return;
      }
      print(out, stats, () =>
        [
          t(out.locale, 'requests.cli.total', { total: stats.total }),
          ...stats.rows.map(
            (r) => `${r.type}\t${r.direction}\t${r.state}\t${r.outcome}\t${r.count}\t${r.answered}\t${r.medianDays ?? '—'}\t${r.p90Days ?? '—'}`,
          ),
        ].join('\n'),
      );
    }),
  );

  // ── The job queue, once (the server runs it every minute) ──
  const jobs = program.command('jobs').description('the durable job queue (deadline reminders and escalations)');
  common(jobs.command('run').description('run the jobs due now, once')).action((o: CommonOptions) =>
    withApp(o, async (app, out) => {
      const count = await app.cooperation.runDueJobs();
      print(out, { ran: count }, () => t(out.locale, 'requests.cli.jobs', { count }));
    }),
  );
}
