import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataset, event, instrument, provision } from '../../../../test/support/fixture.ts';
import { readDatasetDirectory } from '../files.ts';
import type { Conduct, Dataset, Declaration, Offence, OffenceCatalogue } from '../schema.ts';
import { checkReferences, validateRawDataset } from '../validate.ts';
import { dualCriminality } from './dual-criminality.ts';
import { KnowledgeSnapshot } from './snapshot.ts';

// Issue 16, finding 3: dual criminality on sub-conducts, partial reservations that bite on one of them,
// and "not applicable" under an instrument that does not bind the two States.

const P = { source: 'dep', asOf: '2025-01-01', recorded: '2025-01-01', confidence: 'verified' as const };
const TODAY = '2026-11-24';
const L = (en: string) => ({ es: en, en });

const subConducts: Conduct[] = [
  { id: 'misuse-of-devices', name: L('Misuse of devices'), description: L('x') },
  { id: 'device-possession', name: L('Mere possession of devices'), description: L('x'), parent: 'misuse-of-devices' },
  { id: 'device-production-distribution', name: L('Production or distribution of devices'), description: L('x'), parent: 'misuse-of-devices' },
];

const offence = (id: string, conducts: string[]): Offence => ({
  id,
  law: 'Code',
  article: id,
  name: L(id),
  summary: L(id),
  conducts,
  penalty: { text: L('1-3 years') },
  ...P,
});

const catalogues: OffenceCatalogue[] = [
  // AA maps its offence to the parent: it covers every sub-conduct.
  { state: 'AA', reviewedConducts: ['misuse-of-devices'], offences: [offence('aa-6', ['misuse-of-devices'])], ...P },
  // BB maps its offence to production and distribution only.
  { state: 'BB', reviewedConducts: ['misuse-of-devices'], offences: [offence('bb-10', ['device-production-distribution'])], ...P },
  // CC has a parent offence, and a reservation on possession (below).
  { state: 'CC', reviewedConducts: ['misuse-of-devices'], offences: [offence('cc-6', ['misuse-of-devices'])], ...P },
];

const possessionReservation = (state: string, overrides: Partial<Declaration> = {}): Declaration => ({
  id: `${state.toLowerCase()}-6-1-b`,
  instrument: 'COE',
  state,
  kind: 'reservation',
  articles: ['6(3)', '6(1)(b)'],
  text: L('reserves the right not to apply Art. 6(1)(b)'),
  effect: { type: 'criminalisation-reservation', conduct: 'device-possession', article: '6(1)(b)' },
  ...P,
  ...overrides,
});

function kbWith(parts: Partial<Dataset> = {}) {
  const coe = instrument('COE', {
    generalEntryIntoForce: { date: '2004-07-01', ...P },
    articles: [
      { number: '1', title: L('MLA'), conducts: [], ...P },
      { number: '6', title: L('Misuse of devices'), conducts: ['misuse-of-devices'], ...P },
      { number: '8', title: L('Fraud'), conducts: ['computer-fraud'], ...P },
    ],
    measures: [
      provision('preservation', { dualCriminality: { rule: 'not-required', article: '29(3)', explanation: L('x') } }),
      provision('mutual-legal-assistance', { dualCriminality: { rule: 'requested-state-law', article: '25(5)', explanation: L('x') } }),
    ],
  });
  const base = dataset();
  const d = dataset({
    conducts: [...base.conducts, ...subConducts],
    instruments: [coe],
    statusEvents: ['AA', 'BB', 'CC'].map((s) => event('COE', s, 'ratification', '2010-01-01')),
    offenceCatalogues: catalogues,
    ...parts,
  });
  const kb = new KnowledgeSnapshot(d, 'v');
  const mla = coe.measures[1]!;
  const ask = (conducts: string[], requesting: string, requested: string, measure = mla) =>
    dualCriminality(kb, conducts, requesting, requested, coe, measure, TODAY, TODAY);
  return { kb, coe, d, ask };
}

describe('dual criminality on sub-conducts (issue 16)', () => {
  it('an offence mapped to the parent covers each sub-conduct; one mapped to a sub-conduct covers only it', () => {
    const { ask } = kbWith();
    for (const sub of ['device-possession', 'device-production-distribution']) {
      const answer = ask([sub], 'BB', 'AA');
      assert.equal(answer.findings[0]?.requested.status, 'criminalised', sub);
      assert.deepEqual(
        answer.findings[0]?.requested.offences.map((o) => o.id),
        ['aa-6'],
      );
      assert.ok(answer.explanation.some((s) => s.code === 'dc.covered_by_parent' && s.params.state === 'AA'));
    }
    assert.equal(ask(['device-production-distribution'], 'AA', 'BB').verdict, 'met');
    // BB's offence does not reach possession, and BB's catalogue reviewed the parent: not criminalised.
    const possession = ask(['device-possession'], 'AA', 'BB');
    assert.equal(possession.findings[0]?.requested.status, 'not-criminalised');
    assert.equal(possession.verdict, 'not-met');
  });

  it('a question about the parent that a State covers only through a sub-conduct cannot be answered for the whole', () => {
    const { ask } = kbWith();
    const answer = ask(['misuse-of-devices'], 'AA', 'BB');
    assert.equal(answer.verdict, 'cannot-be-determined');
    assert.equal(answer.findings[0]?.requested.status, 'unknown');
    assert.deepEqual(answer.undeterminedBecause, ['BB:misuse-of-devices']);
    const inPart = answer.warnings.find((w) => w.code === 'dc.parent_in_part');
    assert.equal(inPart?.params.covered, 'device-production-distribution');
    assert.equal(inPart?.params.covered_en, 'production or distribution of devices');
  });

  it('a criminalisation reservation on a sub-conduct makes it not met, with the article; the sibling stays met', () => {
    const { ask } = kbWith({ declarations: [possessionReservation('CC')] });
    const possession = ask(['device-possession'], 'AA', 'CC');
    assert.equal(possession.verdict, 'not-met');
    const side = possession.findings[0]!.requested;
    assert.equal(side.status, 'not-criminalised');
    assert.deepEqual(side.offences, [], "the parent's offence does not reach the reserved sub-conduct");
    assert.equal(side.reservation?.article, '6(1)(b)');
    assert.equal(side.reservation?.citation.source, 'dep');
    const step = possession.explanation.find((s) => s.code === 'dc.criminalisation_reservation');
    assert.equal(step?.params.article, '6(1)(b)');
    assert.equal(step?.params.state, 'CC');
    assert.equal(ask(['device-production-distribution'], 'AA', 'CC').verdict, 'met');
    // Either way round: the reserving State as requesting State fails the test as well.
    assert.equal(ask(['device-possession'], 'CC', 'AA').verdict, 'not-met');
    // The parent as a whole: covered in part only.
    assert.equal(ask(['misuse-of-devices'], 'AA', 'CC').verdict, 'met', 'CC has an offence mapped to the parent itself');
  });

  it('an offence mapped to the reserved sub-conduct itself prevails over the reservation', () => {
    const withOffence: OffenceCatalogue = {
      state: 'CC',
      reviewedConducts: ['misuse-of-devices'],
      offences: [offence('cc-6', ['misuse-of-devices']), offence('cc-6b', ['device-possession'])],
      ...P,
    };
    const { ask } = kbWith({ declarations: [possessionReservation('CC')], offenceCatalogues: [catalogues[0]!, withOffence] });
    const answer = ask(['device-possession'], 'AA', 'CC');
    assert.equal(answer.verdict, 'met');
    assert.deepEqual(
      answer.findings[0]?.requested.offences.map((o) => o.id),
      ['cc-6b'],
    );
    assert.ok(answer.explanation.some((s) => s.code === 'dc.criminalisation_reservation_overtaken'));
  });

  it('a reservation made after the date asked about does not change the verdict on that date', () => {
    const { ask } = kbWith({ declarations: [possessionReservation('CC', { made: '2030-01-01' })] });
    assert.equal(ask(['device-possession'], 'AA', 'CC').verdict, 'met');
  });

  it("a preservation reservation's excepted articles reach the sub-conducts of the article's conduct", () => {
    const reservation: Declaration = {
      id: 'bb-29-4',
      instrument: 'COE',
      state: 'BB',
      kind: 'reservation',
      articles: ['29(4)'],
      text: L('x'),
      effect: { type: 'dual-criminality-for-preservation', exceptArticles: ['6'] },
      ...P,
    };
    const { ask, coe } = kbWith({ declarations: [reservation] });
    const answer = ask(['device-possession'], 'AA', 'BB', coe.measures[0]!);
    assert.equal(answer.requirement, 'not-required');
    assert.equal(answer.verdict, 'not-required');
  });

  it('under an instrument not in force between the two States the verdict is "not applicable", whatever its rule', () => {
    const { kb, coe } = kbWith();
    // DD is not a Party: neither "not required" (preservation) nor "met" (MLA) may be answered.
    for (const measure of coe.measures) {
      const answer = dualCriminality(kb, ['device-production-distribution'], 'AA', 'DD', coe, measure, TODAY, TODAY);
      assert.equal(answer.verdict, 'not-applicable', measure.measure);
      assert.ok(answer.explanation.some((s) => s.code === 'dc.verdict_not_applicable'));
      assert.ok(answer.warnings.some((w) => w.code === 'dc.instrument_not_in_force'));
    }
    // Before the States' entry into force as well.
    const early = dualCriminality(kb, ['device-production-distribution'], 'AA', 'BB', coe, coe.measures[1]!, '2009-12-31', TODAY);
    assert.equal(early.verdict, 'not-applicable');
  });
});

describe('knowledge-base validation of sub-conducts and criminalisation reservations (issue 16)', () => {
  const conductProblems = (conducts: Conduct[]) => checkReferences({ ...dataset(), conducts }).filter((p) => p.path.startsWith('conducts['));

  it('a sub-conduct needs a known parent', () => {
    const problems = conductProblems([...dataset().conducts, { id: 'orphan', name: L('x'), description: L('x'), parent: 'nowhere' }]);
    assert.deepEqual(
      problems.map((p) => [p.path, p.code]),
      [['conducts[3].parent', 'kb.unknown_conduct']],
    );
  });

  it('a sub-conduct cannot have a sub-conduct (one level only)', () => {
    const problems = conductProblems([...subConducts, { id: 'grandchild', name: L('x'), description: L('x'), parent: 'device-possession' }]);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.path, 'conducts[3].parent');
    assert.match(problems[0]?.message ?? '', /one level only/);
  });

  const reservationProblems = (declaration: Declaration) => {
    const { d } = kbWith({ declarations: [declaration] });
    return checkReferences(d).filter((p) => p.path.startsWith(`declaration:${declaration.id}`));
  };

  it('accepts a criminalisation reservation on a sub-conduct of the article it names', () => {
    assert.deepEqual(reservationProblems(possessionReservation('CC')), []);
  });

  it('a criminalisation reservation must be a reservation', () => {
    const problems = reservationProblems(possessionReservation('CC', { kind: 'declaration' }));
    assert.deepEqual(
      problems.map((p) => p.code),
      ['kb.invalid_value'],
    );
  });

  it('a criminalisation reservation must name an article of its instrument', () => {
    const problems = reservationProblems(
      possessionReservation('CC', { effect: { type: 'criminalisation-reservation', conduct: 'device-possession', article: '66(1)(b)' } }),
    );
    assert.deepEqual(
      problems.map((p) => p.code),
      ['kb.unknown_article'],
    );
  });

  it('the article must establish the reserved conduct or its parent', () => {
    const problems = reservationProblems(
      possessionReservation('CC', { effect: { type: 'criminalisation-reservation', conduct: 'device-possession', article: '8' } }),
    );
    assert.deepEqual(
      problems.map((p) => p.code),
      ['kb.unknown_conduct'],
    );
  });
});

describe('dual criminality on the shipped knowledge base (issue 16)', () => {
  const { raw } = readDatasetDirectory(new URL('../../../../kb', import.meta.url).pathname);
  const { dataset: shipped, problems } = validateRawDataset(raw);
  assert.deepEqual(problems, []);
  const kb = new KnowledgeSnapshot(shipped!, 'shipped');
  const ets185 = kb.instruments.get('ETS185')!;
  const mla = ets185.measures.find((m) => m.measure === 'mutual-legal-assistance')!;
  const ask = (conducts: string[], requesting: string, requested: string, instrument = ets185, provision = mla) =>
    dualCriminality(kb, conducts, requesting, requested, instrument, provision, '2026-12-07', '2026-12-07');

  for (const state of ['AR', 'AD']) {
    it(`${state}'s reservation to Art. 6(1)(b) as a whole bites on mere possession requested of it, not on production or distribution`, () => {
      const possession = ask(['device-possession'], 'ES', state);
      assert.equal(possession.findings[0]!.requested.reservation?.article, '6(1)(b)');
      assert.ok(possession.explanation.some((s) => s.code === 'dc.criminalisation_reservation' && s.params.state === state));
      assert.equal(ask(['device-production-distribution'], 'ES', state).findings[0]!.requested.reservation, undefined);
    });
  }

  it("Peru's Art. 6(1)(b) reservation: mere possession of devices requested of Peru is not met; production or distribution is", () => {
    const possession = ask(['device-possession'], 'CL', 'PE');
    assert.equal(possession.verdict, 'not-met');
    const side = possession.findings[0]!.requested;
    assert.equal(side.status, 'not-criminalised');
    assert.equal(side.reservation?.article, '6(1)(b)');
    assert.equal(side.reservation?.citation.source, 'wipo-lex-pe-952');
    assert.ok(possession.explanation.some((s) => s.code === 'dc.criminalisation_reservation' && s.params.state === 'PE'));

    const production = ask(['device-production-distribution'], 'CL', 'PE');
    assert.equal(production.verdict, 'met');
    assert.ok(production.findings[0]!.requested.offences.some((o) => o.law === 'Ley 30096' && o.article === '10'));
  });

  it("Spain's sextortion offences are threats and coercion (CP Arts. 169, 171, 172), never extortion (Art. 243)", () => {
    const answer = ask(['sexual-extortion'], 'PE', 'ES');
    const articles = answer.findings[0]!.requested.offences.map((o) => o.article);
    assert.deepEqual(articles.toSorted(), ['169', '171', '172']);
    for (const o of answer.findings[0]!.requested.offences) assert.ok(o.citation.url, `${o.article} has a source`);
    assert.equal(answer.verdict, 'met');
    // Art. 243 still covers extortion, and so ransomware extortion.
    assert.deepEqual(
      ask(['ransomware-extortion'], 'PE', 'ES').findings[0]!.requested.offences.map((o) => o.article),
      ['243'],
    );
  });

  it("Peru's general extortion offence is Código Penal Art. 200, which also covers ransomware extortion; Ley 30096 Art. 8-A is not cited", () => {
    for (const conduct of ['extortion', 'ransomware-extortion']) {
      const answer = ask([conduct], 'ES', 'PE');
      const offences = answer.findings[0]!.requested.offences;
      assert.deepEqual(
        offences.map((o) => `${o.law} ${o.article}`),
        ['Código Penal (D. Leg. 635) 200'],
        conduct,
      );
      assert.equal(answer.verdict, 'met', conduct);
    }
  });

  it('under the UN Convention, not in force between Peru and Spain, the verdict is "not applicable", not "not required"', () => {
    const uncc = kb.instruments.get('UNCC')!;
    const preservation = uncc.measures.find((m) => m.dualCriminality.rule === 'not-required');
    for (const provision of [uncc.measures.find((m) => m.measure === 'mutual-legal-assistance')!, ...(preservation ? [preservation] : [])]) {
      const answer = ask(['computer-fraud'], 'PE', 'ES', uncc, provision);
      assert.equal(answer.verdict, 'not-applicable', provision.measure);
    }
  });
});
