import type { Instrument, Localized, Measure, MeasureProvision } from '../schema.ts';
import { type Citation, type Explained, Reasoning } from './answer.ts';
import { inForceBetween } from './in-force.ts';
import type { KnowledgeSnapshot } from './snapshot.ts';

export type DualCriminalityVerdict = 'met' | 'not-met' | 'not-required' | 'cannot-be-determined';
export type Requirement = 'required' | 'not-required' | 'requested-state-law';

export interface CoveringOffence {
  id: string;
  law: string;
  article: string;
  name: Localized;
  penalty: { minYears?: number; maxYears?: number; text: Localized };
  citation: Citation;
}

export interface ConductFinding {
  conduct: string;
  requesting: { status: 'criminalised' | 'not-criminalised' | 'unknown'; offences: CoveringOffence[] };
  requested: { status: 'criminalised' | 'not-criminalised' | 'unknown'; offences: CoveringOffence[] };
  verdict: 'met' | 'not-met' | 'cannot-be-determined';
}

export interface DualCriminalityAnswer extends Explained {
  conducts: string[];
  requesting: string;
  requested: string;
  measure: Measure;
  instrument: string;
  on: string;
  requirement: Requirement;
  verdict: DualCriminalityVerdict;
  /** Why the verdict is "cannot be determined", when it is. */
  undeterminedBecause?: string[];
  findings: ConductFinding[];
}

/**
 * Dual criminality judged on the conduct, "regardless of the name or category of the offence"
 * (Budapest Art. 25(5); UNCC Art. 35): the same conduct must be punishable in both States.
 * Whether it is needed at all depends on the measure (not for preservation, Budapest Art. 29(3)),
 * unless the requested State made a reservation such as Budapest Art. 29(4).
 */
export function dualCriminality(
  kb: KnowledgeSnapshot,
  conducts: string[],
  requesting: string,
  requested: string,
  instrument: Instrument,
  provision: MeasureProvision,
  on: string,
  today: string,
): DualCriminalityAnswer {
  const r = new Reasoning(kb.namer);
  const provisionCite = kb.cite(provision, { instrument: instrument.id, article: provision.dualCriminality.article ?? provision.articles.join(', ') });
  const force = inForceBetween(kb, instrument, requesting, requested, on, today);
  if (!force.inForce) {
    r.warn('dc.instrument_not_in_force', { instrument: instrument.id, requesting, requested, on });
  }

  let requirement: Requirement = provision.dualCriminality.rule;
  r.step(
    `dc.rule_${requirement.replaceAll('-', '_')}`,
    { instrument: instrument.id, measure: provision.measure, article: provision.dualCriminality.article ?? '' },
    [provisionCite],
  );

  // A preservation reservation (Budapest 29(4)) reaches only conducts outside the listed offence articles.
  const reservation = kb.declarations(instrument.id, requested).find((d) => d.effect.type === 'dual-criminality-for-preservation');
  if (
    requirement === 'not-required' &&
    provision.measure === 'preservation' &&
    reservation &&
    reservation.effect.type === 'dual-criminality-for-preservation'
  ) {
    const excepted = new Set(
      instrument.articles
        .filter((a) => reservation.effect.type === 'dual-criminality-for-preservation' && reservation.effect.exceptArticles.includes(a.number))
        .flatMap((a) => a.conducts),
    );
    const outside = conducts.filter((c) => !excepted.has(c));
    const cite = kb.cite(reservation, { instrument: instrument.id, article: reservation.articles.join(', ') });
    if (outside.length > 0) {
      requirement = 'required';
      r.step(
        'dc.reservation_applies',
        { state: requested, instrument: instrument.id, articles: reservation.articles.join(', '), conducts: outside.join(', ') },
        [cite],
      );
    } else {
      r.step('dc.reservation_not_reached', { state: requested, instrument: instrument.id, articles: reservation.articles.join(', ') }, [cite]);
    }
  }

  const findings = conducts.map((conduct) => finding(kb, conduct, requesting, requested, on, r));
  const undetermined: string[] = [];
  for (const f of findings) {
    if (f.requesting.status === 'unknown') undetermined.push(`${requesting}:${f.conduct}`);
    if (f.requested.status === 'unknown') undetermined.push(`${requested}:${f.conduct}`);
  }

  let verdict: DualCriminalityVerdict;
  if (requirement === 'not-required') verdict = 'not-required';
  else if (findings.some((f) => f.verdict === 'not-met')) verdict = 'not-met';
  else if (findings.some((f) => f.verdict === 'cannot-be-determined')) verdict = 'cannot-be-determined';
  else verdict = 'met';

  r.step(`dc.verdict_${verdict.replaceAll('-', '_')}`, { requesting, requested, measure: provision.measure, instrument: instrument.id });
  if (requirement === 'requested-state-law' && verdict !== 'not-required') r.step('dc.requested_state_law_note', { state: requested });
  const out: DualCriminalityAnswer = {
    conducts,
    requesting,
    requested,
    measure: provision.measure,
    instrument: instrument.id,
    on,
    requirement,
    verdict,
    findings,
    ...r.done(),
  };
  if (verdict === 'cannot-be-determined') out.undeterminedBecause = undetermined;
  return out;
}

type Coverage = { status: 'criminalised' | 'not-criminalised' | 'unknown'; offences: CoveringOffence[] };

function finding(kb: KnowledgeSnapshot, conduct: string, requesting: string, requested: string, on: string, r: Reasoning): ConductFinding {
  const a = coverage(kb, requesting, conduct, on);
  const b = coverage(kb, requested, conduct, on);
  r.merge(a.reasoning).merge(b.reasoning);
  const verdict =
    a.status === 'not-criminalised' || b.status === 'not-criminalised'
      ? 'not-met'
      : a.status === 'unknown' || b.status === 'unknown'
        ? 'cannot-be-determined'
        : 'met';
  return { conduct, requesting: { status: a.status, offences: a.offences }, requested: { status: b.status, offences: b.offences }, verdict };
}

/** How one State's law covers one conduct on a date; the same for every counterpart State, so computed once. */
function coverage(kb: KnowledgeSnapshot, state: string, conduct: string, on: string): Coverage & { reasoning: Explained } {
  return kb.memo(`coverage|${state}|${conduct}|${on}`, () => {
    const r = new Reasoning(kb.namer);
    const catalogue = kb.catalogues.get(state);
    const offences = kb
      .offencesFor(state, conduct)
      .filter((o) => !o.repealed || o.repealed > on)
      .map<CoveringOffence>((o) => ({
        id: o.id,
        law: o.law,
        article: o.article,
        name: o.name,
        penalty: o.penalty,
        citation: kb.cite(o, { article: `${o.law} art. ${o.article}` }),
      }));
    for (const o of offences) {
      r.step('dc.offence', { state, conduct, law: o.law, article: o.article, name: o.name.es, penalty_es: o.penalty.text.es, penalty_en: o.penalty.text.en }, [
        o.citation,
      ]);
    }
    for (const d of kb.dataset.declarations.filter((x) => x.state === state && 'conduct' in x.effect && x.effect.conduct === conduct)) {
      r.step(
        d.effect.type === 'offence-element' ? 'dc.extra_element' : 'dc.partial_reservation',
        { state, conduct, articles: d.articles.join(', '), instrument: d.instrument },
        [kb.cite(d, { instrument: d.instrument, article: d.articles.join(', ') })],
      );
    }
    let status: Coverage['status'];
    if (offences.length > 0) status = 'criminalised';
    else if (!catalogue) {
      r.step('dc.no_catalogue', { state });
      r.warn('dc.no_catalogue', { state });
      status = 'unknown';
    } else if (catalogue.reviewedConducts.includes(conduct)) {
      r.step('dc.not_criminalised', { state, conduct }, [kb.cite(catalogue)]);
      status = 'not-criminalised';
    } else {
      r.step('dc.conduct_not_reviewed', { state, conduct });
      r.warn('dc.conduct_not_reviewed', { state, conduct });
      status = 'unknown';
    }
    return { status, offences, reasoning: r.done() };
  });
}
