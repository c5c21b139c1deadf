import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataset, event, instrument, provision } from '../../../../test/support/fixture.ts';
import type { Declaration, OffenceCatalogue } from '../schema.ts';
import { dualCriminality } from './dual-criminality.ts';
import { inForceBetween } from './in-force.ts';
import { legalBases } from './legal-bases.ts';
import { KnowledgeSnapshot } from './snapshot.ts';
import { generalEntryIntoForce, stateEntryIntoForce } from './status.ts';

const P = { source: 'dep', asOf: '2025-01-01', recorded: '2025-01-01', confidence: 'verified' as const };
const TODAY = '2026-11-24';

describe('general entry into force (UNCC Art. 65 style: Nth instrument + 90 days)', () => {
  const un = instrument('UN', { entryIntoForce: { ...instrument('UN').entryIntoForce, threshold: 3 } });

  it('is "not yet: N of threshold" while instruments are missing', () => {
    const kb = new KnowledgeSnapshot(
      dataset({ instruments: [un], statusEvents: [event('UN', 'AA', 'ratification', '2026-01-10'), event('UN', 'BB', 'signature', '2025-10-25')] }),
      'v',
    );
    const g = generalEntryIntoForce(kb, un, TODAY);
    assert.equal(g.status, 'pending');
    assert.equal(g.deposited, 1);
    assert.equal(g.threshold, 3);
    assert.ok(g.explanation.some((s) => s.code === 'eif.general_pending' && s.params.missing === 2));
  });

  it('is the 90th day after the threshold-th deposit, and a REIO instrument does not count', () => {
    const kb = new KnowledgeSnapshot(
      dataset({
        instruments: [un],
        statusEvents: [
          event('UN', 'AA', 'ratification', '2026-01-10'),
          event('UN', 'EU', 'approval', '2026-02-01'),
          event('UN', 'BB', 'acceptance', '2026-03-05'),
          event('UN', 'CC', 'accession', '2026-10-05'),
          event('UN', 'DD', 'ratification', '2026-11-01'),
        ],
      }),
      'v',
    );
    const g = generalEntryIntoForce(kb, un, TODAY);
    assert.equal(g.status, 'projected');
    assert.equal(g.date, '2027-01-03');
    assert.deepEqual(g.triggeringDeposit, { state: 'CC', date: '2026-10-05' });
    assert.ok(g.explanation.some((s) => s.code === 'eif.reio_not_counted'));
    // Later joiner: 30th day after its deposit or the general date, whichever is later.
    const dd = stateEntryIntoForce(kb, un, 'DD', '2027-02-01', TODAY);
    assert.equal(dd.entryIntoForce, '2027-01-03');
    const ee = stateEntryIntoForce(
      new KnowledgeSnapshot(dataset({ instruments: [un], statusEvents: [...kb.dataset.statusEvents, event('UN', 'EE', 'ratification', '2027-01-20')] }), 'v'),
      un,
      'EE',
      '2027-03-01',
      '2027-03-01',
    );
    assert.equal(ee.entryIntoForce, '2027-02-19');
    assert.equal(ee.status, 'party');
  });

  it('needs the group condition as well (Budapest Art. 36(3): at least 3 member States)', () => {
    const coe = instrument('COE', {
      entryIntoForce: {
        ...instrument('COE').entryIntoForce,
        threshold: 3,
        minFromGroup: { group: 'club', count: 2 },
        general: { type: 'first-of-month-after-months', months: 3 },
        laterJoiner: { type: 'first-of-month-after-months', months: 3 },
        laterJoinerNotBeforeGeneral: false,
      },
    });
    const kb = new KnowledgeSnapshot(
      dataset({
        instruments: [coe],
        statusEvents: [
          event('COE', 'CC', 'ratification', '2020-01-10'),
          event('COE', 'DD', 'ratification', '2020-02-10'),
          event('COE', 'AA', 'ratification', '2020-03-10'),
          event('COE', 'BB', 'ratification', '2020-08-31'),
        ],
      }),
      'v',
    );
    const g = generalEntryIntoForce(kb, coe, TODAY);
    assert.deepEqual(g.triggeringDeposit, { state: 'BB', date: '2020-08-31' });
    assert.equal(g.date, '2020-12-01');
    assert.equal(stateEntryIntoForce(kb, coe, 'CC', TODAY, TODAY).entryIntoForce, '2020-12-01');
  });

  it('prefers the depositary record of a general date and warns when a recorded State date disagrees', () => {
    const coe = instrument('COE', {
      generalEntryIntoForce: { date: '2004-07-01', ...P },
      entryIntoForce: {
        ...instrument('COE').entryIntoForce,
        laterJoiner: { type: 'first-of-month-after-months', months: 3 },
        laterJoinerNotBeforeGeneral: false,
      },
    });
    const kb = new KnowledgeSnapshot(
      dataset({ instruments: [coe], statusEvents: [event('COE', 'AA', 'accession', '2019-08-26'), event('COE', 'AA', 'entry-into-force', '2020-01-01')] }),
      'v',
    );
    const aa = stateEntryIntoForce(kb, coe, 'AA', TODAY, TODAY);
    assert.equal(aa.computedEntryIntoForce, '2019-12-01');
    assert.equal(aa.entryIntoForce, '2020-01-01');
    assert.ok(aa.warnings.some((w) => w.code === 'status.eif_mismatch'));
  });
});

describe('in force between two States', () => {
  const coe = instrument('COE', {
    generalEntryIntoForce: { date: '2004-07-01', ...P },
    entryIntoForce: {
      ...instrument('COE').entryIntoForce,
      laterJoiner: { type: 'first-of-month-after-months', months: 3 },
      laterJoinerNotBeforeGeneral: false,
    },
    denunciation: { article: '47', effect: { type: 'first-of-month-after-months', months: 3 }, ...P },
  });
  const kb = new KnowledgeSnapshot(
    dataset({
      instruments: [coe],
      statusEvents: [
        event('COE', 'AA', 'accession', '2019-08-26'),
        event('COE', 'BB', 'ratification', '2017-04-20'),
        event('COE', 'CC', 'signature', '2001-11-23'),
        event('COE', 'DD', 'ratification', '2010-01-15'),
        event('COE', 'DD', 'denunciation', '2025-05-10'),
      ],
    }),
    'v',
  );

  it('is in force only once both are Parties', () => {
    assert.equal(inForceBetween(kb, coe, 'AA', 'BB', '2019-11-30', TODAY).inForce, false);
    const yes = inForceBetween(kb, coe, 'AA', 'BB', '2019-12-01', TODAY);
    assert.equal(yes.inForce, true);
    assert.equal(yes.since, '2019-12-01');
  });

  it('a signature alone does not bind', () => {
    const answer = inForceBetween(kb, coe, 'AA', 'CC', TODAY, TODAY);
    assert.equal(answer.inForce, false);
    assert.equal(answer.parties[1].status, 'signed');
  });

  it('a denunciation takes effect on the date its clause gives', () => {
    assert.equal(inForceBetween(kb, coe, 'AA', 'DD', '2025-08-31', TODAY).inForce, true);
    const after = inForceBetween(kb, coe, 'AA', 'DD', '2025-09-01', TODAY);
    assert.equal(after.inForce, false);
    assert.equal(after.parties[1].status, 'denounced');
  });

  it('warns that a State with no record may have newer depositary data', () => {
    const answer = inForceBetween(kb, coe, 'AA', 'EE', TODAY, TODAY);
    assert.equal(answer.parties[1].status, 'no-record');
    assert.ok(answer.warnings.some((w) => w.code === 'status.no_record'));
  });

  it('keeps conflicting claims and uses the better-ranked source', () => {
    const conflicted = new KnowledgeSnapshot(
      dataset({ instruments: [coe], statusEvents: [event('COE', 'AA', 'accession', '2019-08-26'), event('COE', 'AA', 'accession', '2019-03-10', 'news')] }),
      'v',
    );
    const aa = stateEntryIntoForce(conflicted, coe, 'AA', TODAY, TODAY);
    assert.equal(aa.consent?.date, '2019-08-26');
    assert.ok(aa.warnings.some((w) => w.code === 'status.conflicting_claims' && String(w.params.dates).includes('2019-03-10')));
  });
});

const catalogues: OffenceCatalogue[] = [
  {
    state: 'AA',
    reviewedConducts: ['illegal-access', 'computer-fraud', 'extortion'],
    offences: [
      {
        id: 'aa-fraude',
        law: 'Ley 1',
        article: '8',
        name: { es: 'Fraude informático', en: 'Computer fraud' },
        summary: { es: 'x', en: 'x' },
        conducts: ['computer-fraud'],
        penalty: { minYears: 4, maxYears: 8, text: { es: '4 a 8 años', en: '4–8 years' } },
        ...P,
      },
      {
        id: 'aa-extorsion',
        law: 'Código Penal',
        article: '200',
        name: { es: 'Extorsión', en: 'Extortion' },
        summary: { es: 'x', en: 'x' },
        conducts: ['extortion'],
        penalty: { text: { es: 'x', en: 'x' } },
        ...P,
      },
    ],
    ...P,
  },
  {
    state: 'BB',
    reviewedConducts: ['illegal-access', 'computer-fraud', 'extortion'],
    offences: [
      // A differently named offence covering the same conduct: the test is the conduct, not the name.
      {
        id: 'bb-estafa',
        law: 'Código Penal',
        article: '249',
        name: { es: 'Estafa informática', en: 'Computer swindle' },
        summary: { es: 'x', en: 'x' },
        conducts: ['computer-fraud'],
        penalty: { text: { es: 'x', en: 'x' } },
        ...P,
      },
      {
        id: 'bb-access',
        law: 'CP',
        article: '197 bis',
        name: { es: 'Acceso ilegal', en: 'Illegal access' },
        summary: { es: 'x', en: 'x' },
        conducts: ['illegal-access'],
        penalty: { text: { es: 'x', en: 'x' } },
        ...P,
      },
    ],
    ...P,
  },
  { state: 'CC', reviewedConducts: ['computer-fraud'], offences: [], ...P },
];

function dcKb(declarations: Declaration[] = []) {
  const coe = instrument('COE', {
    generalEntryIntoForce: { date: '2004-07-01', ...P },
    measures: [
      provision('preservation', {
        articles: ['1'],
        preference: 1,
        dualCriminality: { rule: 'not-required', article: '29(3)', explanation: { es: 'x', en: 'x' } },
      }),
      provision('mutual-legal-assistance', { dualCriminality: { rule: 'requested-state-law', article: '25(5)', explanation: { es: 'x', en: 'x' } } }),
    ],
  });
  return {
    coe,
    kb: new KnowledgeSnapshot(
      dataset({
        instruments: [coe],
        statusEvents: ['AA', 'BB', 'CC', 'DD'].map((s) => event('COE', s, 'ratification', '2010-01-01')),
        offenceCatalogues: catalogues,
        declarations,
      }),
      'v',
    ),
  };
}

describe('dual criminality', () => {
  it('is not required for preservation', () => {
    const { kb, coe } = dcKb();
    const answer = dualCriminality(kb, ['extortion'], 'AA', 'BB', coe, coe.measures[0]!, TODAY, TODAY);
    assert.equal(answer.requirement, 'not-required');
    assert.equal(answer.verdict, 'not-required');
  });

  it('a preservation reservation (Budapest 29(4)) brings it back for conduct outside the Convention offences only', () => {
    const reservation: Declaration = {
      id: 'bb-29-4',
      instrument: 'COE',
      state: 'BB',
      kind: 'reservation',
      articles: ['29(4)'],
      text: { es: 'x', en: 'x' },
      effect: { type: 'dual-criminality-for-preservation', exceptArticles: ['2', '3'] },
      ...P,
    };
    const { kb, coe } = dcKb([reservation]);
    const fraud = dualCriminality(kb, ['computer-fraud'], 'AA', 'BB', coe, coe.measures[0]!, TODAY, TODAY);
    assert.equal(fraud.verdict, 'not-required');
    assert.ok(fraud.explanation.some((s) => s.code === 'dc.reservation_not_reached'));
    const extortion = dualCriminality(kb, ['extortion'], 'AA', 'BB', coe, coe.measures[0]!, TODAY, TODAY);
    assert.equal(extortion.requirement, 'required');
    assert.equal(extortion.verdict, 'not-met');
    // The reservation is the requested State's: asking the other way round it does not apply.
    assert.equal(dualCriminality(kb, ['extortion'], 'BB', 'AA', coe, coe.measures[0]!, TODAY, TODAY).verdict, 'not-required');
  });

  it('a preservation reservation (Budapest 29(4)) over several conducts: one outside the excepted articles brings it back', () => {
    const reservation: Declaration = {
      id: 'bb-29-4',
      instrument: 'COE',
      state: 'BB',
      kind: 'reservation',
      articles: ['29(4)'],
      text: { es: 'x', en: 'x' },
      effect: { type: 'dual-criminality-for-preservation', exceptArticles: ['2', '3'] },
      ...P,
    };
    const { kb, coe } = dcKb([reservation]);
    const preserve = (conducts: string[]) => dualCriminality(kb, conducts, 'AA', 'BB', coe, coe.measures[0]!, TODAY, TODAY);
    const step = (answer: ReturnType<typeof preserve>, code: string) => answer.explanation.filter((s) => s.code === code);

    // Both inside Arts. 2 and 3: not reached, even though AA does not criminalise illegal access.
    const inside = preserve(['illegal-access', 'computer-fraud']);
    assert.equal(inside.requirement, 'not-required');
    assert.equal(inside.verdict, 'not-required');
    assert.equal(step(inside, 'dc.reservation_not_reached').length, 1);
    assert.equal(step(inside, 'dc.reservation_applies').length, 0);

    // One inside and one outside, in either order: required, the outside conduct named, every conduct judged.
    for (const conducts of [
      ['computer-fraud', 'extortion'],
      ['extortion', 'computer-fraud'],
    ]) {
      const mixed = preserve(conducts);
      assert.equal(mixed.requirement, 'required', conducts.join(', '));
      assert.equal(step(mixed, 'dc.reservation_not_reached').length, 0);
      const applies = step(mixed, 'dc.reservation_applies');
      assert.equal(applies.length, 1);
      assert.equal(applies[0]?.params.conducts, 'extortion', 'only the conduct outside the excepted articles is named');
      assert.deepEqual(
        mixed.findings.map((f) => [f.conduct, f.verdict]),
        conducts.map((c) => [c, c === 'extortion' ? 'not-met' : 'met']),
      );
      assert.equal(mixed.verdict, 'not-met', 'extortion is not an offence in BB');
    }
  });

  it('is met for MLA when the conduct is punishable in both, whatever the offences are called', () => {
    const { kb, coe } = dcKb();
    const answer = dualCriminality(kb, ['computer-fraud'], 'AA', 'BB', coe, coe.measures[1]!, TODAY, TODAY);
    assert.equal(answer.verdict, 'met');
    assert.equal(answer.findings[0]?.requesting.offences[0]?.name.es, 'Fraude informático');
    assert.equal(answer.findings[0]?.requested.offences[0]?.name.es, 'Estafa informática');
    assert.ok(answer.citations.length >= 2);
  });

  it('is not met when a reviewed catalogue has no offence for the conduct', () => {
    const { kb, coe } = dcKb();
    assert.equal(dualCriminality(kb, ['computer-fraud'], 'AA', 'CC', coe, coe.measures[1]!, TODAY, TODAY).verdict, 'not-met');
  });

  it('cannot be determined when a State has no catalogue or the conduct was not reviewed, and says why', () => {
    const { kb, coe } = dcKb();
    const noCatalogue = dualCriminality(kb, ['computer-fraud'], 'AA', 'DD', coe, coe.measures[1]!, TODAY, TODAY);
    assert.equal(noCatalogue.verdict, 'cannot-be-determined');
    assert.deepEqual(noCatalogue.undeterminedBecause, ['DD:computer-fraud']);
    const notReviewed = dualCriminality(kb, ['illegal-access'], 'BB', 'CC', coe, coe.measures[1]!, TODAY, TODAY);
    assert.equal(notReviewed.verdict, 'cannot-be-determined');
    assert.ok(notReviewed.warnings.some((w) => w.code === 'dc.conduct_not_reviewed'));
  });
});

describe('legal bases', () => {
  it('ranks available instruments by preference and lists the unavailable ones without a rank', () => {
    const specialised = instrument('SPEC', {
      generalEntryIntoForce: { date: '2004-07-01', ...P },
      measures: [
        provision('preservation', {
          preference: 1,
          channels: ['point-of-contact-24-7', 'central-authority'],
          mandatoryContent: [{ id: 'requesting-authority', label: { es: 'Autoridad', en: 'Authority' }, article: '29(2)(a)' }],
          deadlines: [{ id: 'minimum-preservation', kind: 'minimum', from: 'executed', days: 60, label: { es: '60 días', en: '60 days' }, article: '29(7)' }],
        }),
      ],
    });
    const general = instrument('GEN', { generalEntryIntoForce: { date: '1996-04-14', ...P }, measures: [provision('preservation', { preference: 4 })] });
    const future = instrument('NEW', { measures: [provision('preservation', { preference: 2 })] });
    const kb = new KnowledgeSnapshot(
      dataset({
        instruments: [general, future, specialised],
        statusEvents: [
          ...['AA', 'BB'].flatMap((s) => [
            event('SPEC', s, 'ratification', '2010-01-01'),
            event('GEN', s, 'ratification', '2000-01-01'),
            event('NEW', s, 'signature', '2025-10-25'),
          ]),
        ],
        authorities: [
          { id: 'bb-ca', state: 'BB', role: 'central-authority', name: { es: 'Ministerio', en: 'Ministry' }, instruments: [], acceptedLanguages: ['es'], ...P },
        ],
        declarations: [
          {
            id: 'bb-urgent',
            instrument: 'SPEC',
            state: 'BB',
            kind: 'declaration',
            articles: ['27(9)(e)'],
            text: { es: 'x', en: 'x' },
            effect: { type: 'urgent-requests-via-central-authority' },
            ...P,
          },
        ],
      }),
      'v',
    );
    const answer = legalBases(kb, 'preservation', 'AA', 'BB', TODAY, TODAY);
    assert.deepEqual(
      answer.bases.map((b) => [b.instrument, b.rank]),
      [
        ['SPEC', 1],
        ['GEN', 2],
        ['NEW', null],
      ],
    );
    const best = answer.bases[0]!;
    assert.equal(best.channels.find((c) => c.channel === 'central-authority')?.authority?.name.en, 'Ministry');
    assert.deepEqual(best.languages, ['es']);
    assert.equal(best.mandatoryContent[0]?.article, '29(2)(a)');
    assert.equal(best.deadlines[0]?.days, 60);
    assert.ok(best.explanation.some((s) => s.code === 'bases.urgent_via_central'));
    assert.ok(best.warnings.some((w) => w.code === 'bases.authority_not_published' && w.params.channel === 'point-of-contact-24-7'));
    assert.equal(answer.bases[2]?.unavailableReason, 'not-in-force-between-states');
  });

  it('flags answers that rest on unverified facts', () => {
    const weak = instrument('WEAK', {
      generalEntryIntoForce: { date: '2004-07-01', ...P },
      measures: [provision('preservation', { confidence: 'unverified' })],
    });
    const kb = new KnowledgeSnapshot(
      dataset({ instruments: [weak], statusEvents: ['AA', 'BB'].map((s) => event('WEAK', s, 'ratification', '2010-01-01')) }),
      'v',
    );
    const answer = legalBases(kb, 'preservation', 'AA', 'BB', TODAY, TODAY);
    assert.ok(answer.bases[0]?.warnings.some((w) => w.code === 'fact.unverified'));
    assert.ok(answer.warnings.some((w) => w.code === 'fact.unverified'));
  });
});
