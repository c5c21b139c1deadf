import type { FastifyInstance } from 'fastify';
import type { App } from '../app.ts';
import { t } from '../i18n/index.ts';
import { AppError } from '../lib/errors.ts';
import { parseTilePath, TILE_WIDTH } from '../lib/tlog/tiles.ts';

const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The log's read API exactly as C2SP tlog-tiles lays it out (under /ledger), and the tlog-witness
 * add-checkpoint endpoint this node serves as a witness for other logs.
 */
export function registerTlogRoutes(server: FastifyInstance, app: App): void {
  server.get('/ledger/checkpoint', { config: { policy: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    const signed = await app.ledger.signedCheckpoint();
    if (!signed) throw new AppError('not_found', { message: 'the log has no checkpoint yet' });
    return reply.type('text/plain; charset=utf-8').header('cache-control', 'no-cache').send(signed.note);
  });

  server.get('/ledger/tile/*', { config: { policy: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const path = `tile/${(request.params as { '*': string })['*']}`;
    let tile: ReturnType<typeof parseTilePath>;
    try {
      tile = parseTilePath(path);
    } catch (err) {
      throw new AppError('ledger.bad_tile_path', {
        message: `${path}: ${(err as Error).message}`,
        fields: [{ path: 'path', code: 'ledger.bad_tile_path', params: { value: path } }],
      });
    }
    // Bundles of blinded entries are public; a bundle reaching entries written before blinding (their
    // leaves are the full entries) is for the node operator's auditors only.
    const legacy = tile.kind === 'entries' && tile.index * TILE_WIDTH < (await app.ledger.publicFrom());
    if (legacy) {
      const principal = request.principal;
      if (!principal) throw new AppError('unauthenticated', { message: t(request.locale, 'ledger.legacyBundle') });
      if (!principal.operatorOrganisation || !principal.permissions.has('audit.read'))
        throw new AppError('ledger.details_restricted', { message: t(request.locale, 'ledger.legacyBundle'), params: { reason: 'auditor' } });
    }
    const body = tile.kind === 'entries' ? await app.ledger.entryBundle(tile.index, tile.width) : await app.ledger.tile(tile.level, tile.index, tile.width);
    if (!body) throw new AppError('not_found', { message: `${path} is beyond the tree` });
    return reply
      .type('application/octet-stream')
      .header('cache-control', legacy ? 'private, no-store' : IMMUTABLE)
      .send(body);
  });

  server.post(
    '/ledger/witness/add-checkpoint',
    { config: { policy: 'public', csrf: false }, bodyLimit: 64 * 1024, schema: { hide: true } },
    async (request, reply) => {
      if (typeof request.body !== 'string') {
        return reply.code(400).type('text/plain; charset=utf-8').send('expected a text/plain body\n');
      }
      const answer = await app.ledger.addCheckpoint(request.body);
      return reply.code(answer.status).type(answer.contentType).send(answer.body);
    },
  );
}
