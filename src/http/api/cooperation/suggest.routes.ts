import { z } from 'zod';
import type { App } from '../../../app.ts';
import { localizeAnswer } from '../../present.ts';
import { sendCachedAnswer } from '../cached.ts';
import { type ApiServer, LegalBasesSchema, lang, q, signedIn } from '../schemas.ts';
import { TAGS } from './shared.ts';

/** The engine's suggestion for a new request: knowledge only, the same for everyone, so cached with an ETag. */
export function registerSuggestRoutes(r: ApiServer, app: App): void {
  r.get(
    '/api/v1/cooperation/suggest',
    signedIn(
      { permission: 'requests.read' },
      {
        operationId: 'cooperation.suggest',
        summary: 'The ranked legal bases, channels and mandatory content for a request of this type between two States, today',
        querystring: z.object({
          type: q('request type, e.g. preservation'),
          requestingState: q('requesting State'),
          requestedState: q('requested State'),
          lang,
        }),
        response: { 200: LegalBasesSchema },
      },
      { tags: TAGS },
    ),
    async (request, reply) =>
      sendCachedAnswer(app, request, reply, LegalBasesSchema, async () => localizeAnswer(await app.cooperation.suggest(request.query), request.locale)),
  );
}
