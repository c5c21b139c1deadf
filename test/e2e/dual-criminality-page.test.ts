import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

// Issue 16, finding 3, on the dual-criminality page: a reservation that bites on a sub-conduct is shown
// with its article and source; an instrument not in force between the States gives "not applicable".
describe('dual-criminality page (issue 16)', () => {
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

  const page = async (query: string) => {
    const res = await server.inject({ method: 'GET', url: `/legal/dual-criminality?check=1&${query}` });
    assert.equal(res.statusCode, 200, res.body.slice(0, 1000));
    return res.body;
  };

  it("mere possession of devices requested of Peru: not met, Peru's reservation to Art. 6(1)(b) with its source", async () => {
    const es = await page('conducts=device-possession&requesting=CL&requested=PE&measure=mutual-legal-assistance&instrument=ETS185&on=2026-12-07');
    assert.match(es, /<h2 id="results-title">Resultado: no se cumple<\/h2>/);
    assert.match(es, /<em>No tipificada: reserva al art\. 6\(1\)\(b\) de «Convenio de Budapest»\.<\/em>/);
    assert.match(es, /href="https:\/\/wipo\.int\/wipolex\/en\/treaties\/parties\/remarks\/PE\/952"/);
    const en = await page('conducts=device-possession&requesting=CL&requested=PE&measure=mutual-legal-assistance&instrument=ETS185&on=2026-12-07&lang=en');
    assert.match(en, /<h2 id="results-title">Result: not met<\/h2>/);
    assert.match(en, /<em>Not criminalised: reservation to art\. 6\(1\)\(b\) of “Budapest Convention”\.<\/em>/);
    assert.match(en, /Peru reserved the right not to criminalise mere possession of devices/);
  });

  it('under the UN Convention, not in force between Peru and Spain: "not applicable", with a link to the bases in force', async () => {
    const es = await page('conducts=computer-fraud&requesting=PE&requested=ES&measure=mutual-legal-assistance&instrument=UNCC&on=2026-12-07');
    assert.match(es, /<h2 id="results-title">Resultado: no aplicable<\/h2>/);
    assert.match(es, /<p class="not-applicable">«[^»]+» no está en vigor entre Perú y España el 2026-12-07/);
    assert.match(es, /<a href="\/legal\/finder\?measure=mutual-legal-assistance&amp;requesting=PE&amp;requested=ES&amp;on=2026-12-07&amp;lang=es">/);
    assert.doesNotMatch(es, /Exigencia para esta medida/);
    const en = await page('conducts=computer-fraud&requesting=PE&requested=ES&measure=mutual-legal-assistance&instrument=UNCC&on=2026-12-07&lang=en');
    assert.match(en, /<h2 id="results-title">Result: not applicable<\/h2>/);
  });
});
