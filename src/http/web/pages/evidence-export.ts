/**
 * A case's export package from the browser. The vault writes the package (BagIt, CASE/UCO custody,
 * ledger proofs, verification report) in the background; a page shows its progress (updated by a
 * small script, or by the Refresh link without JavaScript) and, once written, offers it as one .tar,
 * deleted after the download or an hour.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { type Locale, t } from '../../../i18n/index.ts';
import { isAppError } from '../../../lib/errors.ts';
import { tarDirectory } from '../../../lib/tar/index.ts';
import { html } from '../../html.ts';
import { createExportJobs, type ExportJob } from '../export-jobs.ts';
import { href } from '../layout.ts';
import { bodyOf, one, refusal, renameFields, sendPrivate, who } from './common.ts';
import { bytes, casePage, caseUrl } from './evidence.ts';

/** The package's name from a case reference (which may hold `/` and `:`). */
export const packageName = (reference: string) => `${reference.replace(/[^A-Za-z0-9._-]/g, '_')}-package`;

const jobUrl = (reference: string, id: string, rest = '') => caseUrl(reference, `/exports/${encodeURIComponent(id)}${rest}`);

function progressText(locale: Locale, job: ExportJob): string {
  if (job.state === 'done') return t(locale, 'evidence.ui.exportJob.done');
  if (job.state === 'failed') return t(locale, 'evidence.ui.exportJob.failed');
  const percent = job.totalBytes > 0 ? Math.floor((job.bytes / job.totalBytes) * 100) : 0;
  return t(locale, 'evidence.ui.exportJob.running', { done: bytes(locale, job.bytes), total: bytes(locale, job.totalBytes), percent });
}

export function registerEvidenceExport(server: FastifyInstance, app: App): void {
  const jobs = createExportJobs(app.config.dataDir, app.log);
  server.addHook('onClose', async () => jobs.close());

  server.post('/cases/:ref/evidence/export', { config: { policy: { permission: 'evidence.export' } } }, async (request: FastifyRequest, reply) => {
    const { principal, actor, orgId } = who(request);
    const reference = (request.params as { ref: string }).ref;
    const body = bodyOf(request);
    const to = one(body.to)?.trim() || undefined;
    const reason = one(body.reason) ?? '';
    let job: ExportJob;
    try {
      job = await jobs.start({ userId: principal.userId, orgId, reference }, (outDir, onProgress) =>
        app.evidence.exportCase(actor, orgId, reference, { outDir, reason, ...(to ? { to } : {}) }, { onProgress }),
      );
    } catch (error) {
      const { errors, status } = refusal(request, error, 'exportReason');
      return casePage(app, request, reply, reference, {
        errors: renameFields(errors, { to: 'exportTo', reason: 'exportReason' }, 'exportReason'),
        status,
        values: { exportTo: to, exportReason: reason },
      });
    }
    return reply.redirect(href(request.locale, jobUrl(reference, job.id)), 303);
  });

  const jobOf = (request: FastifyRequest) => {
    const { principal, orgId } = who(request);
    const { ref, job } = request.params as { ref: string; job: string };
    const found = jobs.get(job, { userId: principal.userId, orgId });
    return found && found.reference === ref ? found : undefined;
  };

  server.get(
    '/cases/:ref/evidence/exports/:job',
    { config: { policy: { permission: 'evidence.export' } } },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const locale = request.locale;
      const job = jobOf(request);
      if (!job) return reply.callNotFound();
      if ((request.query as { format?: string }).format === 'json') {
        return reply
          .header('cache-control', 'no-store')
          .send({ state: job.state, bytes: job.bytes, totalBytes: job.totalBytes, text: progressText(locale, job) });
      }
      const title = t(locale, 'evidence.ui.exportJob.title', { reference: job.reference });
      const failure = job.state === 'failed' ? (isAppError(job.error) ? job.error.message : t(locale, 'problem.internal')) : undefined;
      const body = html`<h1>${title}</h1>
<div data-export-progress data-status-url="${href(locale, jobUrl(job.reference, job.id, '?format=json'))}">
<progress max="${String(Math.max(job.totalBytes, 1))}" value="${String(job.state === 'done' ? Math.max(job.totalBytes, 1) : job.bytes)}" aria-labelledby="export-status"></progress>
<p id="export-status" role="status">${progressText(locale, job)}</p>
</div>
${failure ? html`<p class="error">${failure}</p>` : ''}
${
  job.state === 'done'
    ? html`<p><a class="button" href="${href(locale, jobUrl(job.reference, job.id, '/package.tar'))}" download>${t(locale, 'evidence.ui.exportJob.download')}</a></p>`
    : job.state === 'running'
      ? html`<p><a href="${href(locale, jobUrl(job.reference, job.id))}">${t(locale, 'evidence.ui.exportJob.refresh')}</a></p>`
      : ''
}
<p><a href="${href(locale, caseUrl(job.reference))}">${t(locale, 'evidence.ui.exportJob.back')}</a></p>`;
      return sendPrivate(reply, request, app, {
        title,
        path: jobUrl(job.reference, job.id),
        body,
        scripts: job.state === 'running' ? ['export-progress.js'] : [],
      });
    },
  );

  server.get('/cases/:ref/evidence/exports/:job/package.tar', { config: { policy: { permission: 'evidence.export' } } }, async (request, reply) => {
    const job = jobOf(request);
    if (job?.state !== 'done') return reply.callNotFound();
    // One folder inside the archive, named like the file, so unpacking it never scatters files.
    const stream = tarDirectory(job.dir, { prefix: packageName(job.reference) });
    // Removed once sent whole; a download cut short keeps the package for another try.
    reply.raw.once('finish', () => void jobs.finish(job));
    return reply
      .header('content-type', 'application/x-tar')
      .header('content-disposition', `attachment; filename="${packageName(job.reference)}.tar"`)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-store')
      .send(stream);
  });
}
