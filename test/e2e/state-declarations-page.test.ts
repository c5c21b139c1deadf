import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { decodeHtml } from '../support/web.ts';

// Issue 16: a reservation withdrawn (Budapest Art. 43) is shown as withdrawn, with the source of the withdrawal.
describe('a State’s reservations and declarations page', () => {
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

  it('marks Argentina’s reservation to Art. 9(1)(e) as withdrawn since 2018-07-30, in both languages', async () => {
    const es = decodeHtml((await server.inject('/states/AR?lang=es')).body);
    assert.match(es, /Retirada con efecto desde el 2018-07-30: ya no se aplica\./);
    const en = decodeHtml((await server.inject('/states/AR?lang=en')).body);
    assert.match(en, /Withdrawn with effect from 2018-07-30: no longer applies\./);
    // Only the withdrawn one: Argentina's Art. 29(4) reservation still applies.
    assert.equal(en.match(/Withdrawn with effect from/g)?.length, 1);
  });
});
