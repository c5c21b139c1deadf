import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../../../app.ts';
import { documentOptions } from '../../../modules/cooperation/index.ts';
import { attachment } from '../../evidence-download.ts';
import { anyone, signedInProblems as errors, lang, text } from '../schemas.ts';
import { noStore, RequestParam, TAGS, who } from './shared.ts';

/** A request's formal document (PDF/A or HTML, Spanish or English): a fixed version byte for byte, else the draft, marked. */
export function registerDocumentRoutes(server: FastifyInstance, app: App): void {
  const r = server.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/requests/:ref/document',
    {
      config: { policy: { permission: 'requests.read' } },
      onRequest: noStore,
      schema: {
        operationId: 'cooperation.document',
        tags: TAGS,
        summary: 'The request’s formal document as a download: a fixed version as sent (same bytes every time), else the draft, marked DRAFT',
        security: anyone,
        params: RequestParam,
        querystring: z.object({
          lang,
          format: text(10, 'pdf (default, PDF/A) or html').optional(),
          version: text(10, 'a fixed version number (default: the current one)').optional(),
        }),
        response: { 200: z.any().describe('application/pdf or text/html, as an attachment'), ...errors },
      },
    },
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
