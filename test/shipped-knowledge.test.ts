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

// Issue 16 (1): Palermo is the main multilateral MLA basis outside Budapest; with only Uruguay
// recorded the engine said it was not in force between Peru and Spain, the United States or Mexico.
describe('shipped knowledge base: UNTOC status table', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.cleanup());

  for (const other of ['ES', 'US', 'MX']) {
    it(`Palermo is in force between Peru and ${other}`, async () => {
      const answer = await t.app.knowledge.inForce({ instrument: 'UNTOC', a: 'PE', b: other, on: '2026-11-24' });
      assert.equal(answer.inForce, true);
      assert.ok(answer.citations.length > 0);
    });
  }

  it('dates Peru (29 Sep 2003) and the United States (3 Dec 2005) from the sources read', async () => {
    const pe = await t.app.knowledge.entryIntoForce({ instrument: 'UNTOC', state: 'PE', on: '2026-11-24' });
    assert.equal(pe.state?.entryIntoForce, '2003-09-29');
    const us = await t.app.knowledge.entryIntoForce({ instrument: 'UNTOC', state: 'US', on: '2026-11-24' });
    assert.equal(us.state?.entryIntoForce, '2005-12-03');
    assert.equal((await t.app.knowledge.inForce({ instrument: 'UNTOC', a: 'PE', b: 'US', on: '2005-12-02' })).inForce, false);
  });

  it('says Palermo is in force since 29 Sep 2003 and counts the dated consents read (at least 35, not 1)', async () => {
    const eif = await t.app.knowledge.entryIntoForce({ instrument: 'UNTOC' });
    assert.equal(eif.general.status, 'in-force');
    assert.equal(eif.general.date, '2003-09-29');
    // Consent instruments with a date read in a source (the full UNTC table was not reachable):
    // at least 35, not the single one recorded before.
    assert.ok(eif.general.deposited >= 35, `deposited ${eif.general.deposited}`);
  });
});

// coe-status: the Budapest table comes from the depositary charts and official sources, not a cut-off list.
describe('shipped status tables of the Council of Europe treaties', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.cleanup());

  it('counts at least 30 consent instruments for ETS 185 and at least 55 States it is in force for', async () => {
    const on = '2026-12-07';
    const eif = await t.app.knowledge.entryIntoForce({ instrument: 'ETS185', on });
    assert.equal(eif.general.status, 'in-force');
    assert.ok(eif.general.deposited >= 30, `deposited ${eif.general.deposited}`);
    const parties = [];
    for (const state of [
      'AL',
      'AD',
      'AR',
      'AM',
      'AU',
      'AT',
      'AZ',
      'BE',
      'BJ',
      'BA',
      'BR',
      'BG',
      'CA',
      'CL',
      'CO',
      'CR',
      'CI',
      'HR',
      'CY',
      'CZ',
      'DK',
      'DO',
      'EE',
      'FJ',
      'FI',
      'FR',
      'GE',
      'DE',
      'GH',
      'GR',
      'GD',
      'HU',
      'IS',
      'IL',
      'IT',
      'JP',
      'CV',
      'CM',
      'KI',
      'LV',
      'LI',
      'LT',
      'LU',
      'MT',
      'MA',
      'MU',
      'MD',
      'NZ',
      'NG',
      'PE',
      'PH',
      'LK',
      'ES',
      'GB',
      'NL',
      'PT',
      'US',
    ]) {
      const answer = await t.app.knowledge.entryIntoForce({ instrument: 'ETS185', state, on });
      if (answer.state?.status === 'party') parties.push(state);
    }
    assert.ok(parties.length >= 55, `parties ${parties.length}: ${parties.join(' ')}`);
  });

  it('reads Austria, Nigeria and New Zealand from their sources, with the deposit and the in-force date', async () => {
    const on = '2026-12-07';
    for (const [state, event, date, eifDate] of [
      ['AT', 'ratification', '2012-06-13', '2012-10-01'],
      ['NG', 'accession', '2022-07-06', '2022-11-01'],
      ['NZ', 'accession', '2025-08-28', '2025-12-01'],
    ] as const) {
      const answer = await t.app.knowledge.entryIntoForce({ instrument: 'ETS185', state, on });
      assert.deepEqual(answer.state?.consent, { event, date }, state);
      assert.equal(answer.state?.entryIntoForce, eifDate, state);
    }
  });

  it('knows the First Additional Protocol (ETS 189): in force since 2006-03-01, Benin a Party', async () => {
    const eif = await t.app.knowledge.entryIntoForce({ instrument: 'CETS189', state: 'BJ', on: '2026-12-07' });
    assert.equal(eif.general.status, 'in-force');
    assert.equal(eif.general.date, '2006-03-01');
    assert.deepEqual(eif.state?.consent, { event: 'accession', date: '2024-06-20' });
    assert.equal(eif.state?.status, 'party');
  });
});

// Reservations and designations read from the depositary and official sources (issue 16).
describe('shipped reservations, declarations and authorities', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.cleanup());

  it("Argentina's 29(4) reservation makes dual criminality required to preserve data in Argentina, even for a Convention offence", async () => {
    for (const conducts of ['illegal-access', 'extortion']) {
      const answer = await t.app.knowledge.dualCriminality({ conducts, requesting: 'ES', requested: 'AR', measure: 'preservation', instrument: 'ETS185' });
      assert.equal(answer.requirement, 'required', conducts);
      assert.notEqual(answer.verdict, 'not-required', conducts);
      assert.ok(
        answer.explanation.some((s) => s.code === 'dc.reservation_applies'),
        conducts,
      );
    }
    // Without a reservation the rule of Art. 29(3) stands: Spain made none.
    const toSpain = await t.app.knowledge.dualCriminality({
      conducts: 'extortion',
      requesting: 'AR',
      requested: 'ES',
      measure: 'preservation',
      instrument: 'ETS185',
    });
    assert.equal(toSpain.verdict, 'not-required');
  });

  it('Spain has a central authority and a 24/7 point of contact recorded, named in the preservation route', async () => {
    const answer = await t.app.knowledge.legalBases({ measure: 'preservation', requesting: 'PE', requested: 'ES', on: '2026-11-24' });
    const budapest = answer.bases.find((b) => b.instrument === 'ETS185')!;
    assert.equal(budapest.channels.find((c) => c.channel === 'central-authority')?.authority?.id, 'es-ets185-central-authority');
    assert.equal(budapest.channels.find((c) => c.channel === 'point-of-contact-24-7')?.authority?.id, 'es-ets185-point-of-contact');
  });

  it('Chile has a central authority recorded', async () => {
    const answer = await t.app.knowledge.legalBases({ measure: 'mutual-legal-assistance', requesting: 'PE', requested: 'CL', on: '2026-11-24' });
    const budapest = answer.bases.find((b) => b.instrument === 'ETS185')!;
    assert.equal(budapest.channels.find((c) => c.channel === 'central-authority')?.authority?.id, 'cl-ets185-central-authority');
  });

  it('the United States routes urgent Art. 27(9)(e) requests through its central authority', async () => {
    const answer = await t.app.knowledge.legalBases({ measure: 'preservation', requesting: 'PE', requested: 'US', on: '2026-11-24' });
    const budapest = answer.bases.find((b) => b.instrument === 'ETS185')!;
    assert.ok(budapest.explanation.some((s) => s.code === 'bases.urgent_via_central'));
    assert.ok(budapest.reservations.some((r) => r.effect === 'urgent-requests-via-central-authority'));
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

// ets-members: Council of Europe member States added from depositary pages, Legilux and official texts.
describe('shipped Budapest status of further Council of Europe member States', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.cleanup());

  it('reads Norway, Switzerland, San Marino and Türkiye with the deposit and the in-force date', async () => {
    for (const [state, date, eifDate] of [
      ['NO', '2006-06-30', '2006-10-01'],
      ['CH', '2011-09-21', '2012-01-01'],
      ['SM', '2019-03-08', '2019-07-01'],
      ['TR', '2014-09-29', '2015-01-01'],
    ] as const) {
      const before = await t.app.knowledge.entryIntoForce({ instrument: 'ETS185', state, on: date });
      assert.notEqual(before.state?.status, 'party', `${state} is not yet a Party on ${date}`);
      const answer = await t.app.knowledge.entryIntoForce({ instrument: 'ETS185', state, on: eifDate });
      assert.deepEqual(answer.state?.consent, { event: 'ratification', date }, state);
      assert.equal(answer.state?.entryIntoForce, eifDate, state);
      assert.equal(answer.state?.status, 'party', state);
    }
  });

  it('computes Sweden in force from 2021-08-01 after its deposit of 2021-04-28', async () => {
    const answer = await t.app.knowledge.entryIntoForce({ instrument: 'ETS185', state: 'SE', on: '2026-12-07' });
    assert.deepEqual(answer.state?.consent, { event: 'ratification', date: '2021-04-28' });
    assert.equal(answer.state?.entryIntoForce, '2021-08-01');
    assert.equal(answer.state?.status, 'party');
  });
});

// ets-nonmembers: deposit dates of non-member Parties to the Budapest Convention, each from its own
// source (CoE Octopus profile, news, official gazettes relayed in copies, government pages).
describe('shipped ETS 185 deposits of non-member States', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.cleanup());

  it('reads the consent instrument and the in-force date of Panama, Sierra Leone, Japan and Canada', async () => {
    for (const [state, event, date, eifDate] of [
      ['PA', 'accession', '2014-03-05', '2014-07-01'],
      ['SL', 'accession', '2024-04-19', '2024-08-01'],
      ['JP', 'acceptance', '2012-07-03', '2012-11-01'],
      ['CA', 'ratification', '2015-07-08', '2015-11-01'],
    ] as const) {
      const answer = await t.app.knowledge.entryIntoForce({ instrument: 'ETS185', state, on: eifDate });
      assert.deepEqual(answer.state?.consent, { event, date }, state);
      assert.equal(answer.state?.entryIntoForce, eifDate, state);
      assert.equal(answer.state?.status, 'party', state);
    }
  });

  it('Panama has consented but is not yet a Party the day before its entry into force', async () => {
    const answer = await t.app.knowledge.entryIntoForce({ instrument: 'ETS185', state: 'PA', on: '2014-06-30' });
    assert.equal(answer.state?.status, 'consented');
  });
});

// Issue 16 (6): curators' remarks ("tier for 14-17 not read", "[unverified — background knowledge]")
// belong in `note`, never in the texts pages and answers show.
describe('shipped knowledge base: texts shown to people', () => {
  it('carry no curators’ remarks in offence names, summaries or penalties', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = join(import.meta.dirname, '..', 'kb', 'offences');
    const remark = /\[unverified|not read|background knowledge|tier for \S+ not read|por verificar/i;
    const found: string[] = [];
    for (const file of readdirSync(dir)) {
      const catalogue = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
        offences: Array<{ id: string; name: Record<string, string>; summary: Record<string, string>; penalty: { text: Record<string, string> } }>;
      };
      for (const o of catalogue.offences)
        for (const [field, text] of [
          ['name', o.name],
          ['summary', o.summary],
          ['penalty', o.penalty.text],
        ] as const)
          for (const lang of ['es', 'en']) if (remark.test(text[lang] ?? '')) found.push(`${file} ${o.id} ${field}.${lang}`);
    }
    assert.deepEqual(found, []);
  });
});

// r2-budapest: Morocco's ETS 185 accession read on a treaty-series notice (Luxembourg, relaying the CoE
// notification); Cabo Verde's deposit day from news only (unverified).
describe('shipped ETS 185 deposits, second round', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.cleanup());

  it('Morocco acceded on 2018-06-29 and is a Party from 2018-10-01, only consented the day before', async () => {
    const answer = await t.app.knowledge.entryIntoForce({ instrument: 'ETS185', state: 'MA', on: '2018-10-01' });
    assert.deepEqual(answer.state?.consent, { event: 'accession', date: '2018-06-29' });
    assert.equal(answer.state?.entryIntoForce, '2018-10-01');
    assert.equal(answer.state?.status, 'party');
    const before = await t.app.knowledge.entryIntoForce({ instrument: 'ETS185', state: 'MA', on: '2018-09-30' });
    assert.equal(before.state?.status, 'consented');
  });

  it('Cabo Verde has an accession deposit before its 2018-10-01 entry into force', async () => {
    const answer = await t.app.knowledge.entryIntoForce({ instrument: 'ETS185', state: 'CV', on: '2018-10-01' });
    assert.deepEqual(answer.state?.consent, { event: 'accession', date: '2018-06-19' });
    assert.equal(answer.state?.status, 'party');
  });
});

// r2-untoc: Palermo consents read on the UNTC page (status as at 04-05-2024) and Switzerland's own
// compilation; signatures of Caribbean and other States from Tractatenblad 2004, 34.
describe('shipped UNTOC status, second round', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.cleanup());

  it('reads the consent of Austria, Bangladesh, Barbados, the Bahamas and Switzerland', async () => {
    for (const [state, event, date] of [
      ['AT', 'ratification', '2004-09-23'],
      ['BD', 'accession', '2011-07-13'],
      ['BB', 'ratification', '2014-11-11'],
      ['BS', 'ratification', '2008-09-26'],
      ['CH', 'ratification', '2006-10-27'],
    ] as const) {
      const answer = await t.app.knowledge.entryIntoForce({ instrument: 'UNTOC', state, on: '2026-11-24' });
      assert.deepEqual(answer.state?.consent, { event, date }, state);
      assert.equal(answer.state?.status, 'party', state);
    }
  });

  it('Palermo is in force between Peru and Austria, and Jamaica has signed (26 Sep 2001) with no consent in the sources read', async () => {
    assert.equal((await t.app.knowledge.inForce({ instrument: 'UNTOC', a: 'PE', b: 'AT', on: '2026-11-24' })).inForce, true);
    const jm = await t.app.knowledge.entryIntoForce({ instrument: 'UNTOC', state: 'JM', on: '2026-11-24' });
    assert.equal(jm.state?.status, 'signed');
  });
});

// Issue 16 (authorities, second round): the Art. 24(7) designations recorded as extradition authorities, and the
// central authorities and extradition authorities of the United States, Argentina and Brazil from official pages.
describe('shipped extradition authorities and the authorities of the Americas', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => {
    await t.cleanup();
  });

  it('Peru → Ecuador: Budapest extradition goes to the National Court of Justice, designated under Art. 24(7)', async () => {
    const answer = await t.app.knowledge.legalBases({ measure: 'extradition', requesting: 'PE', requested: 'EC', on: '2026-11-24' });
    const ets = answer.bases.find((b) => b.instrument === 'ETS185');
    assert.equal(ets?.channels.find((c) => c.channel === 'extradition-authority')?.authority?.id, 'ec-ets185-extradition-authority');
    assert.ok(!ets?.warnings.some((w) => w.code === 'bases.authority_not_published'));
  });

  it('the United States, Argentina and Brazil have a recorded central authority and extradition authority', async () => {
    for (const [state, central, extradition] of [
      ['US', 'us-central-authority', 'us-extradition-authority'],
      ['AR', 'ar-central-authority', 'ar-extradition-authority'],
      ['BR', 'br-central-authority', 'br-extradition-authority'],
    ] as const) {
      const answer = await t.app.knowledge.legalBases({ measure: 'mutual-legal-assistance', requesting: 'PE', requested: state, on: '2026-11-24' });
      const ets = answer.bases.find((b) => b.instrument === 'ETS185');
      assert.equal(ets?.channels.find((c) => c.channel === 'central-authority')?.authority?.id, central, state);
      const ext = await t.app.knowledge.legalBases({ measure: 'extradition', requesting: 'PE', requested: state, on: '2026-11-24' });
      assert.equal(ext.bases.find((b) => b.instrument === 'ETS185')?.channels[0]?.authority?.id, extradition, state);
    }
  });
});

// Issue 16, second round: OAS A-55 accessions of non-American States read from the depositary's
// chart, and two Hanoi signatories of the UN Cybercrime Convention; no ratification of it recorded.
describe('shipped OAS A-55 accessions and UN Cybercrime Convention signatories (second round)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.cleanup());

  it('Czech Republic, Kazakhstan and Ukraine acceded to A-55 on their deposit dates', async () => {
    for (const [state, date] of [
      ['CZ', '2019-10-17'],
      ['KZ', '2015-11-06'],
      ['UA', '2021-02-26'],
    ] as const) {
      const answer = await t.app.knowledge.entryIntoForce({ instrument: 'OAS-A55', state, on: '2026-11-24' });
      assert.deepEqual(answer.state?.consent, { event: 'accession', date }, state);
      assert.equal(answer.state?.status, 'party', state);
    }
    assert.equal((await t.app.knowledge.inForce({ instrument: 'OAS-A55', a: 'PE', b: 'CZ', on: '2026-11-24' })).inForce, true);
  });

  it('South Africa and Zimbabwe signed the UN Cybercrime Convention; it is still pending', async () => {
    for (const state of ['ZA', 'ZW']) {
      const answer = await t.app.knowledge.entryIntoForce({ instrument: 'UNCC', state, on: '2026-11-24' });
      assert.equal(answer.state?.signature, '2025-10-25', state);
      assert.equal(answer.state?.status, 'signed', state);
    }
    const general = await t.app.knowledge.entryIntoForce({ instrument: 'UNCC', on: '2026-11-24' });
    assert.equal(general.general.status, 'pending');
    assert.equal(general.general.deposited, 0);
  });
});

describe('shipped declaration effects: withdrawals and measure restrictions (issue 16)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.cleanup());

  const ON = '2026-11-24';

  it('Bulgaria (Art. 14(3)) applies real-time collection of traffic data only to serious offences: a warning on that measure', async () => {
    const answer = await t.app.knowledge.legalBases({ measure: 'real-time-collection', requesting: 'PE', requested: 'BG', on: ON });
    const budapest = answer.bases.find((b) => b.instrument === 'ETS185')!;
    assert.equal(budapest.available, true);
    const warning = budapest.warnings.find((w) => w.code === 'bases.measure_restriction');
    assert.equal(warning?.params.state, 'BG');
    assert.match(String(warning?.params.scope_en), /serious offences/);
    assert.match(String(warning?.params.scope_es), /delitos graves/);
    const step = budapest.explanation.find((s) => s.code === 'bases.measure_restriction');
    assert.ok(step?.citations.some((c) => c.source === 'decl-coe-185-bul-reservations' && c.article === '14(3)'));
    assert.ok(budapest.reservations.some((r) => r.id === 'bg-ets185-reservation-14-3' && r.effect === 'measure-restriction'));
    // Its text names Art. 20 only: interception of content (Art. 21) is not restricted.
    const interception = (await t.app.knowledge.legalBases({ measure: 'interception', requesting: 'PE', requested: 'BG', on: ON })).bases.find(
      (b) => b.instrument === 'ETS185',
    )!;
    assert.ok(!interception.warnings.some((w) => w.code === 'bases.measure_restriction'));
    assert.ok(!interception.reservations.some((r) => r.id === 'bg-ets185-reservation-14-3'));
  });

  it('New Zealand (Art. 14(3)(a)) keeps real-time collection of traffic data for offences punishable by 7 years or more', async () => {
    const answer = await t.app.knowledge.legalBases({ measure: 'real-time-collection', requesting: 'PE', requested: 'NZ', on: ON });
    const budapest = answer.bases.find((b) => b.instrument === 'ETS185')!;
    const step = budapest.explanation.find((s) => s.code === 'bases.measure_restriction');
    assert.equal(step?.params.articles, '14(3)(a)');
    assert.match(String(step?.params.scope_en), /7 years/);
  });

  it("Colombia's Art. 14/20/21 reservations stay informational: their text is not recorded, so no restriction is invented", async () => {
    for (const measure of ['real-time-collection', 'interception'] as const) {
      const budapest = (await t.app.knowledge.legalBases({ measure, requesting: 'PE', requested: 'CO', on: ON })).bases.find((b) => b.instrument === 'ETS185')!;
      assert.ok(!budapest.warnings.some((w) => w.code === 'bases.measure_restriction'), measure);
    }
  });

  it("Argentina's partial reservation to Art. 9(1)(e) (possession of CSAM) applies until its withdrawal took effect on 30 July 2018", async () => {
    const ask = (on: string) =>
      t.app.knowledge.dualCriminality({ conducts: ['csam'], requesting: 'PE', requested: 'AR', measure: 'mutual-legal-assistance', instrument: 'ETS185', on });
    const partial = (a: Awaited<ReturnType<typeof ask>>) =>
      a.explanation.filter((s) => s.code === 'dc.partial_reservation' && s.params.state === 'AR').map((s) => s.params.articles);
    const before = await ask('2018-07-29');
    assert.ok(partial(before).includes('9(1)(e)'));
    for (const on of ['2018-07-30', ON]) {
      const after = await ask(on);
      assert.ok(!partial(after).includes('9(1)(e)'), on);
      // The reservations to 9(1)(d), 9(2)(b) and 9(2)(c) were not withdrawn.
      assert.ok(partial(after).includes('9(1)(d), 9(2)(b), 9(2)(c)'), on);
      const withdrawn = after.explanation.find((s) => s.code === 'dc.declaration_withdrawn' && s.params.state === 'AR');
      assert.equal(withdrawn?.params.date, '2018-07-30', on);
      assert.equal(withdrawn?.params.articles, '9(1)(e)', on);
      assert.ok(
        withdrawn?.citations.some((c) => c.source === 'decl-legilux-2018-a752-ar' && c.confidence === 'verified'),
        on,
      );
    }
  });
});
