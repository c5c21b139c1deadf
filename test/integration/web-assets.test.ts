import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

describe('the upload page scripts are served from this origin', () => {
  let t: TestApp;
  let server: FastifyInstance;
  before(async () => {
    t = await createTestApp({ load: false });
    server = await buildServer(t.app, { logRequests: false });
  });
  after(async () => {
    await server?.close();
    await t?.cleanup();
  });

  it('serves tus-js-client as published, as JavaScript, cached for an hour, to anyone', async () => {
    const res = await server.inject({ method: 'GET', url: '/assets/tus.min.js' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'public, max-age=3600');
    const published = readFileSync(createRequire(import.meta.url).resolve('tus-js-client/dist/tus.min.js'));
    assert.ok(res.rawPayload.equals(published), 'the bundle from node_modules, byte for byte');
  });

  it('serves upload.js, which runs only on tus-js-client', async () => {
    const res = await server.inject({ method: 'GET', url: '/assets/upload.js' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.match(res.body, /new tus\.Upload\(/);
  });
});
