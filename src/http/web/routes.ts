import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.ts';
import { registerPages } from './pages/index.ts';

const CSS = readFileSync(new URL('./assets/app.css', import.meta.url));
const PASSKEY_JS = readFileSync(new URL('./assets/passkey.js', import.meta.url));
const UPLOAD_JS = readFileSync(new URL('./assets/upload.js', import.meta.url));
/** tus-js-client's browser bundle as published (the global `tus`), served from this origin for upload.js. */
const TUS_JS = readFileSync(createRequire(import.meta.url).resolve('tus-js-client/dist/tus.min.js'));
const EXPORT_PROGRESS_JS = readFileSync(new URL('./assets/export-progress.js', import.meta.url));

export function registerWebRoutes(server: FastifyInstance, app: App): void {
  server.get('/assets/app.css', { config: { policy: 'public' } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(CSS),
  );
  server.get('/assets/passkey.js', { config: { policy: 'public' } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(PASSKEY_JS),
  );
  server.get('/assets/upload.js', { config: { policy: 'public' } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(UPLOAD_JS),
  );
  server.get('/assets/tus.min.js', { config: { policy: 'public' } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(TUS_JS),
  );
  server.get('/assets/export-progress.js', { config: { policy: 'public' } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(EXPORT_PROGRESS_JS),
  );
  registerPages(server, app);
}
