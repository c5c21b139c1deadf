/**
 * Checking an evidence export package: the person uploads the package's .tar, the node unpacks it
 * into a fresh temporary folder, runs the offline verifier on it (the same checks a court runs with
 * `custodia evidence verify-package`), shows every problem by the file or ledger entry at fault,
 * and deletes the folder.
 */
import { lstat, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { type Locale, t } from '../../../i18n/index.ts';
import { AppError } from '../../../lib/errors.ts';
import { extractTar } from '../../../lib/tar/index.ts';
import { type PackageProblem, type PackageVerification, VKEY_PATH, verifyEvidencePackage } from '../../../modules/evidence/index.ts';
import { csrfField } from '../../auth/csrf.ts';
import { html, type SafeHtml } from '../../html.ts';
import { checkboxGroup, checkboxId, type FieldErrors, focusedSummary, hashCode, maybe, sendPrivate } from './common.ts';
import { first, multipartScope, readMultipartForm } from './evidence-upload.ts';

const PATH = '/evidence/verify-package';
const UNREADABLE = 'package.unreadable';

interface Checked {
  verification: PackageVerification;
  /** The log key the package names (shown when it was not held against this node's). */
  packageVkey?: string;
  trustedNode: boolean;
}

/** The bag's folder: the unpacked folder itself, or the one folder a package was wrapped in. */
async function bagRoot(dir: string): Promise<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  if (entries.some((e) => e.name === 'bagit.txt')) return dir;
  const dirs = entries.filter((e) => e.isDirectory());
  return entries.length === 1 && dirs.length === 1 ? join(dir, (dirs[0] as { name: string }).name) : dir;
}

async function smallTextFile(path: string): Promise<string | undefined> {
  const s = await lstat(path).catch(() => undefined);
  if (!s?.isFile() || s.size > 4096) return undefined;
  return (await readFile(path, 'utf8')).trim();
}

function problemTitle(locale: Locale, p: PackageProblem): string {
  if (p.code === UNREADABLE) return t(locale, 'evidence.ui.verify.unreadable');
  return maybe(locale, `verify.${p.code}`, t(locale, 'evidence.ui.verify.other', { code: p.code }));
}

function resultSection(locale: Locale, app: App, checked: Checked): SafeHtml {
  const v = checked.verification;
  const problems = v.problems.map(
    (p) => html`<tr>
<th scope="row">${problemTitle(locale, p)}</th>
<td>${p.path ? html`<code>${p.path}</code>` : html`<em>${t(locale, 'common.none')}</em>`}</td>
<td>${p.entry !== undefined ? p.entry : html`<em>${t(locale, 'common.none')}</em>`}</td>
<td lang="en">${p.message}</td>
</tr>`,
  );
  const items = v.items.map(
    (i) => html`<tr>
<th scope="row">${i.exhibit}</th>
<td><code>${i.path}</code></td>
<td>${hashCode(i.sha256)}</td>
<td>${t(
      locale,
      i.plaintextChecked
        ? 'evidence.ui.verify.plaintext.checked'
        : i.path.endsWith('.age')
          ? 'evidence.ui.verify.plaintext.encrypted'
          : 'evidence.ui.verify.plaintext.unconfirmed',
    )}</td>
</tr>`,
  );
  return html`<section aria-labelledby="result-title" class="results">
<h2 id="result-title">${t(locale, 'evidence.ui.verify.result')}</h2>
<div class="verify-result ${v.ok ? 'ok' : 'failed'}" role="${v.ok ? 'status' : 'alert'}">
<p><strong>${v.ok ? t(locale, 'evidence.ui.verify.ok') : t(locale, 'evidence.ui.verify.failed', { count: v.problems.length })}</strong></p>
<p>${t(locale, 'evidence.ui.verify.summary', { reference: v.caseReference ?? '—', items: v.items.length, events: v.custodyEvents })}</p>
${v.checkpoint ? html`<p>${t(locale, 'evidence.ui.verify.checkpoint', { origin: v.checkpoint.origin, size: v.checkpoint.size })}</p>` : ''}
<p>${
    checked.trustedNode
      ? t(locale, 'evidence.ui.verify.trusted', { origin: app.ledger.origin })
      : html`${t(locale, 'evidence.ui.verify.untrusted')} ${checked.packageVkey ? html`<code class="vkey">${checked.packageVkey}</code>` : ''}`
  }</p>
</div>
${
  v.problems.length > 0
    ? html`<div class="table-scroll"><table class="identity-table ledger-table">
<caption>${t(locale, 'evidence.ui.verify.problems')}</caption>
<thead><tr><th scope="col">${t(locale, 'evidence.ui.verify.problem')}</th><th scope="col">${t(locale, 'evidence.ui.verify.file')}</th><th scope="col">${t(
        locale,
        'evidence.ui.verify.entry',
      )}</th><th scope="col">${t(locale, 'evidence.ui.verify.detail')}</th></tr></thead>
<tbody>${problems}</tbody>
</table></div>`
    : ''
}
${
  v.items.length > 0
    ? html`<div class="table-scroll"><table class="identity-table ledger-table">
<caption>${t(locale, 'evidence.ui.verify.items')}</caption>
<thead><tr><th scope="col">${t(locale, 'evidence.ui.exhibit')}</th><th scope="col">${t(locale, 'evidence.ui.verify.file')}</th><th scope="col">SHA-256</th><th scope="col">${t(
        locale,
        'evidence.ui.verify.plaintext',
      )}</th></tr></thead>
<tbody>${items}</tbody>
</table></div>`
    : ''
}
</section>`;
}

export function registerVerifyPackagePages(server: FastifyInstance, app: App): void {
  const signedIn = { config: { policy: 'signed-in' as const } };

  function verifyPage(
    request: FastifyRequest,
    reply: FastifyReply,
    state: { errors?: FieldErrors; status?: number; trustNode?: boolean; checked?: Checked } = {},
  ) {
    const locale = request.locale;
    const errors = state.errors ?? new Map();
    const title = t(locale, 'evidence.ui.verify.title');
    return sendPrivate(reply, request, app, {
      title,
      path: '/cases',
      status: state.status ?? 200,
      body: html`${focusedSummary(locale, errors, (f) => (f === 'trust' ? checkboxId('trust', 'node') : f))}
<h1>${title}</h1>
<p>${t(locale, 'evidence.ui.verify.intro')}</p>
<p>${t(locale, 'evidence.ui.verify.offline')}</p>
<pre class="ledger-command">npx custodia evidence verify-package ${t(locale, 'evidence.ui.verify.folder')} --vkey '${app.ledger.vkey()}'</pre>
<form class="query" method="post" enctype="multipart/form-data" action="${PATH}?lang=${locale}" novalidate>
${csrfField(request, reply)}
${checkboxGroup({
  id: 'trust',
  name: 'trust',
  legend: t(locale, 'evidence.ui.verify.trust'),
  hint: t(locale, 'evidence.ui.verify.trust.hint', { origin: app.ledger.origin }),
  options: [{ value: 'node', label: t(locale, 'evidence.ui.verify.trust.node') }],
  selected: state.trustNode === false ? [] : ['node'],
  errors,
})}
<div class="field">
<label for="package">${t(locale, 'evidence.ui.verify.file.label')}</label>
<p class="hint" id="package-hint">${t(locale, 'evidence.ui.verify.file.hint')}</p>
${errors.get('package') ? html`<p class="field-error" id="package-error">${errors.get('package')?.join(' ')}</p>` : ''}
<input type="file" id="package" name="package" accept=".tar,application/x-tar" required aria-describedby="package-hint${errors.get('package') ? ' package-error' : ''}"${
        errors.get('package') ? html` aria-invalid="true"` : ''
      }>
</div>
<div><button type="submit">${t(locale, 'evidence.ui.verify.submit')}</button></div>
</form>
${state.checked ? resultSection(locale, app, state.checked) : ''}`,
    });
  }

  server.get(PATH, signedIn, async (request, reply) => verifyPage(request, reply));

  multipartScope(server, app, (scope) => {
    scope.post(PATH, { config: { policy: 'signed-in', csrf: false } }, async (request, reply) => {
      const locale = request.locale;
      const outcome = await readMultipartForm(request, 'package', async (fields, file) => {
        const trustNode = first(fields, 'trust') === 'node';
        if (!file || file.filename === '')
          return { errors: new Map([['package', [t(locale, 'evidence.ui.verify.error.file')]]]) as FieldErrors, status: 422, trustNode };
        file.stream.once('limit', () =>
          file.stream.destroy(new AppError('blob.too_large', { message: `the package is larger than ${app.config.maxUploadBytes} bytes` })),
        );
        // Under the data directory, private: an uploaded package may hold decrypted evidence.
        const root = join(app.config.dataDir, 'verify');
        await mkdir(root, { recursive: true, mode: 0o700 });
        const dir = await mkdtemp(join(root, 'package-'));
        try {
          try {
            await extractTar(file.stream, dir, { maxBytes: app.config.maxUploadBytes });
          } catch (error) {
            if (!(error instanceof AppError)) throw error;
            const message = t(locale, 'evidence.ui.verify.error.unpack', { detail: error.message });
            return {
              errors: new Map([['package', [message]]]) as FieldErrors,
              status: error.code === 'blob.too_large' || error.code === 'tar.too_large' ? 413 : 422,
              trustNode,
            };
          }
          const root = await bagRoot(dir);
          const packageVkey = await smallTextFile(join(root, ...VKEY_PATH.split('/')));
          let verification: PackageVerification;
          try {
            verification = await verifyEvidencePackage(root, trustNode ? { trustedLogVerifierKey: app.ledger.vkey() } : {});
          } catch (error) {
            if (!(error instanceof AppError)) throw error;
            verification = { ok: false, problems: [{ code: UNREADABLE, message: error.message }], items: [], custodyEvents: 0 };
          }
          return { checked: { verification, trustedNode: trustNode, ...(packageVkey ? { packageVkey } : {}) }, trustNode };
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });
      return verifyPage(request, reply, outcome);
    });
  });
}
