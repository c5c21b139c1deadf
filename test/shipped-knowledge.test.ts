import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from './support/app.ts';

// What a newcomer checks on the shipped data: which bases let Peru ask Spain, Chile or the United
// States to preserve data today and why; Peru's profile with the superseded 2020 claim.
describe('shipped knowledge base', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.cleanup());

  for (const requested of ['ES', 'CL', 'US']) {
    it(`Peru can ask ${requested} to preserve data under Budapest Art. 29, explained with citations`, async () => {
      const answer = await t.app.knowledge.legalBases({ measure: 'preservation', requesting: 'PE', requested, on: '2026-11-24' });
      const best = answer.bases[0]!;
      assert.equal(best.instrument, 'ETS185');
      assert.equal(best.rank, 1);
      assert.deepEqual(best.articles, ['29']);
      assert.deepEqual(
        best.mandatoryContent.map((m) => m.article),
        ['29(2)(a)', '29(2)(b)', '29(2)(c)', '29(2)(d)', '29(2)(e)', '29(2)(f)'],
      );
      assert.ok(best.deadlines.some((d) => d.days === 60 && d.article === '29(7)'));
      assert.ok(best.citations.length > 0);
      // The UN Convention is signed, not in force: listed, unavailable.
      assert.equal(answer.bases.find((b) => b.instrument === 'UNCC')?.available, false);
    });
  }

  it('Budapest binds Peru from 1 December 2019, with its reservations and declarations', async () => {
    const eif = await t.app.knowledge.entryIntoForce({ instrument: 'ETS185', state: 'PE', on: '2026-11-24' });
    assert.equal(eif.state?.entryIntoForce, '2019-12-01');
    assert.equal((await t.app.knowledge.inForce({ instrument: 'ETS185', a: 'PE', b: 'CL', on: '2019-11-30' })).inForce, false);
    const toPeru = await t.app.knowledge.legalBases({ measure: 'preservation', requesting: 'ES', requested: 'PE' });
    const budapest = toPeru.bases.find((b) => b.instrument === 'ETS185')!;
    assert.ok(budapest.reservations.some((r) => r.effect === 'dual-criminality-for-preservation'));
    assert.ok(budapest.explanation.some((s) => s.code === 'bases.urgent_via_central'));
    assert.ok(budapest.channels.some((c) => c.channel === 'central-authority' && c.authority?.id === 'pe-central-authority'));
  });

  it("Peru's 29(4) reservation requires dual criminality for preserving data on a non-Convention offence", async () => {
    const convention = await t.app.knowledge.dualCriminality({
      conducts: 'computer-fraud',
      requesting: 'ES',
      requested: 'PE',
      measure: 'preservation',
      instrument: 'ETS185',
    });
    assert.equal(convention.verdict, 'not-required');
    const other = await t.app.knowledge.dualCriminality({
      conducts: 'extortion',
      requesting: 'ES',
      requested: 'PE',
      measure: 'preservation',
      instrument: 'ETS185',
    });
    assert.equal(other.requirement, 'required');
    assert.notEqual(other.verdict, 'not-required');
  });

  it('dual criminality for MLA is judged on the conduct across Peruvian, Chilean and Spanish law', async () => {
    for (const requested of ['CL', 'ES']) {
      const answer = await t.app.knowledge.dualCriminality({
        conducts: 'illegal-access,computer-fraud',
        requesting: 'PE',
        requested,
        measure: 'mutual-legal-assistance',
        instrument: 'ETS185',
      });
      assert.equal(answer.verdict, 'met', requested);
      for (const f of answer.findings) {
        assert.ok(f.requesting.offences.length > 0 && f.requested.offences.length > 0);
      }
    }
    const unknown = await t.app.knowledge.dualCriminality({
      conducts: 'computer-fraud',
      requesting: 'PE',
      requested: 'FR',
      measure: 'mutual-legal-assistance',
      instrument: 'ETS185',
    });
    // No French catalogue is shipped: the engine cannot tell, rather than guess.
    assert.equal(unknown.verdict, 'cannot-be-determined');
  });

  it("keeps the 2020 claim that Peru is not a Budapest Party, set aside by the depositary's record", async () => {
    const profile = await t.app.knowledge.profile('PE');
    const party = profile.facts.find((f) => f.predicate === 'treaty-party:ETS185')!;
    assert.equal(party.current.fact.value, true);
    const stale = party.others.find((o) => o.fact.id === 'pe-budapest-not-party-2020');
    assert.equal(stale?.standing, 'contradicted');
    assert.equal(stale?.fact.confidence, 'uncertain');
    assert.ok(party.disputed);
  });

  it('projects the UN Convention as not yet in force, counting recorded instruments', async () => {
    const eif = await t.app.knowledge.entryIntoForce({ instrument: 'UNCC' });
    assert.equal(eif.general.status, 'pending');
    assert.equal(eif.general.threshold, 40);
    assert.ok(eif.general.warnings.some((w) => w.code === 'eif.counts_recorded_only'));
  });
});

// The offence catalogues of the United States and Argentina (issue 16): dual criminality for illegal
// access is found in both laws, each offence cited with its article and source.
describe('shipped offence catalogues of the United States and Argentina', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.cleanup());

  it('finds a US and an Argentine offence for illegal access, each with its article and source', async () => {
    const answer = await t.app.knowledge.dualCriminality({
      conducts: 'illegal-access',
      requesting: 'US',
      requested: 'AR',
      measure: 'mutual-legal-assistance',
      instrument: 'ETS185',
    });
    const [finding] = answer.findings;
    assert.equal(finding?.requesting.status, 'criminalised');
    assert.equal(finding?.requested.status, 'criminalised');
    const us = finding!.requesting.offences.find((o) => o.id === 'us-18-usc-1030-a-2');
    const ar = finding!.requested.offences.find((o) => o.id === 'ar-cp-153-bis');
    assert.equal(us?.article, '1030(a)(2)');
    assert.equal(ar?.article, '153 bis');
    assert.ok(us!.citation.source.length > 0 && ar!.citation.source.length > 0);
    assert.equal(finding?.verdict, 'met');
    assert.equal(answer.verdict, 'met');
  });

  it('maps offences that reach only part of a conduct to the sub-conduct, not the parent', async () => {
    const answer = await t.app.knowledge.dualCriminality({
      conducts: 'device-production-distribution',
      requesting: 'BR',
      requested: 'US',
      measure: 'mutual-legal-assistance',
      instrument: 'ETS185',
    });
    const [finding] = answer.findings;
    assert.ok(finding?.requesting.offences.some((o) => o.id === 'br-cp-154-a-1'));
    assert.ok(finding?.requested.offences.some((o) => o.id === 'us-18-usc-1030-a-6'));
  });
});
