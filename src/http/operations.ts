import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { App } from '../app.ts';
import { ping } from '../storage/db/connect.ts';

export function registerOperationsRoutes(server: FastifyInstance, app: App): void {
  server.get(
    '/health',
    {
      config: { policy: 'operations' },
      schema: { tags: ['operations'], summary: 'Liveness: the process answers', response: { 200: z.object({ status: z.literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  );
  server.get(
    '/ready',
    {
      config: { policy: 'operations' },
      schema: {
        tags: ['operations'],
        summary: 'Readiness: database reachable and knowledge base loaded',
        response: {
          200: z.object({ status: z.literal('ready'), database: z.string(), kbVersion: z.string() }),
          503: z.object({ status: z.literal('not-ready'), database: z.string(), reason: z.string() }),
        },
      },
    },
    async (_request, reply) => {
      const dbOk = await ping(app.db);
      if (!dbOk) return reply.code(503).send({ status: 'not-ready' as const, database: app.db.dialect, reason: 'database unreachable' });
      const versions = await app.knowledge.versions();
      const latest = versions[0];
      if (!latest) return reply.code(503).send({ status: 'not-ready' as const, database: app.db.dialect, reason: 'knowledge base not loaded' });
      return { status: 'ready' as const, database: app.db.dialect, kbVersion: latest.id };
    },
  );
}
