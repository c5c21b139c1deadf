/**
 * A request's formal document from the web UI: the PDF (Spanish or English, as `lang` says) or the
 * HTML copy, of a fixed version as sent or of the draft as it stands. Both are attachments the
 * browser saves: the HTML is never rendered here, under this site's policy.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { AppError } from '../../../lib/errors.ts';
import { attachment } from '../../evidence-download.ts';
import { one, queryOf, who } from './common.ts';

export function registerRequestDocuments(server: FastifyInstance, app: App): void {
  const refOf = (request: FastifyRequest) => (request.params as { ref: string }).ref;

  for (const format of ['pdf', 'html'] as const) {
    server.get(`/requests/:ref/document.${format}`, { config: { policy: { permission: 'requests.read' } } }, async (request, reply) => {
      const { actor, orgId } = who(request);
      const wanted = one(queryOf(request).version);
      const version = wanted === undefined || wanted === '' ? undefined : Number(wanted);
      if (version !== undefined && (!Number.isInteger(version) || version < 1)) {
        throw new AppError('not_found', { message: `no version ${wanted}` });
      }
      const doc = await app.cooperation.documents.render(actor, orgId, refOf(request), {
        locale: request.locale,
        format,
        ...(version !== undefined ? { version } : {}),
      });
      return reply
        .header('content-type', doc.contentType)
        .header('content-disposition', attachment(doc.fileName))
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .send(doc.bytes);
    });
  }
}
