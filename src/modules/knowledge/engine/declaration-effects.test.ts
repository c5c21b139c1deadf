import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataset, event, instrument, provision } from '../../../../test/support/fixture.ts';
import { t } from '../../../i18n/index.ts';
import type { Authority, Dataset, Declaration, Offence } from '../schema.ts';
import { checkReferences } from '../validate.ts';
import { dualCriminality } from './dual-criminality.ts';
import { legalBases } from './legal-bases.ts';
import { KnowledgeSnapshot } from './snapshot.ts';

// Issue 16: declaration effects the engine lacked. A reservation or declaration withdrawn on a date (Budapest
// Art. 43) stops applying from that date; a reservation restricting a procedural measure to a range of offences
// (Art. 14(3), on Arts. 20 and 21) is shown as a condition on the matching measures of the requested State.

const P = { source: 'dep', asOf: '2025-01-01', recorded: '2025-01-01', confidence: 'verified' as const };
const L = (en: string) => ({ es: `es: ${en}`, en });
const TODAY = '2026-11-24';
const WITHDRAWN = '2020-06-01';
const BEFORE = '2020-05-31';

const declaration = (id: string, overrides: Partial<Declaration>): Declaration => ({
  id,
  instrument: 'COE',
  state: 'BB',
  kind: 'reservation',
  articles: ['1'],
  text: L(id),
  effect: { type: 'informational' },
  ...P,
  ...overrides,
});
const withdrawal = (date = WITHDRAWN, source = 'dep') => ({ date, source, asOf: date, recorded: '2025-01-01', confidence: 'verified' as const });

const coe = instrument('COE', {
  generalEntryIntoForce: { date: '2004-07-01', ...P },
  articles: [
    { number: '1', title: L('Procedure'), conducts: [], ...P },
    { number: '2', title: L('Illegal access'), conducts: ['illegal-access'], ...P },
    { number: '8', title: L('Fraud'), conducts: ['computer-fraud'], ...P },
  ],
  measures: [
    provision('preservation', { dualCriminality: { rule: 'not-required', article: '29(3)', explanation: L('x') } }),
    provision('mutual-legal-assistance', {
      channels: ['central-authority', 'judicial-authority', 'interpol'],
      urgentOnly: { channels: ['judicial-authority', 'interpol'], article: '27(9)', text: L('urgent only') },
    }),
    provision('real-time-collection', { articles: ['1'] }),
    provision('interception', { articles: ['1'] }),
  ],
});

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

function kbWith(declarations: Declaration[], parts: Partial<Dataset> = {}): KnowledgeSnapshot {
  const ministry: Authority = { id: 'bb-ca', state: 'BB', role: 'central-authority', name: L('Ministry'), instruments: [], acceptedLanguages: [], ...P };
  return new KnowledgeSnapshot(
    dataset({
      instruments: [coe],
      statusEvents: ['AA', 'BB', 'CC'].map((s) => event('COE', s, 'ratification', '2010-01-01')),
      declarations,
      authorities: [ministry],
      offenceCatalogues: [
        {
          state: 'AA',
          reviewedConducts: ['illegal-access', 'computer-fraud'],
          offences: [offence('aa-1', ['illegal-access']), offence('aa-2', ['computer-fraud'])],
          ...P,
        },
        { state: 'BB', reviewedConducts: ['illegal-access', 'computer-fraud'], offences: [offence('bb-1', ['illegal-access'])], ...P },
      ],
      ...parts,
    }),
    'v',
  );
}

const codes = (x: { explanation: Array<{ code: string }> }) => x.explanation.map((s) => s.code);

describe('withdrawn declarations (Budapest Art. 43): validation', () => {
  const problemsFor = (x: Declaration) =>
    checkReferences(dataset({ instruments: [coe], declarations: [x] })).filter((p) => p.path.startsWith(`declaration:${x.id}`));

  it('a withdrawal after the declaration was made, from a known source, is valid', () => {
    assert.deepEqual(problemsFor(declaration('ok', { made: '2010-01-01', withdrawn: withdrawal() })), []);
  });

  it('a withdrawal on or before the date the declaration was made is refused', () => {
    for (const date of ['2010-01-01', '2009-12-31']) {
      const problems = problemsFor(declaration('early', { made: '2010-01-01', withdrawn: withdrawal(date) }));
      assert.deepEqual(
        problems.map((p) => [p.path, p.code]),
        [['declaration:early.withdrawn.date', 'kb.invalid_value']],
        date,
      );
    }
  });

  it('the withdrawal needs a source of its own that exists', () => {
    const problems = problemsFor(declaration('nosource', { withdrawn: withdrawal(WITHDRAWN, 'nowhere') }));
    assert.deepEqual(
      problems.map((p) => [p.path, p.code]),
      [['declaration:nosource.withdrawn.source', 'kb.unknown_source']],
    );
  });
});

describe('withdrawn declarations (Budapest Art. 43): the dual-criminality engine', () => {
  const preservation = coe.measures[0]!;
  const mla = coe.measures[1]!;

  it('a preservation reservation (Art. 29(4)) applies the day before its withdrawal took effect, not on or after it', () => {
    const kb = kbWith([
      declaration('bb-29-4', { articles: ['29(4)'], effect: { type: 'dual-criminality-for-preservation', exceptArticles: [] }, withdrawn: withdrawal() }),
    ]);
    const before = dualCriminality(kb, ['computer-fraud'], 'AA', 'BB', coe, preservation, BEFORE, TODAY);
    assert.equal(before.requirement, 'required');
    assert.equal(before.verdict, 'not-met');
    assert.ok(codes(before).includes('dc.reservation_applies'));
    assert.ok(!codes(before).includes('dc.declaration_withdrawn'));
    for (const on of [WITHDRAWN, TODAY]) {
      const after = dualCriminality(kb, ['computer-fraud'], 'AA', 'BB', coe, preservation, on, TODAY);
      assert.equal(after.requirement, 'not-required', on);
      assert.equal(after.verdict, 'not-required', on);
      assert.ok(!codes(after).includes('dc.reservation_applies'), on);
      const step = after.explanation.find((s) => s.code === 'dc.declaration_withdrawn');
      assert.equal(step?.params.date, WITHDRAWN);
      assert.equal(step?.params.articles, '29(4)');
      assert.ok(step?.citations.some((c) => c.source === 'dep' && c.asOf === WITHDRAWN));
    }
  });

  it('a criminalisation reservation stops making the conduct not criminalised once withdrawn', () => {
    const kb = kbWith([
      declaration('bb-2', {
        articles: ['2'],
        effect: { type: 'criminalisation-reservation', conduct: 'illegal-access', article: '2' },
        withdrawn: withdrawal(),
      }),
    ]);
    // BB's own law has no offence mapped to illegal access in this variant: with the reservation gone, its reviewed
    // catalogue answers (not criminalised by law, not by reservation).
    const noOffence = kbWith(
      [
        declaration('bb-2', {
          articles: ['2'],
          effect: { type: 'criminalisation-reservation', conduct: 'illegal-access', article: '2' },
          withdrawn: withdrawal(),
        }),
      ],
      {
        offenceCatalogues: [
          { state: 'AA', reviewedConducts: ['illegal-access'], offences: [offence('aa-1', ['illegal-access'])], ...P },
          { state: 'BB', reviewedConducts: [], offences: [], ...P },
        ],
      },
    );
    const before = dualCriminality(noOffence, ['illegal-access'], 'AA', 'BB', coe, mla, BEFORE, TODAY);
    assert.equal(before.findings[0]?.requested.status, 'not-criminalised');
    assert.equal(before.findings[0]?.requested.reservation?.id, 'bb-2');
    const after = dualCriminality(noOffence, ['illegal-access'], 'AA', 'BB', coe, mla, WITHDRAWN, TODAY);
    assert.equal(after.findings[0]?.requested.reservation, undefined);
    assert.equal(after.findings[0]?.requested.status, 'unknown');
    assert.equal(after.verdict, 'cannot-be-determined');
    assert.ok(codes(after).includes('dc.declaration_withdrawn'));
    // With an offence in BB's law, the reservation is overtaken before the withdrawal and simply gone after it.
    const overtaken = dualCriminality(kb, ['illegal-access'], 'AA', 'BB', coe, mla, BEFORE, TODAY);
    assert.ok(codes(overtaken).includes('dc.criminalisation_reservation_overtaken'));
    const gone = dualCriminality(kb, ['illegal-access'], 'AA', 'BB', coe, mla, WITHDRAWN, TODAY);
    assert.ok(!codes(gone).includes('dc.criminalisation_reservation_overtaken'));
    assert.equal(gone.verdict, 'met');
  });

  it('a partial reservation (not-criminalised) is no longer named once withdrawn', () => {
    const kb = kbWith([
      declaration('bb-8', {
        articles: ['8'],
        effect: { type: 'not-criminalised', conduct: 'computer-fraud', scope: L('part') },
        withdrawn: withdrawal(),
      }),
    ]);
    assert.ok(codes(dualCriminality(kb, ['computer-fraud'], 'AA', 'BB', coe, mla, BEFORE, TODAY)).includes('dc.partial_reservation'));
    const after = dualCriminality(kb, ['computer-fraud'], 'AA', 'BB', coe, mla, WITHDRAWN, TODAY);
    assert.ok(!codes(after).includes('dc.partial_reservation'));
    assert.ok(codes(after).includes('dc.declaration_withdrawn'));
  });
});

describe('withdrawn declarations (Budapest Art. 43): the legal-bases engine', () => {
  const urgent = declaration('bb-27-9-e', {
    kind: 'declaration',
    articles: ['27(9)(e)'],
    effect: { type: 'urgent-requests-via-central-authority' },
    withdrawn: withdrawal(),
  });

  it('an Art. 27(9)(e) declaration closes the urgent direct routes until its withdrawal, and no longer afterwards', () => {
    const kb = kbWith([urgent]);
    const before = legalBases(kb, 'mutual-legal-assistance', 'AA', 'BB', BEFORE, TODAY).bases[0]!;
    assert.deepEqual(
      before.urgentChannels.map((c) => c.channel),
      ['central-authority'],
    );
    assert.deepEqual(
      before.reservations.map((r) => r.id),
      ['bb-27-9-e'],
    );
    // Asked later on the same snapshot (the requested side is cached), the withdrawal is honoured.
    const after = legalBases(kb, 'mutual-legal-assistance', 'AA', 'BB', WITHDRAWN, TODAY).bases[0]!;
    assert.deepEqual(
      after.urgentChannels.map((c) => c.channel),
      ['central-authority', 'judicial-authority', 'interpol'],
    );
    assert.deepEqual(after.reservations, []);
    const step = after.explanation.find((s) => s.code === 'bases.declaration_withdrawn');
    assert.equal(step?.params.date, WITHDRAWN);
    assert.ok(!codes(after).includes('bases.urgent_via_central'));
    // ...and the earlier date still answers with the declaration.
    assert.deepEqual(
      legalBases(kb, 'mutual-legal-assistance', 'AA', 'BB', BEFORE, TODAY).bases[0]!.urgentChannels.map((c) => c.channel),
      ['central-authority'],
    );
  });
});

describe('measure restrictions (Budapest Art. 14(3)): validation', () => {
  const restriction = (overrides: Partial<Declaration> = {}) =>
    declaration('bb-14-3', {
      articles: ['14(3)'],
      effect: { type: 'measure-restriction', measures: ['real-time-collection'], scope: L('serious offences') },
      ...overrides,
    });
  const problemsFor = (x: Declaration) =>
    checkReferences(dataset({ instruments: [coe], declarations: [x] })).filter((p) => p.path.startsWith(`declaration:${x.id}`));

  it('a reservation naming a measure its instrument provides is valid', () => {
    assert.deepEqual(problemsFor(restriction()), []);
  });

  it('it must be a reservation', () => {
    assert.deepEqual(
      problemsFor(restriction({ kind: 'declaration' })).map((p) => [p.path, p.code]),
      [['declaration:bb-14-3.effect.type', 'kb.invalid_value']],
    );
  });

  it('it may name only measures its instrument provides', () => {
    const problems = problemsFor(
      restriction({ effect: { type: 'measure-restriction', measures: ['real-time-collection', 'extradition'], scope: L('serious offences') } }),
    );
    assert.deepEqual(
      problems.map((p) => [p.path, p.code]),
      [['declaration:bb-14-3.effect.measures', 'kb.invalid_value']],
    );
    assert.match(problems[0]?.message ?? '', /extradition/);
  });
});

describe('measure restrictions (Budapest Art. 14(3)): the legal-bases engine', () => {
  const kb = kbWith([
    declaration('bb-14-3', {
      articles: ['14(3)(a)'],
      effect: { type: 'measure-restriction', measures: ['real-time-collection'], scope: L('serious offences as defined in its Criminal Code') },
    }),
  ]);

  it('the requested State’s restriction is a step and a warning on the measure it names, with the scope in both languages', () => {
    const basis = legalBases(kb, 'real-time-collection', 'AA', 'BB', TODAY, TODAY).bases[0]!;
    const step = basis.explanation.find((s) => s.code === 'bases.measure_restriction');
    assert.equal(step?.params.state, 'BB');
    assert.equal(step?.params.measure, 'real-time-collection');
    assert.equal(step?.params.articles, '14(3)(a)');
    assert.equal(step?.params.scope_en, 'serious offences as defined in its Criminal Code');
    assert.equal(step?.params.scope_es, 'es: serious offences as defined in its Criminal Code');
    assert.ok(step?.citations.some((c) => c.article === '14(3)(a)' && c.source === 'dep'));
    const warning = basis.warnings.find((w) => w.code === 'bases.measure_restriction');
    assert.equal(warning?.params.state, 'BB');
    assert.deepEqual(
      basis.reservations.map((r) => [r.id, r.effect]),
      [['bb-14-3', 'measure-restriction']],
    );
    // Rendered in both languages, with the measure named and the scope filled.
    const en = t('en', 'warning.bases.measure_restriction', warning!.params);
    const es = t('es', 'warning.bases.measure_restriction', warning!.params);
    assert.match(en, /real-time collection of traffic data/);
    assert.match(en, /serious offences as defined in its Criminal Code/);
    assert.match(es, /obtención en tiempo real de datos de tráfico/);
    assert.match(es, /es: serious offences/);
    assert.doesNotMatch(`${en} ${es}`, /\{\w+\}/);
  });

  it('not on other measures, and not when the restricting State is the requesting one', () => {
    for (const [measure, requesting, requested] of [
      ['interception', 'AA', 'BB'],
      ['mutual-legal-assistance', 'AA', 'BB'],
      ['real-time-collection', 'BB', 'AA'],
    ] as const) {
      const basis = legalBases(kb, measure, requesting, requested, TODAY, TODAY).bases[0]!;
      assert.ok(!codes(basis).includes('bases.measure_restriction'), `${measure} ${requesting}→${requested}`);
      assert.ok(!basis.warnings.some((w) => w.code === 'bases.measure_restriction'), `${measure} ${requesting}→${requested}`);
      assert.deepEqual(basis.reservations, [], `${measure} ${requesting}→${requested}`);
    }
  });

  it('a withdrawn restriction no longer applies', () => {
    const withdrawnKb = kbWith([
      declaration('bb-14-3', {
        articles: ['14(3)(a)'],
        effect: { type: 'measure-restriction', measures: ['real-time-collection'], scope: L('serious offences') },
        withdrawn: withdrawal(),
      }),
    ]);
    assert.ok(codes(legalBases(withdrawnKb, 'real-time-collection', 'AA', 'BB', BEFORE, TODAY).bases[0]!).includes('bases.measure_restriction'));
    const after = legalBases(withdrawnKb, 'real-time-collection', 'AA', 'BB', WITHDRAWN, TODAY).bases[0]!;
    assert.ok(!codes(after).includes('bases.measure_restriction'));
    assert.ok(codes(after).includes('bases.declaration_withdrawn'));
  });
});
