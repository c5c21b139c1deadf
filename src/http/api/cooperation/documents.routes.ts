import { z } from 'zod';
import type { App } from '../../../app.ts';
import { documentOptions } from '../../../modules/cooperation/index.ts';
import { attachment } from '../../evidence-download.ts';
import { type ApiServer, lang, text } from '../schemas.ts';
import { caseContent, RequestParam, who } from './shared.ts';

/** A request's formal document (PDF/A or HTML, Spanish or English): a fixed version byte for byte, else the draft, marked. */
export function registerDocumentRoutes(r: ApiServer, app: App): void {
  r.get(
    '/api/v1/requests/:ref/document',
    caseContent('requests.read', {
      operationId: 'cooperation.document',
      summary: 'The request’s formal document as a download: a fixed version as sent (same bytes every time), else the draft, marked DRAFT',
      params: RequestParam,
      querystring: z.object({
        lang,
        format: text(10, 'pdf (default, PDF/A) or html').optional(),
        version: text(10, 'a fixed version number (default: the current one)').optional(),
      }),
      response: { 200: z.any().describe('application/pdf or text/html, as an attachment') },
    }),
    async (request, reply) => {
      const { actor, orgId } = who(request);
      const options = documentOptions(request.query);
      const doc = await app.cooperation.documents.render(actor, orgId, request.params.ref, {
        locale: request.query.lang ?? request.locale,
        ...options,
      });
      return reply
        .header('content-type', doc.contentType)
        .header('content-disposition', attachment(doc.fileName))
        .header('content-length', String(doc.bytes.length))
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-store')
        .header('custodia-version', String(doc.version))
        .header('custodia-draft', String(doc.draft))
        .send(doc.bytes);
    },
  );
}
