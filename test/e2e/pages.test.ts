import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { PAGES } from './page-list.ts';

describe('web pages', () => {
  let t: TestApp;
  let server: FastifyInstance;

  before(async () => {
    t = await createTestApp();
    server = await buildServer(t.app, { logRequests: false });
    await server.ready();
  });
  after(async () => {
    await server.close();
    await t.cleanup();
  });

  for (const url of PAGES) {
    it(`${url} answers in Spanish by default and in English with ?lang=en`, async () => {
      const es = await server.inject({ method: 'GET', url });
      assert.equal(es.statusCode, 200, es.body.slice(0, 2000));
      assert.match(es.headers['content-type'] as string, /text\/html/);
      assert.match(es.body, /<html lang="es">/);
      assert.match(es.body, /<a class="skip-link" href="#main">/);
      assert.match(es.body, /<main id="main"/);
      assert.equal((es.body.match(/<h1[\s>]/g) ?? []).length, 1, 'exactly one h1');
      const csp = es.headers['content-security-policy'];
      assert.ok(typeof csp === 'string' && csp.length > 0, 'CSP header present');
      assert.doesNotMatch(csp, /unsafe-inline/);
      assert.doesNotMatch(es.body, /<script|style="/, 'no inline script or style');

      const en = await server.inject({ method: 'GET', url: `${url}${url.includes('?') ? '&' : '?'}lang=en` });
      assert.equal(en.statusCode, 200);
      assert.match(en.body, /<html lang="en">/);
    });
  }

  it('the finder answers preservation PE → ES with the Budapest Convention first', async () => {
    const res = await server.inject({ method: 'GET', url: '/legal/finder?measure=preservation&requesting=PE&requested=ES&on=' });
    assert.equal(res.statusCode, 200);
    const first = res.body.indexOf('<section class="basis');
    assert.ok(first > 0, 'a basis section');
    assert.match(res.body.slice(first, first + 400), /Opción 1:<\/span> Convenio de Budapest/);
    assert.match(res.body, /class="badge /);
  });

  it('the finder with an unknown State answers 422 with an error summary and keeps the other choices', async () => {
    const res = await server.inject({ method: 'GET', url: '/legal/finder?measure=preservation&requesting=PE&requested=XX&on=' });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /<div class="error-summary" role="alert"/);
    assert.match(res.body, /<h2 id="error-summary-title">Hay problemas en el formulario<\/h2>/);
    assert.match(res.body, /<a href="#requested">Estado desconocido: «XX»\.<\/a>/);
    assert.match(res.body, /<p class="field-error" id="requested-error">/);
    assert.match(res.body, /<select id="requested" name="requested" required aria-describedby="requested-error" aria-invalid="true">/);
    assert.match(res.body, /<option value="preservation" selected>/);
    assert.match(res.body, /<select id="requesting"[^>]*>[\s\S]*?<option value="PE" selected>/);
    assert.doesNotMatch(res.body, /<section class="results"/);
  });

  it('the dual-criminality form without conducts answers 422 pointing at the first checkbox', async () => {
    const res = await server.inject({
      method: 'GET',
      url: '/legal/dual-criminality?check=1&requesting=PE&requested=ES&measure=preservation&instrument=ETS185&lang=en',
    });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /role="alert"/);
    assert.match(res.body, /<a href="#conducts-[a-z0-9-]+">Name at least one conduct\.<\/a>/);
    assert.match(res.body, /<option value="ETS185" selected>/);
  });

  it("Peru's profile shows the 2020 claim that it was not a Budapest Party as set aside", async () => {
    const res = await server.inject({ method: 'GET', url: '/states/PE' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Afirmaciones descartadas/);
    assert.match(res.body, /contradicha por el registro del depositario/);
    assert.match(res.body, /\/api\/v1\/kb\/history\?kind=profile-fact&amp;key=/);
  });

  it('the offence matrix lists conducts against States with catalogues', async () => {
    const res = await server.inject({ method: 'GET', url: '/offences/matrix?lang=en' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<th scope="col"><a href="\/states\/PE\?lang=en">Peru<\/a><\/th>/);
  });

  it('a treaty page counts Parties once in force, never instruments against the threshold ("10 de 5")', async () => {
    for (const id of ['ETS185', 'UNTOC']) {
      const es = await server.inject({ method: 'GET', url: `/treaties/${id}` });
      assert.equal(es.statusCode, 200);
      assert.match(es.body, /<dd>en vigor<\/dd>/);
      assert.match(es.body, /<dt>Partes<\/dt><dd>\d+ Partes? registradas?; la tabla puede estar incompleta<\/dd>/);
      assert.doesNotMatch(es.body, /\d+ de \d+ instrumentos/);
      const en = await server.inject({ method: 'GET', url: `/treaties/${id}?lang=en` });
      assert.match(en.body, /<dt>Parties<\/dt><dd>\d+ (Party|Parties) recorded; the table may be incomplete<\/dd>/);
      assert.doesNotMatch(en.body, /\d+ of \d+ instruments/);
    }
  });

  it("pages name a curators' source as a curators' note, never by its working title", async () => {
    for (const url of [
      '/states/PE',
      '/states/PE?lang=en',
      '/legal/dual-criminality?check=1&conducts=computer-fraud&requesting=PE&requested=ES&measure=mutual-legal-assistance&instrument=ETS185',
    ]) {
      const res = await server.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.doesNotMatch(res.body, /engineers|background knowledge|engineering reference/, url);
    }
    const es = await server.inject({ method: 'GET', url: '/states/PE' });
    assert.match(es.body, /Nota de los curadores de Custodia · Vigente al/);
    const en = await server.inject({ method: 'GET', url: '/states/PE?lang=en' });
    assert.match(en.body, /Custodia curators&#39; note · /);
  });

  it('the API docs list operations from the OpenAPI document', async () => {
    const res = await server.inject({ method: 'GET', url: '/api/docs' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /href="\/api\/openapi.json"/);
    assert.match(res.body, /\/api\/v1\/kb\/history/);
  });

  it('an unknown treaty is a 404 page', async () => {
    const res = await server.inject({ method: 'GET', url: '/treaties/XYZ' });
    assert.equal(res.statusCode, 404);
    assert.match(res.body, /<html lang="es">/);
    const state = await server.inject({ method: 'GET', url: '/states/QQ' });
    assert.equal(state.statusCode, 404);
  });
});
