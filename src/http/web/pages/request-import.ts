/**
 * Registering an incoming request from a structured file (issue #6), without JavaScript: the person
 * uploads the JSON the other side sent (or one prepared from it), in the format of
 * `custodia request import` (docs/cooperation.md, "Import file"): the body of POST /api/v1/requests.
 * The file is read whole, up to 1 MiB, and registered in the page's case as `received`, version 1;
 * a file the module refuses comes back with every problem listed by its JSON path, and nothing is
 * written. Someone off the case's access list is told the case does not exist.
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { type Locale, t } from '../../../i18n/index.ts';
import { AppError } from '../../../lib/errors.ts';
import type { KnowledgeSnapshot } from '../../../modules/knowledge/index.ts';
import { MEASURES } from '../../../modules/knowledge/index.ts';
import { csrfField } from '../../auth/csrf.ts';
import { html, type SafeHtml } from '../../html.ts';
import { href } from '../layout.ts';
import { type FieldErrors, focusedSummary, sendPrivate, who } from './common.ts';
import { casePageUrl, problemText, refusalOnPage, requestUrl, typeLabel } from './cooperation-common.ts';
import { multipartScope, readMultipartForm } from './evidence-upload.ts';

/** The largest import file read: a request is text, far below this. */
export const IMPORT_MAX_BYTES = 1024 * 1024;
const FIELD = 'file';

export const importUrl = (caseReference: string) => casePageUrl(caseReference, '/requests/import');

type Outcome = { created: string } | { errors: FieldErrors; status: number };

const fileError = (message: string, status = 422): Outcome => ({ errors: new Map([[FIELD, [message]]]), status });

/**
 * The whole file, or undefined when it is larger than `max`. Past `max` nothing more is kept, and
 * the stream is left paused, not destroyed: the form's reader drains the rest (as for every
 * multipart form, bounded by the upload limit), so the browser, still sending, gets the answer.
 */
function readCapped(stream: Readable & { truncated?: boolean }, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (value: Buffer | undefined) => {
      if (settled) return;
      settled = true;
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('limit', onLimit);
      stream.pause();
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) settle(undefined);
      else chunks.push(chunk);
    };
    const onEnd = () => settle(stream.truncated ? undefined : Buffer.concat(chunks));
    // The node's own upload limit, when it is lower than ours.
    const onLimit = () => settle(undefined);
    // Kept after settling: a late error (the browser gone) is the form reader's to report.
    stream.on('error', (error: Error & { code?: string }) => {
      if (settled) return;
      if (error.code === 'FST_REQ_FILE_TOO_LARGE') return settle(undefined);
      settled = true;
      reject(error);
    });
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('limit', onLimit);
    // A body cut off before its closing boundary: the parser destroys the file stream, maybe before
    // these listeners were attached (the case is looked up first). It will never end; say why.
    const cutOff = () => {
      if (settled || stream.readableEnded) return;
      settled = true;
      reject(stream.errored ?? new Error('the multipart body ended inside the file'));
    };
    stream.once('close', cutOff);
    if (stream.destroyed) cutOff();
  });
}

/** The file as a JSON object, or the problem with it in the reader's language. */
function parseObject(locale: Locale, bytes: Buffer): { body: Record<string, unknown> } | { error: string } {
  let text: string;
  try {
    // A byte-order mark is dropped; anything that is not UTF-8 is refused rather than guessed.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { error: t(locale, 'coop.ui.import.error.encoding') };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: t(locale, 'coop.ui.import.error.json') };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: t(locale, 'coop.ui.import.error.object') };
  return { body: value as Record<string, unknown> };
}

/** Every problem the module found, each named by its path in the file. */
function fileProblems(locale: Locale, snap: KnowledgeSnapshot, error: AppError): FieldErrors {
  const messages = error.fields.map((f) => t(locale, 'coop.ui.import.problem', { path: f.path || 'request', message: problemText(locale, snap, f) }));
  return new Map([[FIELD, messages.length > 0 ? messages : [error.message]]]);
}

/** The format, in short: the fields, which ones are required, an example for this case. */
function formatSection(locale: Locale, caseReference: string): SafeHtml {
  const rows: Array<[string, boolean, string | SafeHtml]> = [
    [
      'type',
      true,
      html`${t(locale, 'coop.ui.import.field.type')} ${MEASURES.map((m, i) => html`${i > 0 ? ', ' : ''}<code>${m}</code> (${typeLabel(locale, m)})`)}`,
    ],
    ['requestingState', true, t(locale, 'coop.ui.import.field.requestingState')],
    ['requestedState', true, t(locale, 'coop.ui.import.field.requestedState')],
    ['instrument', false, t(locale, 'coop.ui.import.field.instrument')],
    ['content', false, t(locale, 'coop.ui.import.field.content')],
    ['languages', false, t(locale, 'coop.ui.import.field.languages')],
    ['requestingAuthority', false, t(locale, 'coop.ui.import.field.requestingAuthority')],
    ['caseReference', false, t(locale, 'coop.ui.import.field.caseReference', { reference: caseReference })],
    ['direction', false, t(locale, 'coop.ui.import.field.direction')],
  ];
  const example = {
    caseReference,
    direction: 'incoming',
    type: 'subscriber-information',
    requestingState: 'ES',
    requestedState: 'PE',
    instrument: 'ETS185',
    requestingAuthority: 'Fiscalía Provincial de Madrid',
    languages: ['es'],
    content: { 'offence-and-facts': t(locale, 'coop.ui.import.example.facts') },
  };
  return html`<section aria-labelledby="format-title">
<h2 id="format-title">${t(locale, 'coop.ui.import.format')}</h2>
<p>${t(locale, 'coop.ui.import.format.intro', { max: '1 MiB' })}</p>
<div class="table-scroll"><table class="identity-table">
<caption>${t(locale, 'coop.ui.import.format.caption')}</caption>
<thead><tr><th scope="col">${t(locale, 'coop.ui.import.format.field')}</th><th scope="col">${t(locale, 'coop.ui.import.format.required')}</th><th scope="col">${t(
    locale,
    'coop.ui.import.format.meaning',
  )}</th></tr></thead>
<tbody>${rows.map(
    ([name, required, meaning]) =>
      html`<tr><th scope="row"><code>${name}</code></th><td>${t(locale, required ? 'coop.ui.import.format.yes' : 'coop.ui.import.format.no')}</td><td>${meaning}</td></tr>`,
  )}</tbody>
</table></div>
<p>${t(locale, 'coop.ui.import.format.more')} <a href="${href(locale, '/api/docs')}">${t(locale, 'coop.ui.import.format.api')}</a></p>
<p id="example-title">${t(locale, 'coop.ui.import.example')}</p>
<pre class="ledger-command" aria-labelledby="example-title"><code>${JSON.stringify(example, null, 2)}</code></pre>
</section>`;
}

export function registerRequestImport(server: FastifyInstance, app: App): void {
  const refOf = (request: FastifyRequest) => (request.params as { ref: string }).ref;
  const policy = { permission: 'requests.register' as const };

  async function importPage(request: FastifyRequest, reply: FastifyReply, state: { errors?: FieldErrors; status?: number } = {}) {
    const locale = request.locale;
    const { actor, orgId } = who(request);
    // Need to know: off the case's access list, the case does not exist (404).
    const kase = await app.cooperation.caseDetails.get(actor, orgId, refOf(request));
    const errors: FieldErrors = state.errors ?? new Map();
    const problem = errors.get(FIELD);
    const title = t(locale, 'coop.ui.import.title', { reference: kase.reference });
    return sendPrivate(reply, request, app, {
      title,
      path: '/requests',
      status: state.status ?? 200,
      body: html`${focusedSummary(locale, errors)}
<p><a href="${href(locale, casePageUrl(kase.reference))}">${t(locale, 'coop.ui.case.back', { reference: kase.reference })}</a></p>
<h1>${title}</h1>
<p>${t(locale, 'coop.ui.import.intro')}</p>
<form class="query" method="post" enctype="multipart/form-data" action="${importUrl(kase.reference)}?lang=${locale}" novalidate>
${csrfField(request, reply)}
<div class="field">
<label for="${FIELD}">${t(locale, 'coop.ui.import.file')}</label>
<p class="hint" id="${FIELD}-hint">${t(locale, 'coop.ui.import.file.hint', { max: '1 MiB' })}</p>
${problem ? html`<div class="field-error" id="${FIELD}-error"><ul>${problem.map((m) => html`<li>${m}</li>`)}</ul><p>${t(locale, 'coop.ui.import.nothingSaved')}</p></div>` : ''}
<input type="file" id="${FIELD}" name="${FIELD}" accept=".json,application/json" required aria-describedby="${FIELD}-hint${problem ? ` ${FIELD}-error` : ''}"${
        problem ? html` aria-invalid="true"` : ''
      }>
</div>
<div><button type="submit">${t(locale, 'coop.ui.import.submit')}</button></div>
</form>
${formatSection(locale, kase.reference)}`,
    });
  }

  server.get('/cases/:ref/requests/import', { config: { policy } }, async (request, reply) => importPage(request, reply));

  multipartScope(server, app, (scope) => {
    scope.post('/cases/:ref/requests/import', { config: { policy, csrf: false } }, async (request, reply) => {
      const locale = request.locale;
      const { actor, orgId } = who(request);
      const outcome = await readMultipartForm<Outcome>(request, FIELD, async (_fields, file) => {
        // The case first (a 404 for someone off its list), before a byte of the file is read.
        const kase = await app.cooperation.caseDetails.get(actor, orgId, refOf(request));
        if (!file || file.filename === '') return fileError(t(locale, 'coop.ui.import.error.file'));
        const bytes = await readCapped(file.stream, IMPORT_MAX_BYTES);
        if (!bytes) return fileError(t(locale, 'coop.ui.import.error.tooLarge', { max: '1 MiB' }), 413);
        const parsed = parseObject(locale, bytes);
        if ('error' in parsed) return fileError(parsed.error);
        const { caseReference, direction } = parsed.body;
        const problems: string[] = [];
        if (caseReference !== undefined && caseReference !== kase.reference) {
          problems.push(t(locale, 'coop.ui.import.error.case', { given: String(caseReference), reference: kase.reference }));
        }
        if (direction !== undefined && direction !== 'incoming') problems.push(t(locale, 'coop.ui.import.error.direction'));
        if (problems.length > 0) return { errors: new Map([[FIELD, problems]]), status: 422 };
        const snap = await app.knowledge.snapshot();
        try {
          const created = await app.cooperation.create(actor, orgId, { ...parsed.body, caseReference: kase.reference, direction: 'incoming' });
          return { created: created.reference };
        } catch (error) {
          if (error instanceof AppError && error.code === 'validation.failed') return { errors: fileProblems(locale, snap, error), status: 422 };
          return refusalOnPage(request, snap, error, () => undefined, FIELD);
        }
      });
      if ('created' in outcome) return reply.redirect(`${requestUrl(outcome.created)}?lang=${locale}&done=created`, 303);
      return importPage(request, reply, outcome);
    });
  });
}
