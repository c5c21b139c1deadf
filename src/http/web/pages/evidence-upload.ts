/**
 * Adding evidence to a case. One form serves both ways in: with JavaScript, /assets/upload.js (on
 * tus-js-client, served as /assets/tus.min.js) takes it over and sends the file to the resumable tus
 * endpoint (its strings come in `data-*` attributes, the item's description in fields named as the
 * upload's metadata keys); without JavaScript, the browser posts it as multipart/form-data and the
 * file part is streamed straight into the vault (never buffered).
 *
 * Multipart bodies are not parsed before the handler, so the route checks CSRF itself: the
 * `_csrf` field must be the form's first part and must match the session's token before anything
 * else of the body is read (a script may send the `x-csrf-token` header instead).
 */
import { timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { es } from '../../../i18n/es.ts';
import { isMessageKey, type Locale, t } from '../../../i18n/index.ts';
import { AppError } from '../../../lib/errors.ts';
import type { EvidenceItem } from '../../../modules/evidence/index.ts';
import { evidenceInputFromMetadata, METADATA_KEYS } from '../../../modules/evidence/index.ts';
import { csrfField } from '../../auth/csrf.ts';
import { principalOf } from '../../context.ts';
import { html } from '../../html.ts';
import { localizeField } from '../../problem.ts';
import { href } from '../layout.ts';
import { wallClockToIso } from './audit.ts';
import { dateField, type FieldErrors, focusedSummary, lineField, refusal, renameFields, selectField, sendPrivate, textArea, who } from './common.ts';
import { caseUrl, itemUrl } from './evidence.ts';

// ---- Multipart forms (shared with the package verifier) ----

export type FormFields = Map<string, string[]>;
export interface UploadedFile {
  field: string;
  /** The name the browser gave, without any folder. */
  filename: string;
  stream: Readable;
}

/** Routes taking multipart forms live in a scope of their own: nothing else on the site parses multipart. */
export function multipartScope(server: FastifyInstance, app: App, routes: (scope: FastifyInstance) => void): void {
  server.register(async (scope) => {
    await scope.register(multipart, {
      limits: { fileSize: app.config.maxUploadBytes, files: 1, fields: 40, fieldSize: 64 * 1024, parts: 42 },
      throwFileSizeLimit: true,
    });
    routes(scope);
  });
}

function sameSecret(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The multipart parser's own complaints (a body cut off before its closing boundary, a part cut
 * short, no boundary) are plain Errors: they are a bad request, not a failure of the node.
 */
function malformedBody(error: unknown): unknown {
  if (error instanceof AppError || !(error instanceof Error) || 'statusCode' in error || !/multipart/i.test(error.message)) return error;
  return new AppError('http.body_malformed', { message: `the multipart body is malformed: ${error.message}`, cause: error });
}

const csrfRefused = () => new AppError('csrf.invalid', { message: 'the form has expired or did not come from this site; reload it and try again' });

/** Reads the rest of a stream into nothing (bounded by the file size limit), so the browser gets the answer. */
async function drain(stream: Readable): Promise<void> {
  stream.resume();
  await finished(stream).catch(() => undefined);
}

/**
 * Reads a multipart form in the order browsers send it: the CSRF token first, then the fields,
 * then one file (`fileField`), handed to `onFile` while it is still streaming in. `onFile` is called
 * once: with the file, or without one when the form has none. A session whose first part is not
 * its CSRF token is refused before anything else is read.
 */
export async function readMultipartForm<T>(
  request: FastifyRequest,
  fileField: string,
  onFile: (fields: FormFields, file: UploadedFile | undefined, truncated: string[]) => Promise<T>,
): Promise<T> {
  if (!request.isMultipart()) {
    const message = 'send this form as multipart/form-data';
    throw new AppError('validation.failed', { message, fields: [{ path: fileField, code: 'validation.invalid', message }] });
  }
  const principal = principalOf(request);
  const header = request.headers['x-csrf-token'];
  let trusted = principal.via === 'token' || sameSecret(typeof header === 'string' ? header : undefined, principal.csrfToken);
  const fields: FormFields = new Map();
  const truncated: string[] = [];
  let outcome: { value: T } | undefined;
  try {
    for await (const part of request.parts()) {
      if (!trusted) {
        if (part.type === 'field' && part.fieldname === '_csrf' && sameSecret(String(part.value), principal.csrfToken)) {
          trusted = true;
          continue;
        }
        throw csrfRefused();
      }
      if (part.type === 'field') {
        if (part.fieldname === '_csrf') continue;
        if (part.valueTruncated) truncated.push(part.fieldname);
        fields.set(part.fieldname, [...(fields.get(part.fieldname) ?? []), String(part.value)]);
        continue;
      }
      if (part.fieldname !== fileField || outcome) {
        await drain(part.file);
        continue;
      }
      const file = { field: part.fieldname, filename: part.filename.split(/[\\/]/).pop() ?? '', stream: part.file };
      outcome = { value: await onFile(fields, file, truncated) };
      await drain(part.file);
    }
  } catch (error) {
    // Once the file is handled, a late parser complaint (the size limit, already acted on) changes nothing.
    if (!outcome) throw malformedBody(error);
  }
  if (!trusted) throw csrfRefused();
  return outcome ? outcome.value : onFile(fields, undefined, truncated);
}

export const first = (fields: FormFields, name: string): string => fields.get(name)?.[0] ?? '';

// ---- The upload page ----

/**
 * The form's fields are named as the tus upload's metadata keys (METADATA_KEYS), so the script
 * sends them as they are and both ways in describe an item the same way; `acquiredAt` is the wall
 * clock of `acquiredZone`, turned into an instant with its offset before it is sent.
 */
const TEXT_FIELDS = [
  'exhibit',
  'description',
  'acquiredBy',
  'acquiredAt',
  'acquiredZone',
  'acquiredWhere',
  'tool',
  'toolVersion',
  'method',
  'source',
  'authority',
] as const;
const DIGESTS = ['md5', 'sha1'] as const;
type UploadValues = Partial<Record<(typeof TEXT_FIELDS)[number], string>> & { digests?: string[] };

/** Where each path of the vault's NewEvidence is entered on this form. */
const FIELD_OF: Record<string, string> = {
  ...Object.fromEntries(Object.entries(METADATA_KEYS).map(([key, path]) => [path, key])),
  caseReference: 'exhibit',
  fileName: 'file',
  acquisition: 'acquiredBy',
  md5: 'digests',
  sha1: 'digests',
};

const ZONES: readonly string[] = (() => {
  const zones = Intl.supportedValuesOf('timeZone');
  return zones.includes('UTC') ? zones : [...zones, 'UTC'];
})();

/** The upload script's strings (the uploads catalog's `upload.status.*`), one `data-msg-*` attribute each. */
const STATUS_KEYS = Object.keys(es).filter((k) => k.startsWith('upload.status.'));

/** The vault's field problems in this form's words: each acquisition fact says what it needs. */
function intakeErrors(locale: Locale, error: AppError): FieldErrors {
  const out: FieldErrors = new Map();
  for (const f of error.fields) {
    const field = FIELD_OF[f.path] ?? FIELD_OF[f.path.split('.')[0] ?? ''] ?? 'exhibit';
    const message =
      f.path === 'acquisition.by'
        ? t(locale, 'evidence.ui.error.acquiredBy')
        : f.path === 'acquisition.at'
          ? t(locale, 'evidence.ui.error.acquiredAt')
          : f.path.startsWith('acquisition.')
            ? t(locale, 'evidence.ui.error.tooLong')
            : localizeField(locale, f);
    out.set(field, [...(out.get(field) ?? []), message]);
  }
  return out;
}

/** Adds problems to fields that have none yet (the form's own reading of a field comes first). */
function merge(into: FieldErrors, more: FieldErrors): void {
  for (const [field, messages] of more) if (!into.has(field)) into.set(field, messages);
}

export function registerEvidenceUploadPages(server: FastifyInstance, app: App): void {
  const tz = app.config.timeZone;
  const refOf = (request: FastifyRequest) => (request.params as { ref: string }).ref;

  async function uploadPage(
    request: FastifyRequest,
    reply: FastifyReply,
    reference: string,
    state: { errors?: FieldErrors; status?: number; values?: UploadValues } = {},
  ) {
    const locale = request.locale;
    const { actor, orgId } = who(request);
    const kase = await app.cases.byReference(actor, orgId, reference);
    const errors = state.errors ?? new Map();
    const values: UploadValues = state.values ?? { acquiredZone: tz };
    const title = t(locale, 'evidence.ui.add.title', { reference: kase.reference });
    const text = (id: (typeof TEXT_FIELDS)[number], maxlength: number, required = false) =>
      lineField({
        id,
        label: t(locale, `evidence.ui.${id}`),
        ...(isMessageKey(`evidence.ui.${id}.hint`) ? { hint: t(locale, `evidence.ui.${id}.hint`) } : {}),
        value: values[id],
        errors,
        required,
        maxlength,
      });
    const messages = STATUS_KEYS.map((key) => html` data-msg-${key.slice('upload.status.'.length).replaceAll('_', '-')}="${t(locale, key)}"`);
    const fileErrors = errors.get('file');
    const digestErrors = errors.get('digests');
    return sendPrivate(reply, request, app, {
      title,
      path: '/cases',
      status: state.status ?? 200,
      scripts: ['tus.min.js', 'upload.js'],
      body: html`${focusedSummary(locale, errors, (f) => (f === 'digests' ? 'md5' : f))}
<p><a href="${href(locale, caseUrl(kase.reference))}">${t(locale, 'evidence.ui.item.back', { reference: kase.reference })}</a></p>
<h1>${title}</h1>
<p>${t(locale, 'evidence.ui.add.intro')}</p>
<form class="query" method="post" enctype="multipart/form-data" action="${caseUrl(kase.reference)}?lang=${locale}" novalidate data-tus-upload data-endpoint="/api/v1/uploads" data-case="${kase.reference}" data-done-url="/evidence/{item}?lang=${locale}&done=added"${messages}>
${csrfField(request, reply)}
${text('exhibit', 60, true)}
${textArea({ id: 'description', label: t(locale, 'evidence.ui.description'), value: values.description, errors, rows: 3, maxlength: 2000 })}
<fieldset aria-describedby="acquisition-hint">
<legend>${t(locale, 'evidence.ui.acquisition')}</legend>
<p class="hint" id="acquisition-hint">${t(locale, 'evidence.ui.acquisition.hint')}</p>
${text('acquiredBy', 200, true)}
${dateField({
  id: 'acquiredAt',
  type: 'datetime-local',
  label: t(locale, 'evidence.ui.acquiredAt'),
  hint: t(locale, 'evidence.ui.acquiredAt.hint'),
  value: values.acquiredAt,
  errors,
  required: true,
  data: { 'zone-field': 'acquiredZone' },
})}
${selectField({
  id: 'acquiredZone',
  label: t(locale, 'evidence.ui.acquiredZone'),
  hint: t(locale, 'evidence.ui.acquiredZone.hint', { tz }),
  options: ZONES.map((zone) => ({ value: zone, label: zone })),
  selected: values.acquiredZone || tz,
  errors,
})}
${text('acquiredWhere', 300)}
${text('tool', 200)}
${text('toolVersion', 100)}
${text('method', 200)}
${text('source', 300)}
${text('authority', 300)}
</fieldset>
<fieldset id="digests" aria-describedby="digests-hint${digestErrors ? ' digests-error' : ''}">
<legend>${t(locale, 'evidence.ui.digests')}</legend>
<p class="hint" id="digests-hint">${t(locale, 'evidence.ui.digests.hint')}</p>
${digestErrors ? html`<p class="field-error" id="digests-error">${digestErrors.join(' ')}</p>` : ''}
${DIGESTS.map(
  (d) =>
    html`<div class="checkbox"><input type="checkbox" id="${d}" name="${d}" value="1"${values.digests?.includes(d) ? html` checked` : ''}><label for="${d}">${d === 'md5' ? 'MD5' : 'SHA-1'}</label></div>`,
)}
</fieldset>
<div class="field">
<label for="file">${t(locale, 'evidence.ui.file')}</label>
<p class="hint" id="file-hint">${t(locale, 'evidence.ui.file.hint')}</p>
${fileErrors ? html`<p class="field-error" id="file-error">${fileErrors.join(' ')}</p>` : ''}
<input type="file" id="file" name="file" required aria-describedby="file-hint${fileErrors ? ' file-error' : ''}"${fileErrors ? html` aria-invalid="true"` : ''}>
</div>
<div class="field" data-upload-progress hidden>
<label for="upload-progress">${t(locale, 'evidence.ui.upload.progressLabel')}</label>
<progress id="upload-progress" max="100" value="0"></progress>
</div>
<p id="upload-status" role="status" aria-live="polite"></p>
<div><button type="submit" id="upload-submit">${t(locale, 'evidence.ui.add.submit')}</button>
<button type="button" id="upload-pause" class="secondary" data-upload-pause hidden>${t(locale, 'evidence.ui.upload.pause')}</button>
<button type="button" id="upload-resume" class="secondary" data-upload-resume hidden>${t(locale, 'evidence.ui.upload.resume')}</button></div>
</form>`,
    });
  }

  server.get('/cases/:ref/evidence/new', { config: { policy: { permission: 'evidence.add' } } }, async (request, reply) =>
    uploadPage(request, reply, refOf(request)),
  );

  multipartScope(server, app, (scope) => {
    scope.post('/cases/:ref/evidence', { config: { policy: { permission: 'evidence.add' }, csrf: false } }, async (request, reply) => {
      const locale = request.locale;
      const { actor, orgId } = who(request);
      const reference = refOf(request);
      type Outcome = { item: EvidenceItem } | { errors: FieldErrors; status: number; values: UploadValues };
      const outcome = await readMultipartForm<Outcome>(request, 'file', async (fields, file, truncated) => {
        const values: UploadValues = Object.fromEntries(TEXT_FIELDS.map((name) => [name, first(fields, name)]));
        values.digests = DIGESTS.filter((d) => fields.has(d));
        const errors: FieldErrors = new Map();
        for (const name of truncated) errors.set(FIELD_OF[name] ?? name, [t(locale, 'evidence.ui.error.tooLong')]);
        const zone = values.acquiredZone || tz;
        if (!ZONES.includes(zone)) errors.set('acquiredZone', [t(locale, 'evidence.ui.error.zone')]);
        // Whole seconds, as datetime-local gives them (and as the upload script sends them).
        const at = values.acquiredAt && ZONES.includes(zone) ? wallClockToIso(values.acquiredAt, zone)?.replace(/\.000(?=[Z+-])/, '') : undefined;
        if (!at) errors.set('acquiredAt', [t(locale, 'evidence.ui.error.acquiredAt')]);
        if (!file || file.filename === '') errors.set('file', [t(locale, 'evidence.ui.error.file')]);
        // The same description a tus upload's metadata gives, read the same way.
        const metadata: Record<string, string> = { case: reference, filename: file?.filename ?? '', acquiredAt: at ?? '' };
        for (const key of TEXT_FIELDS) if (Object.hasOwn(METADATA_KEYS, key) && !Object.hasOwn(metadata, key)) metadata[key] = values[key] ?? '';
        for (const digest of DIGESTS) if (fields.has(digest)) metadata[digest] = '1';
        const input = evidenceInputFromMetadata(metadata);
        const invalid = (more: FieldErrors, status: number): Outcome => {
          merge(errors, more);
          // The bytes sent with a refused form are read and dropped; the person is told to choose the file again.
          if (file && file.filename !== '') errors.set('file', [...(errors.get('file') ?? []), t(locale, 'evidence.ui.error.fileDropped')]);
          return { errors, status, values };
        };
        // The vault's own checks (every field, the case, the exhibit number) before a byte is taken.
        try {
          await app.evidence.intake.checkIntake(actor, orgId, input);
        } catch (error) {
          if (error instanceof AppError && error.code === 'validation.failed') return invalid(intakeErrors(locale, error), 422);
          const refused = refusal(request, error, 'exhibit');
          return invalid(renameFields(refused.errors, FIELD_OF, 'exhibit'), refused.status);
        }
        if (errors.size > 0 || !file) return invalid(new Map(), 422);
        // A file beyond the size limit must fail the intake, not be stored cut short.
        file.stream.once('limit', () =>
          file.stream.destroy(new AppError('blob.too_large', { message: `the file is larger than ${app.config.maxUploadBytes} bytes` })),
        );
        try {
          return { item: await app.evidence.add(actor, orgId, input, file.stream) };
        } catch (error) {
          if (error instanceof AppError && error.code === 'validation.failed') return invalid(intakeErrors(locale, error), 422);
          const refused = refusal(request, error, 'file');
          return invalid(renameFields(refused.errors, FIELD_OF, 'file'), refused.status);
        }
      });
      if ('item' in outcome) return reply.redirect(`${itemUrl(outcome.item.id)}?lang=${locale}&done=added`, 303);
      return uploadPage(request, reply, reference, outcome);
    });
  });
}
