import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { App } from '../../app.ts';

interface CachedBody {
  /** Bytes, not a string: encoding a large answer to UTF-8 on every request is the main cost of serving it. */
  body: Buffer;
  etag: string;
}

/**
 * Answers a knowledge-base read from the snapshot's cache. A snapshot never changes, so the same
 * question in the same language on the same legal "today" has the same answer: it is validated
 * against the response schema and serialised once, then served as is, with an ETag for revalidation.
 */
export async function sendCachedAnswer<S extends z.ZodType>(
  app: App,
  request: FastifyRequest,
  reply: FastifyReply,
  schema: S,
  compute: () => Promise<z.input<S>>,
): Promise<FastifyReply> {
  const snap = await app.knowledge.snapshot();
  const key = `http|${request.locale}|${app.knowledge.today()}|${request.url}`;
  let cached = snap.peek<CachedBody>(key);
  if (!cached) {
    const body = Buffer.from(JSON.stringify(schema.parse(await compute())));
    cached = snap.remember(key, { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` });
  }
  reply.header('etag', cached.etag).header('cache-control', 'no-cache').header('vary', 'accept-language, cookie');
  if (request.headers['if-none-match'] === cached.etag) return reply.code(304).send();
  return reply.type('application/json; charset=utf-8').send(cached.body);
}
