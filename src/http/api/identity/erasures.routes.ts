import { z } from 'zod';
import type { App } from '../../../app.ts';
import { type ApiServer, text } from '../schemas.ts';
import { actor, identityRoute } from './shared.ts';

/** Erasure of a person's data under data-protection law: their ledger entries crypto-shredded, their account stripped. */
export function registerErasureRoutes(r: ApiServer, app: App): void {
  r.post(
    '/api/v1/erasures',
    identityRoute('ledger.erase', {
      operationId: 'identity.erasePersonalData',
      summary:
        'Erase a person who belongs to no organisation any more (admins of the operating organisation): every ledger entry about them is crypto-shredded and their account stripped',
      body: z.object({
        email: text(1000, 'the e-mail address the person had on this node'),
        basis: text(1000, 'the decision behind it (e.g. the data-protection request and its reference), 3 to 500 characters'),
      }),
      response: {
        201: z
          .object({
            userId: z.string(),
            shredded: z.number().describe('ledger entries crypto-shredded'),
            recordIndex: z.number().describe('the ledger.shredded entry'),
          })
          .meta({ id: 'Erasure' }),
      },
    }),
    async (request, reply) => reply.code(201).send(await app.identity.directory.erasePersonalData(actor(request), request.body)),
  );
}
