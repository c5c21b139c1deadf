import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataset, event, instrument, provision } from '../../../../test/support/fixture.ts';
import { type Locale, t } from '../../../i18n/index.ts';
import type { OffenceCatalogue } from '../schema.ts';
import type { Explained } from './answer.ts';
import { dualCriminality } from './dual-criminality.ts';
import { inForceBetween } from './in-force.ts';
import { KnowledgeSnapshot } from './snapshot.ts';
import { generalEntryIntoForce, stateEntryIntoForce } from './status.ts';

/** Legal answers as people read them (issue 16, finding 6): counts, citations, penalties, agreement, curators' notes. */

const P = { source: 'dep', asOf: '2025-01-01', recorded: '2025-01-01', confidence: 'verified' as const };
const TODAY = '2026-11-24';
const text = (locale: Locale, a: Explained) =>
  [...a.explanation.map((s) => t(locale, `step.${s.code}`, s.params)), ...a.warnings.map((w) => t(locale, `warning.${w.code}`, w.params))].join('\n');

describe('counts of an instrument in force', () => {
  // Five instruments needed; the depositary records the general entry into force.
  const coe = instrument('COE', {
    entryIntoForce: { ...instrument('COE').entryIntoForce, threshold: 5 },
    generalEntryIntoForce: { date: '2004-07-01', ...P },
  });

  it('count States that are Parties, a recorded entry into force counting as consent, never "N of threshold"', () => {
    const kb = new KnowledgeSnapshot(
      dataset({
        instruments: [coe],
        statusEvents: [
          event('COE', 'AA', 'ratification', '2003-01-01'),
          event('COE', 'BB', 'ratification', '2003-02-01'),
          event('COE', 'CC', 'accession', '2003-03-01'),
          event('COE', 'DD', 'entry-into-force', '2005-01-01'), // only the entry into force is recorded
          event('COE', 'EE', 'ratification', '2004-01-01'),
          event('COE', 'FF', 'signature', '2001-11-23'), // a signatory, not a Party
          event('COE', 'AA', 'signature', '2001-11-23'),
          event('COE', 'BB', 'entry-into-force', '2004-07-01'),
        ],
      }),
      'v',
    );
    const g = generalEntryIntoForce(kb, coe, TODAY);
    assert.equal(g.status, 'in-force');
    assert.equal(g.deposited, 5, 'four consents and one State whose entry into force is recorded');
    assert.equal(g.parties, 5);
    assert.ok(g.explanation.some((s) => s.code === 'eif.parties_recorded' && s.params.count === 5));
    assert.ok(g.warnings.some((w) => w.code === 'eif.counts_recorded_only'));
    const es = text('es', g);
    assert.match(es, /registra 5 Partes en «COE»/);
    assert.doesNotMatch(es, /\d+ de \d+ instrumentos/);
    assert.match(t('es', 'legal.eif.parties', { count: g.parties }), /^5 Partes registradas; la tabla puede estar incompleta$/);
    assert.match(t('en', 'legal.eif.parties', { count: 1 }), /^1 Party recorded; the table may be incomplete$/);
  });

  it('say the table is incomplete when fewer States are recorded than entry into force needed (UNTOC "1 of 40")', () => {
    const kb = new KnowledgeSnapshot(dataset({ instruments: [coe], statusEvents: [event('COE', 'AA', 'ratification', '2003-01-01')] }), 'v');
    const g = generalEntryIntoForce(kb, coe, TODAY);
    assert.equal(g.status, 'in-force');
    assert.equal(g.parties, 1);
    assert.ok(g.warnings.some((w) => w.code === 'eif.table_incomplete' && w.params.deposited === 1 && w.params.threshold === 5));
    const es = text('es', g);
    assert.match(es, /El depositario registra la entrada en vigor general de «COE» el 2004-07-01/);
    assert.match(es, /registra 1 Parte en «COE»/);
    assert.match(es, /está incompleta: registra el consentimiento de solo 1 Estado, y su entrada en vigor exigió 5/);
    assert.match(text('en', g), /records 1 Party to “COE”/);
  });

  it('before entry into force, count consents against the threshold in the singular and plural', () => {
    const un = instrument('UN', { entryIntoForce: { ...instrument('UN').entryIntoForce, threshold: 3 } });
    const one = new KnowledgeSnapshot(dataset({ instruments: [un], statusEvents: [event('UN', 'AA', 'ratification', '2026-01-10')] }), 'v');
    const g = generalEntryIntoForce(one, un, TODAY);
    assert.equal(g.status, 'pending');
    assert.match(text('es', g), /1 Estado ha depositado su instrumento de consentimiento, de los 3 necesarios; faltan 2\./);
    assert.match(text('en', g), /1 State has deposited an instrument of consent, of the 3 needed; 2 missing\./);
    assert.match(text('es', g), /cuando se depositan 3 instrumentos de consentimiento/);
  });
});

describe('Spanish and English agreement', () => {
  const coe = instrument('COE', { generalEntryIntoForce: { date: '2004-07-01', ...P } });
  const kb = new KnowledgeSnapshot(dataset({ instruments: [coe], statusEvents: [event('COE', 'CC', 'ratification', '2003-01-01')] }), 'v');

  it('lists the States that are not Parties with a conjunction and a plural verb', () => {
    const both = inForceBetween(kb, coe, 'AA', 'BB', TODAY, TODAY);
    assert.match(text('es', both), /: State AA y State BB no son Partes\./);
    assert.match(text('en', both), /: State AA and State BB are not Parties\./);
    const one = inForceBetween(kb, coe, 'AA', 'CC', TODAY, TODAY);
    assert.match(text('es', one), /: State AA no es Parte\./);
    assert.match(text('en', one), /: State AA is not a Party\./);
  });

  it('gives a missing authority the gender of its noun', () => {
    const params = (channel: string) => ({ channel, state: 'CL', state_es: 'Chile', state_en: 'Chile', instrument: 'ETS185' });
    assert.match(t('es', 'warning.bases.authority_unknown', params('central-authority')), /^No hay autoridad central registrada para Chile/);
    assert.match(t('es', 'warning.bases.authority_unknown', params('point-of-contact-24-7')), /^No hay punto de contacto 24\/7 registrado para Chile/);
  });

  it('counts instruments in the singular and the plural', () => {
    assert.equal(t('es', 'step.bases.found', { count: 1, best: 'COE' }), '1 instrumento permite la solicitud; el preferido es «COE».');
    assert.match(t('es', 'step.eif.reio_not_counted', { count: 2 }), /^2 instrumentos de organizaciones regionales/);
    assert.match(t('en', 'step.eif.reio_not_counted', { count: 1 }), /^1 instrument of a regional economic integration organisation does not add/);
  });
});

describe('offences cited by their law and article, penalties said once, curators named as such', () => {
  const coe = instrument('COE', {
    generalEntryIntoForce: { date: '2004-07-01', ...P },
    measures: [provision('mutual-legal-assistance', { dualCriminality: { rule: 'required', article: '25(5)', explanation: { es: 'x', en: 'x' } } })],
  });
  const offence = (
    state: string,
    article: string,
    penalty: { es: string; en: string },
    source = 'dep',
    confidence: 'verified' | 'unverified' = 'verified',
  ) => ({
    id: `${state}-${article}`,
    law: 'Ley 30096',
    article,
    name: { es: 'Fraude informático', en: 'Computer fraud' },
    summary: { es: 'x', en: 'x' },
    conducts: ['computer-fraud'],
    penalty: { text: penalty },
    ...P,
    source,
    confidence,
  });
  const catalogues: OffenceCatalogue[] = [
    {
      state: 'AA',
      reviewedConducts: ['computer-fraud'],
      offences: [offence('AA', '8', { es: 'Pena no registrada', en: 'Penalty not recorded' }, 'cur', 'unverified')],
      ...P,
    },
    { state: 'BB', reviewedConducts: ['computer-fraud'], offences: [offence('BB', '9', { es: '4 a 8 años', en: '4 to 8 years' })], ...P },
  ];
  const kb = new KnowledgeSnapshot(
    dataset({
      sources: [
        { id: 'dep', tier: 'depositary', title: 'Depositary', publisher: 'D', url: 'https://example.org/dep', retrieved: '2025-01-01' },
        { id: 'cur', tier: 'curator', title: "Custodia engineers' background knowledge (to verify)", publisher: 'Custodia', retrieved: '2025-01-01' },
      ],
      instruments: [coe],
      statusEvents: ['AA', 'BB'].map((s) => event('COE', s, 'ratification', '2003-01-01')),
      offenceCatalogues: catalogues,
    }),
    'v',
  );
  const answer = dualCriminality(kb, ['computer-fraud'], 'AA', 'BB', coe, coe.measures[0]!, TODAY, TODAY);

  it('cite "<law>, art. <n>" once, never "art. <law> art. <n>"', () => {
    const cited = answer.citations.find((c) => c.law === 'Ley 30096' && c.article === '8');
    assert.ok(cited, JSON.stringify(answer.citations));
    assert.ok(
      answer.citations.every((c) => !c.article?.includes('Ley')),
      JSON.stringify(answer.citations),
    );
    for (const locale of ['es', 'en'] as const) assert.doesNotMatch(text(locale, answer), /art\. Ley|Art\. Ley|art\. 8 art|Ley 30096 art\. 8/i);
    assert.equal(t('es', 'legal.citation.law', { law: cited.law ?? '', article: cited.article ?? '' }), 'Ley 30096, art. 8');
    assert.equal(t('en', 'legal.citation.law', { law: cited.law ?? '', article: cited.article ?? '' }), 'Ley 30096, Art. 8');
    assert.match(text('es', answer), /Dato no verificado: Ley 30096, art\. 8 /);
  });

  it('say "no penalty recorded" once, without a "penalty:" label before it', () => {
    const es = text('es', answer);
    assert.doesNotMatch(es, /pena: pena no registrada/i);
    assert.match(es, /Ley 30096, art\. 8 \(«Fraude informático»\) cubre fraud \(Pena no registrada\)\./);
    assert.match(es, /cubre fraud \(4 a 8 años\)\./);
    assert.doesNotMatch(text('en', answer), /penalty: penalty not recorded/i);
  });

  it("name a curators' source as a curators' note, never by its working title", () => {
    for (const locale of ['es', 'en'] as const) assert.doesNotMatch(text(locale, answer), /engineers|background knowledge/);
    assert.match(text('es', answer), /\(fuente: nota de los curadores de Custodia\)/);
    assert.match(text('en', answer), /\(source: Custodia curators' note\)/);
  });
});

// A treaty whose entry-into-force period no source gives (issue 16, bilateral treaties): the engine
// computes no date from an invented period; the recorded entries into force alone count.
describe('an entry-into-force rule whose period was not read', () => {
  const unread = instrument('BI', {
    kind: 'bilateral',
    entryIntoForce: { threshold: 2, laterJoinerNotBeforeGeneral: false, excludeKinds: [], ...P },
  });

  it('says the period is unknown instead of computing a date from the deposits', () => {
    const kb = new KnowledgeSnapshot(
      dataset({ instruments: [unread], statusEvents: [event('BI', 'AA', 'ratification', '2001-01-01'), event('BI', 'BB', 'ratification', '2001-02-01')] }),
      'test',
    );
    const g = generalEntryIntoForce(kb, unread, '2026-12-07');
    assert.equal(g.status, 'pending');
    assert.equal(g.date, undefined);
    assert.ok(g.explanation.some((s) => s.code === 'eif.rule_unread'));
    assert.ok(g.explanation.some((s) => s.code === 'eif.period_unknown'));
    assert.equal(stateEntryIntoForce(kb, unread, 'AA', '2026-12-07', '2026-12-07').status, 'consented');
  });

  it('takes a recorded entry into force as it is', () => {
    const kb = new KnowledgeSnapshot(
      dataset({
        instruments: [unread],
        statusEvents: [event('BI', 'AA', 'entry-into-force', '2001-03-01'), event('BI', 'BB', 'entry-into-force', '2001-03-01')],
      }),
      'test',
    );
    const aa = stateEntryIntoForce(kb, unread, 'AA', '2026-12-07', '2026-12-07');
    assert.equal(aa.status, 'party');
    assert.equal(aa.entryIntoForce, '2001-03-01');
  });
});
