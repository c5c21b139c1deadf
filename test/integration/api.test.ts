import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { enforceRoutePolicies } from '../../src/http/context.ts';
import { buildServer } from '../../src/http/server.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

describe('HTTP API', () => {
  let t: TestApp;
  let server: FastifyInstance;
  before(async () => {
    t = await createTestApp();
    server = await buildServer(t.app, { logRequests: false });
  });
  after(async () => {
    await server.close();
    await t.cleanup();
  });

  it('answers health and readiness', async () => {
    assert.equal((await server.inject('/health')).json().status, 'ok');
    const ready = await server.inject('/ready');
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().database, 'sqlite');
  });

  it('ranks the legal bases for preservation from Peru to Spain, with citations, in Spanish by default', async () => {
    const res = await server.inject('/api/v1/legal/bases?measure=preservation&requesting=PE&requested=ES&on=2026-11-24');
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.bases[0].instrument, 'ETS185');
    assert.equal(body.bases[0].rank, 1);
    assert.deepEqual(body.bases[0].articles, ['29']);
    assert.equal(body.bases[0].mandatoryContent.length, 6);
    assert.ok(body.bases[0].citations.some((c: { article?: string }) => c.article === '29'));
    assert.match(body.bases[0].explanation.at(-1)?.text ?? body.bases[0].explanation[0].text, /\S/);
    assert.ok(body.bases[0].explanation.some((s: { text: string }) => /está en vigor entre Perú y España/.test(s.text)));
    const unavailable = body.bases.find((b: { instrument: string }) => b.instrument === 'UNCC');
    assert.equal(unavailable.available, false);
    assert.equal(unavailable.rank, null);
    const en = await server.inject({
      url: '/api/v1/legal/bases?measure=preservation&requesting=PE&requested=ES',
      headers: { 'accept-language': 'en-GB,en;q=0.9' },
    });
    assert.ok(en.json().bases[0].explanation.some((s: { text: string }) => /is in force between Peru and Spain/.test(s.text)));
  });

  it('answers in-force, entry-into-force and dual-criminality queries', async () => {
    const inForce = (await server.inject('/api/v1/legal/in-force?instrument=ETS185&a=PE&b=CL&on=2020-01-01&lang=en')).json();
    assert.equal(inForce.inForce, true);
    assert.equal(inForce.since, '2019-12-01');
    const before = (await server.inject('/api/v1/legal/in-force?instrument=ETS185&a=PE&b=CL&on=2019-11-30')).json();
    assert.equal(before.inForce, false);
    const eif = (await server.inject('/api/v1/legal/entry-into-force?instrument=UNCC&state=PE')).json();
    assert.equal(eif.general.status, 'pending');
    assert.equal(eif.general.threshold, 40);
    assert.equal(eif.state.status, 'signed');
    const dc = (
      await server.inject('/api/v1/legal/dual-criminality?conducts=computer-fraud&requesting=PE&requested=ES&measure=mutual-legal-assistance&instrument=ETS185')
    ).json();
    assert.equal(dc.verdict, 'met');
    assert.ok(dc.findings[0].requested.offences.length > 0);
    const pres = (
      await server.inject('/api/v1/legal/dual-criminality?conducts=computer-fraud&requesting=PE&requested=ES&measure=preservation&instrument=ETS185')
    ).json();
    assert.equal(pres.verdict, 'not-required');
  });

  it('answers an RFC 9457 problem listing every invalid field', async () => {
    const res = await server.inject('/api/v1/legal/bases?measure=teleport&requesting=XX&requested=ES&on=2026-02-30&lang=en');
    assert.equal(res.statusCode, 422);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const problem = res.json();
    assert.equal(problem.type, 'urn:custodia:problem:validation.failed');
    assert.equal(problem.status, 422);
    assert.deepEqual(problem.errors.map((e: { path: string }) => e.path).sort(), ['measure', 'on', 'requesting']);
    assert.ok(problem.errors.some((e: { message: string }) => e.message === 'Unknown State: "XX".'));
    const es = (await server.inject('/api/v1/legal/in-force?instrument=NOPE&a=PE&b=PE')).json();
    assert.deepEqual(es.errors.map((e: { path: string }) => e.path).sort(), ['b', 'instrument']);
    assert.match(es.title, /datos no válidos/);
    const tooLong = await server.inject(`/api/v1/legal/bases?measure=${'x'.repeat(500)}`);
    assert.equal(tooLong.statusCode, 422);
    assert.equal((await server.inject('/api/v1/nothing-here')).statusCode, 404);
    assert.equal((await server.inject('/api/v1/kb/instruments/NOPE')).json().code, 'not_found');
  });

  it('serves the knowledge base: instruments, State profiles with superseded claims, versions, history', async () => {
    const instruments = (await server.inject('/api/v1/kb/instruments'))
      .json()
      .instruments.map((i: { id: string }) => i.id)
      .sort();
    for (const id of ['CETS189', 'CETS224', 'ETS185', 'OAS-A55', 'PE-ES-MLA', 'UNCC', 'UNTOC']) assert.ok(instruments.includes(id), id);
    const profile = (await server.inject('/api/v1/kb/states/pe?lang=en')).json();
    const party = profile.facts.find((f: { predicate: string }) => f.predicate === 'treaty-party:ETS185');
    assert.equal(party.current.fact.value, true);
    const stale = party.others.find((o: { fact: { id: string } }) => o.fact.id === 'pe-budapest-not-party-2020');
    assert.equal(stale.standing, 'contradicted');
    assert.equal(stale.reason, 'contradicted-by-depositary');
    assert.ok(profile.declarations.some((d: { articles: string[] }) => d.articles.includes('29(4)')));
    assert.ok(profile.treaties.some((s: { instrument: string; status: string }) => s.instrument === 'ETS185' && s.status === 'party'));
    const status = (await server.inject('/api/v1/kb/instruments/UNCC/status')).json();
    assert.ok(status.states.length > 60);
    assert.equal((await server.inject('/api/v1/kb/versions')).json().versions.length, 1);
    const history = (await server.inject('/api/v1/kb/history?kind=profile-fact&key=pe-budapest')).json();
    assert.ok(history.records.length >= 2);
    assert.equal((await server.inject('/api/v1/kb/offences?state=QQ')).statusCode, 422);
  });

  it('publishes an OpenAPI 3.1 document that lists every API operation', async () => {
    const doc = (await server.inject('/api/openapi.json')).json();
    assert.equal(doc.openapi, '3.1.0');
    for (const path of [
      '/api/v1/legal/in-force',
      '/api/v1/legal/entry-into-force',
      '/api/v1/legal/bases',
      '/api/v1/legal/dual-criminality',
      '/api/v1/kb/states/{code}',
    ]) {
      assert.ok(doc.paths[path], `missing ${path}`);
    }
    assert.ok(doc.paths['/api/v1/legal/bases'].get.responses['422']);
  });

  it('sets strict security headers on every answer', async () => {
    for (const url of ['/', '/api/v1/kb/conducts', '/nope']) {
      const res = await server.inject(url);
      const csp = String(res.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['referrer-policy'], 'same-origin');
      assert.ok(res.headers['strict-transport-security']);
    }
  });

  it('refuses cross-site state-changing requests', async () => {
    const crossSite = await server.inject({ method: 'POST', url: '/api/v1/legal/bases', headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(crossSite.statusCode, 403);
    const foreignOrigin = await server.inject({ method: 'POST', url: '/api/v1/legal/bases', headers: { origin: 'https://evil.example', host: 'localhost' } });
    assert.equal(foreignOrigin.statusCode, 403);
    assert.equal(foreignOrigin.json().code, 'forbidden');
  });

  it('refuses to register a route that declares no access policy', async () => {
    const bare = Fastify();
    enforceRoutePolicies(bare);
    bare.get('/guarded', { config: { policy: 'public' } }, async () => 'ok');
    assert.throws(() => bare.get('/unguarded', async () => 'x'), /declares no policy/);
    await bare.close();
  });

  it('never answers 500 to malformed input', async () => {
    const inputs = [
      '/api/v1/legal/bases?measure[]=x&requesting=PE',
      '/api/v1/legal/in-force?instrument=%00&a=%ff&b=',
      '/api/v1/legal/dual-criminality?conducts=,,,&measure=preservation',
      '/api/v1/kb/history?kind=nope&key=x',
      '/api/v1/kb/states/%E0%A4%A',
      '/legal/finder?measure=preservation&requesting=<script>&requested=ES',
    ];
    for (const url of inputs) {
      const res = await server.inject(url);
      assert.ok(res.statusCode >= 200 && res.statusCode < 500, `${url} → ${res.statusCode}`);
      assert.doesNotMatch(res.body, /<script>/);
    }
  });
});
