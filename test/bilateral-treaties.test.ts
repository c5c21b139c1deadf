import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from './support/app.ts';

// Peru's bilateral MLA and extradition treaties (issue 16): first-class instruments whose status is
// recorded for both States from the gazettes and government texts that published them.
describe('shipped bilateral treaties of Peru', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.cleanup());

  it('records each treaty as bilateral, with status events for Peru and its one partner only', async () => {
    const kb = await t.app.knowledge.snapshot();
    const bilateral = [...kb.instruments.values()].filter((i) => i.kind === 'bilateral');
    assert.deepEqual(bilateral.map((i) => i.id).sort(), ['PE-BR-MLA', 'PE-CL-EXT', 'PE-ES-EXT', 'PE-ES-MLA', 'PE-US-EXT']);
    for (const instrument of bilateral) {
      const partner = instrument.id.split('-')[1];
      for (const state of kb.states.keys()) {
        const events = kb.events(instrument.id, state);
        if (state !== 'PE' && state !== partner) assert.equal(events.length, 0, `${instrument.id} has events for ${state}`);
      }
      // A bilateral act binds both States on the same day: the two sides never disagree.
      for (const type of ['signature', 'entry-into-force']) {
        const pe = kb.events(instrument.id, 'PE').filter((e) => e.event === type);
        const other = kb.events(instrument.id, partner ?? '').filter((e) => e.event === type);
        assert.deepEqual(
          pe.map((e) => e.date),
          other.map((e) => e.date),
          `${instrument.id} ${type}`,
        );
      }
    }
  });

  it('the Spain-Peru MLA treaty binds both from 12 December 2001 and carries MLA through the central authorities', async () => {
    assert.equal((await t.app.knowledge.inForce({ instrument: 'PE-ES-MLA', a: 'PE', b: 'ES', on: '2001-12-11' })).inForce, false);
    const inForce = await t.app.knowledge.inForce({ instrument: 'PE-ES-MLA', a: 'PE', b: 'ES', on: '2001-12-12' });
    assert.equal(inForce.inForce, true);
    assert.equal(inForce.since, '2001-12-12');
    const bases = await t.app.knowledge.legalBases({ measure: 'mutual-legal-assistance', requesting: 'PE', requested: 'ES', on: '2026-12-07' });
    const treaty = bases.bases.find((b) => b.instrument === 'PE-ES-MLA');
    assert.equal(treaty?.available, true);
    assert.deepEqual(
      treaty?.channels.map((c) => c.channel),
      ['central-authority'],
    );
    assert.ok(treaty?.conditions.some((c) => c.article === '18' && c.text.es.includes('Ministerio Público')));
  });

  it('the Brazil-Peru MLA agreement and the US-Peru extradition treaty are in force from the dates their texts record', async () => {
    const brazil = await t.app.knowledge.inForce({ instrument: 'PE-BR-MLA', a: 'BR', b: 'PE', on: '2026-12-07' });
    assert.equal(brazil.since, '2001-08-24');
    assert.equal(brazil.inForce, true);
    const us = await t.app.knowledge.inForce({ instrument: 'PE-US-EXT', a: 'US', b: 'PE', on: '2003-08-24' });
    assert.equal(us.inForce, false);
    assert.equal(us.since, '2003-08-25');
  });

  it('a treaty whose entry into force could not be sourced is signed, not in force', async () => {
    const spain = await t.app.knowledge.inForce({ instrument: 'PE-ES-EXT', a: 'PE', b: 'ES', on: '2026-12-07' });
    assert.equal(spain.inForce, false);
    assert.deepEqual(
      spain.parties.map((p) => p.status),
      ['signed', 'signed'],
    );
  });
});
