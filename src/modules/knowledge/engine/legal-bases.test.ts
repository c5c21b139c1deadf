import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../../test/support/app.ts';
import { dataset, event, instrument, provision } from '../../../../test/support/fixture.ts';
import { readDatasetDirectory } from '../files.ts';
import type { Authority, Declaration, Instrument, MeasureProvision } from '../schema.ts';
import { validateRawDataset } from '../validate.ts';
import { legalBases } from './legal-bases.ts';
import { KnowledgeSnapshot } from './snapshot.ts';

const TODAY = '2026-11-24';
const P = { source: 'dep', asOf: '2025-01-01', recorded: '2025-01-01', confidence: 'verified' as const };
const L = (en: string) => ({ es: en, en });

function shipped(): KnowledgeSnapshot {
  const { raw, problems } = readDatasetDirectory(join(import.meta.dirname, '../../../../kb'));
  assert.deepEqual(problems, []);
  const { dataset: d, problems: invalid } = validateRawDataset(raw);
  assert.deepEqual(invalid, []);
  return new KnowledgeSnapshot(d!, 'shipped');
}

describe('legal bases on the shipped knowledge base (issue 16, findings 4 and 5)', () => {
  const kb = shipped();

  for (const [measure, domestic] of [
    ['production-order', '18'],
    ['search-and-seizure', '19'],
  ] as const) {
    it(`${measure} is no longer refused: Budapest Art. 31, with the domestic power Art. ${domestic} explained`, () => {
      const answer = legalBases(kb, measure, 'PE', 'ES', TODAY, TODAY);
      // The Peru–Spain MLA treaty in force ranks first (Budapest Art. 27(1)); Budapest's stored-data provision follows.
      assert.equal(answer.bases[0]?.instrument, 'PE-ES-MLA');
      const best = answer.bases.find((b) => b.instrument === 'ETS185')!;
      assert.ok((best.rank ?? 0) > 1);
      assert.deepEqual(best.articles, ['31']);
      assert.equal(best.alias?.measure, 'stored-data-access');
      assert.deepEqual(best.alias?.domesticArticles, [domestic]);
      assert.ok(best.alias?.text.es && best.alias.text.en);
      const step = best.explanation.find((s) => s.code === 'bases.alias');
      assert.equal(step?.params.domestic, domestic);
      assert.ok(step?.citations.some((c) => c.instrument === 'ETS185' && c.article === '31'));
      // The UN Convention's equivalent is listed (Art. 44, domestic Arts. 27/28), not in force for Peru.
      const uncc = answer.bases.find((b) => b.instrument === 'UNCC');
      assert.deepEqual(uncc?.articles, ['44']);
      assert.equal(uncc?.available, false);
    });
  }

  it('the service accepts production-order instead of refusing it as an unknown measure', async () => {
    const t: TestApp = await createTestApp({ dialect: 'sqlite' });
    try {
      const answer = await t.app.knowledge.legalBases({ measure: 'production-order', requesting: 'PE', requested: 'ES', on: TODAY });
      assert.ok(answer.bases.some((b) => b.instrument === 'ETS185' && b.articles.includes('31')));
    } finally {
      await t.cleanup();
    }
  });

  it('extradition: Budapest Art. 24 with dual criminality required (Art. 24(1)(a)) and its Art. 24(7) authority channel', () => {
    const answer = legalBases(kb, 'extradition', 'PE', 'ES', TODAY, TODAY);
    const best = answer.bases[0]!;
    assert.equal(best.instrument, 'ETS185');
    assert.equal(best.rank, 1);
    assert.deepEqual(best.articles, ['24']);
    assert.equal(best.dualCriminality.rule, 'required');
    assert.equal(best.dualCriminality.article, '24(1)(a)');
    assert.deepEqual(
      best.channels.map((c) => c.channel),
      ['extradition-authority'],
    );
    assert.ok(best.conditions.some((c) => c.article === '24(5)'));
    // The UN Convention (Art. 37) and UNTOC (Art. 16) provide it too.
    assert.deepEqual(answer.bases.find((b) => b.instrument === 'UNCC')?.articles, ['37']);
    assert.deepEqual(answer.bases.find((b) => b.instrument === 'UNTOC')?.articles, ['16']);
  });

  it('an urgent MLA request to Peru goes to its central authority (Art. 27(9)(e) declaration), not judicial-to-judicial or INTERPOL', () => {
    const budapest = legalBases(kb, 'mutual-legal-assistance', 'ES', 'PE', TODAY, TODAY).bases.find((b) => b.instrument === 'ETS185')!;
    assert.deepEqual(
      budapest.urgentChannels.map((c) => [c.channel, c.authority?.id]),
      [['central-authority', 'pe-central-authority']],
    );
    assert.ok(!budapest.channels.some((c) => c.channel === 'judicial-authority' || c.channel === 'interpol'));
    const closed = budapest.explanation.find((s) => s.code === 'bases.urgent_channels_closed');
    assert.equal(closed?.params.state, 'PE');
    assert.ok(
      closed?.citations.some(
        (c) =>
          c.article === '27(9)(e)' &&
          c.source === kb.declarations('ETS185', 'PE').find((d) => d.effect.type === 'urgent-requests-via-central-authority')?.source,
      ),
    );
  });

  it('to a State without that declaration, judicial-to-judicial and INTERPOL are listed as urgent-only routes (Art. 27(9)(a)/(b))', () => {
    const budapest = legalBases(kb, 'stored-data-access', 'PE', 'CL', TODAY, TODAY).bases.find((b) => b.instrument === 'ETS185')!;
    assert.deepEqual(
      budapest.channels.map((c) => [c.channel, c.urgentOnly ?? false]),
      [
        ['central-authority', false],
        ['judicial-authority', true],
        ['interpol', true],
      ],
    );
    assert.deepEqual(
      budapest.urgentChannels.map((c) => c.channel),
      ['central-authority', 'judicial-authority', 'interpol'],
    );
    assert.ok(budapest.explanation.some((s) => s.code === 'bases.urgent_only_channels' && s.params.article === '27(9)'));
  });

  it('every named alias uses the same articles and channels as the provision it names, in the same instrument', () => {
    let aliases = 0;
    for (const i of kb.instruments.values()) {
      for (const p of i.measures.filter((m) => m.aliasOf)) {
        const target = i.measures.find((m) => m.measure === p.aliasOf?.measure);
        assert.ok(target, `${i.id} ${p.measure}`);
        assert.deepEqual(p.articles, target.articles, `${i.id} ${p.measure}`);
        assert.deepEqual(p.channels, target.channels, `${i.id} ${p.measure}`);
        aliases += 1;
      }
    }
    assert.ok(aliases >= 4);
  });
});

// A multilateral instrument whose MLA procedure applies only absent a treaty (Budapest Art. 27(1)
// style) and bilateral treaties between AA-BB and AA-CC.
const yields: MeasureProvision['yieldsToTreaty'] = {
  treatyMeasure: 'mutual-legal-assistance',
  articles: ['27(1)'],
  text: L('only where no MLA treaty is in force'),
};
function multi(withClause: boolean): Instrument {
  const clause = withClause ? { yieldsToTreaty: yields } : {};
  return instrument('MULTI', {
    generalEntryIntoForce: { date: '2004-07-01', ...P },
    measures: [
      provision('mutual-legal-assistance', { preference: 3, ...clause }),
      provision('stored-data-access', { preference: 3, ...clause }),
      provision('preservation', { preference: 1 }),
    ],
  });
}
function bilateral(id: string, measures = [provision('mutual-legal-assistance', { preference: 4, articles: ['2'] })]): Instrument {
  return instrument(id, {
    kind: 'bilateral',
    entryIntoForce: { ...instrument(id).entryIntoForce, threshold: 2, general: { type: 'days-after', days: 30 } },
    measures,
  });
}
function treatyKb(options: { clause?: boolean; bilateralInForce?: boolean } = {}): KnowledgeSnapshot {
  const inForce = options.bilateralInForce ?? true;
  return new KnowledgeSnapshot(
    dataset({
      instruments: [multi(options.clause ?? true), bilateral('BI-AB'), bilateral('BI-AC')],
      statusEvents: [
        ...['AA', 'BB', 'CC'].map((s) => event('MULTI', s, 'ratification', '2010-01-01')),
        event('BI-AB', 'AA', inForce ? 'ratification' : 'signature', '2012-03-01'),
        event('BI-AB', 'BB', inForce ? 'ratification' : 'signature', '2012-05-01'),
        event('BI-AC', 'AA', 'ratification', '2013-01-01'),
        event('BI-AC', 'CC', 'ratification', '2013-01-01'),
      ],
    }),
    'v',
  );
}

describe('bilateral treaties ranked against the multilateral instruments', () => {
  it('a bilateral MLA treaty in force ranks first where the multilateral procedure applies only absent a treaty, and both say why', () => {
    const answer = legalBases(treatyKb(), 'mutual-legal-assistance', 'AA', 'BB', TODAY, TODAY);
    assert.deepEqual(
      answer.bases.map((b) => [b.instrument, b.rank]),
      [
        ['BI-AB', 1],
        ['MULTI', 2],
      ],
    );
    const [treaty, multilateral] = answer.bases as [(typeof answer.bases)[0], (typeof answer.bases)[0]];
    assert.equal(treaty.kind, 'bilateral');
    assert.equal(treaty.inForceSince, '2012-05-31');
    assert.deepEqual(treaty.prevailsOver, ['MULTI']);
    assert.deepEqual(multilateral.yieldsTo, ['BI-AB']);
    const why = multilateral.explanation.find((s) => s.code === 'bases.yields_to_treaty');
    assert.equal(why?.params.articles, '27(1)');
    assert.equal(why?.params.treaty, 'BI-AB');
    assert.ok(why?.citations.some((c) => c.instrument === 'MULTI' && c.article === '27(1)'));
    assert.ok(treaty.explanation.some((s) => s.code === 'bases.treaty_prevails' && s.params.instrument === 'MULTI'));
  });

  it('a bilateral treaty between other States is not listed', () => {
    const answer = legalBases(treatyKb(), 'mutual-legal-assistance', 'AA', 'BB', TODAY, TODAY);
    assert.ok(!answer.bases.some((b) => b.instrument === 'BI-AC'));
    assert.ok(legalBases(treatyKb(), 'mutual-legal-assistance', 'CC', 'AA', TODAY, TODAY).bases.some((b) => b.instrument === 'BI-AC'));
  });

  it('access to stored data goes under the bilateral treaty’s general MLA provision', () => {
    const answer = legalBases(treatyKb(), 'stored-data-access', 'AA', 'BB', TODAY, TODAY);
    const first = answer.bases[0]!;
    assert.equal(first.instrument, 'BI-AB');
    assert.equal(first.via, 'mutual-legal-assistance');
    assert.deepEqual(first.articles, ['2']);
    assert.ok(first.explanation.some((s) => s.code === 'bases.via_treaty_provision'));
  });

  it('without such a clause the preference decides, and a specialised expedited measure is untouched', () => {
    const noClause = legalBases(treatyKb({ clause: false }), 'mutual-legal-assistance', 'AA', 'BB', TODAY, TODAY);
    assert.deepEqual(
      noClause.bases.map((b) => b.instrument),
      ['MULTI', 'BI-AB'],
    );
    assert.deepEqual(noClause.bases[0]?.yieldsTo, []);
    const preservation = legalBases(treatyKb(), 'preservation', 'AA', 'BB', TODAY, TODAY);
    assert.deepEqual(
      preservation.bases.map((b) => b.instrument),
      ['MULTI'],
    );
  });

  it('a bilateral treaty only signed does not displace the multilateral instrument', () => {
    const answer = legalBases(treatyKb({ bilateralInForce: false }), 'mutual-legal-assistance', 'AA', 'BB', TODAY, TODAY);
    assert.deepEqual(
      answer.bases.map((b) => [b.instrument, b.rank]),
      [
        ['MULTI', 1],
        ['BI-AB', null],
      ],
    );
    assert.deepEqual(answer.bases[0]?.yieldsTo, []);
  });
});

describe('channels follow declarations and say when no published source names the authority', () => {
  const urgentOnly: MeasureProvision['urgentOnly'] = { channels: ['judicial-authority', 'interpol'], article: '27(9)', text: L('urgent cases only') };
  const inst = instrument('SPEC', {
    generalEntryIntoForce: { date: '2004-07-01', ...P },
    measures: [
      provision('mutual-legal-assistance', { channels: ['central-authority', 'judicial-authority', 'interpol'], urgentOnly }),
      provision('extradition', { channels: ['extradition-authority'], dualCriminality: { rule: 'required', explanation: L('both') } }),
    ],
  });
  const declaration: Declaration = {
    id: 'bb-urgent',
    instrument: 'SPEC',
    state: 'BB',
    kind: 'declaration',
    articles: ['27(9)(e)'],
    text: L('urgent requests to the central authority'),
    effect: { type: 'urgent-requests-via-central-authority' },
    ...P,
  };
  const ministry: Authority = { id: 'bb-ca', state: 'BB', role: 'central-authority', name: L('Ministry'), instruments: [], acceptedLanguages: [], ...P };
  const kb = new KnowledgeSnapshot(
    dataset({
      instruments: [inst],
      statusEvents: ['AA', 'BB', 'CC'].map((s) => event('SPEC', s, 'ratification', '2010-01-01')),
      declarations: [declaration],
      authorities: [ministry],
    }),
    'v',
  );

  it('a declaring State: urgent requests only to its central authority', () => {
    const basis = legalBases(kb, 'mutual-legal-assistance', 'AA', 'BB', TODAY, TODAY).bases[0]!;
    assert.deepEqual(
      basis.channels.map((c) => c.channel),
      ['central-authority'],
    );
    assert.deepEqual(
      basis.urgentChannels.map((c) => [c.channel, c.authority?.id]),
      [['central-authority', 'bb-ca']],
    );
  });

  it('a State that did not declare: the urgent-only routes stay, marked as such', () => {
    const basis = legalBases(kb, 'mutual-legal-assistance', 'AA', 'CC', TODAY, TODAY).bases[0]!;
    assert.deepEqual(
      basis.channels.filter((c) => c.urgentOnly).map((c) => c.channel),
      ['judicial-authority', 'interpol'],
    );
    assert.equal(basis.urgentChannels.length, 3);
  });

  it('no recorded central authority or extradition authority: "no published source consulted names one"', () => {
    const mla = legalBases(kb, 'mutual-legal-assistance', 'AA', 'CC', TODAY, TODAY).bases[0]!;
    assert.ok(mla.warnings.some((w) => w.code === 'bases.authority_not_published' && w.params.channel === 'central-authority' && w.params.state === 'CC'));
    const extradition = legalBases(kb, 'extradition', 'AA', 'BB', TODAY, TODAY).bases[0]!;
    assert.ok(extradition.warnings.some((w) => w.code === 'bases.authority_not_published' && w.params.channel === 'extradition-authority'));
    assert.ok(!mla.warnings.some((w) => w.code === 'bases.authority_unknown'));
  });
});
