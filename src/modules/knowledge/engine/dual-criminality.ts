import { type Declaration, declarationInEffect, type Instrument, type Localized, type Measure, type MeasureProvision, type Offence } from '../schema.ts';
import { type Citation, type Explained, Reasoning } from './answer.ts';
import { inForceBetween } from './in-force.ts';
import type { KnowledgeSnapshot } from './snapshot.ts';

/** `not-applicable`: the instrument does not bind the two States on the date, so its rule answers nothing. */
export type DualCriminalityVerdict = 'met' | 'not-met' | 'not-required' | 'not-applicable' | 'cannot-be-determined';
export type Requirement = 'required' | 'not-required' | 'requested-state-law';

export interface CoveringOffence {
  id: string;
  law: string;
  article: string;
  name: Localized;
  penalty: { minYears?: number; maxYears?: number; text: Localized };
  citation: Citation;
}

/** The reservation that makes a conduct not criminalised in a State (e.g. Budapest Art. 6(3) on 6(1)(b)). */
export interface CriminalisationReservation {
  id: string;
  instrument: string;
  article: string;
  text: Localized;
  citation: Citation;
}

export interface CoverageSide {
  status: 'criminalised' | 'not-criminalised' | 'unknown';
  offences: CoveringOffence[];
  reservation?: CriminalisationReservation;
}

export interface ConductFinding {
  conduct: string;
  requesting: CoverageSide;
  requested: CoverageSide;
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

  // A preservation reservation (Budapest 29(4)) reaches only conducts outside the listed offence articles;
  // a sub-conduct is inside when its parent is (possession of devices is an Art. 6 offence).
  const reservation = kb.declarationsOn(instrument.id, requested, on).find((d) => d.effect.type === 'dual-criminality-for-preservation');
  if (provision.measure === 'preservation') {
    for (const d of kb.withdrawnBy(instrument.id, requested, on).filter((x) => x.effect.type === 'dual-criminality-for-preservation')) {
      withdrawnStep(kb, r, d);
    }
  }
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
    const outside = conducts.filter((c) => {
      const parent = kb.conducts.get(c)?.parent;
      return !excepted.has(c) && (parent === undefined || !excepted.has(parent));
    });
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
  if (!force.inForce) verdict = 'not-applicable';
  else if (requirement === 'not-required') verdict = 'not-required';
  else if (findings.some((f) => f.verdict === 'not-met')) verdict = 'not-met';
  else if (findings.some((f) => f.verdict === 'cannot-be-determined')) verdict = 'cannot-be-determined';
  else verdict = 'met';

  r.step(`dc.verdict_${verdict.replaceAll('-', '_')}`, { requesting, requested, measure: provision.measure, instrument: instrument.id, on });
  if (requirement === 'requested-state-law' && verdict !== 'not-required' && verdict !== 'not-applicable')
    r.step('dc.requested_state_law_note', { state: requested });
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

type Coverage = CoverageSide;

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
  return { conduct, requesting: side(a), requested: side(b), verdict };
}

/**
 * How one State's law covers one conduct on a date; the same for every counterpart State, so computed once.
 * Sub-conducts (one level): an offence mapped to the parent covers every sub-conduct, one mapped to a
 * sub-conduct covers that one only; a criminalisation reservation on a sub-conduct (Peru, Budapest Art.
 * 6(1)(b)) makes it not criminalised unless an offence is mapped to the sub-conduct itself. A question about
 * a parent that the State's law reaches only through some of its sub-conducts cannot be answered for the
 * whole: it names the sub-conducts covered and not covered.
 */
function coverage(kb: KnowledgeSnapshot, state: string, conduct: string, on: string): Coverage & { reasoning: Explained } {
  return kb.memo(`coverage|${state}|${conduct}|${on}`, () => {
    const r = new Reasoning(kb.namer);
    const catalogue = kb.catalogues.get(state);
    const parent = kb.conducts.get(conduct)?.parent;
    const direct = live(kb, state, conduct, on);
    const inherited = parent ? live(kb, state, parent, on).filter((o) => !direct.some((d) => d.id === o.id)) : [];
    const touching = kb.dataset.declarations.filter(
      (x) => x.state === state && 'conduct' in x.effect && (x.effect.conduct === conduct || (parent !== undefined && x.effect.conduct === parent)),
    );
    // A reservation withdrawn on or before the date (Budapest Art. 43) no longer bites: said, then ignored.
    const declarations = touching.filter((x) => declarationInEffect(x, on));
    for (const d of touching.filter((x) => !declarationInEffect(x, on))) withdrawnStep(kb, r, d);
    for (const d of declarations) {
      if (d.effect.type === 'criminalisation-reservation') continue;
      r.step(
        d.effect.type === 'offence-element' ? 'dc.extra_element' : 'dc.partial_reservation',
        {
          state,
          conduct: d.effect.type === 'offence-element' || d.effect.type === 'not-criminalised' ? d.effect.conduct : conduct,
          articles: d.articles.join(', '),
          instrument: d.instrument,
        },
        [kb.cite(d, { instrument: d.instrument, article: d.articles.join(', ') })],
      );
    }
    const reserved = declarations.find(
      (d) => d.effect.type === 'criminalisation-reservation' && d.effect.conduct === conduct && (d.made === undefined || d.made <= on),
    );
    const reservationStep = (code: string) => {
      if (reserved?.effect.type !== 'criminalisation-reservation') return;
      r.step(code, { state, conduct, article: reserved.effect.article, instrument: reserved.instrument }, [
        kb.cite(reserved, { instrument: reserved.instrument, article: reserved.effect.article }),
      ]);
    };

    let status: Coverage['status'];
    let offences: CoveringOffence[] = [];
    let reservation: CriminalisationReservation | undefined;
    if (direct.length > 0) {
      offences = direct.map((o) => covering(kb, o));
      offenceSteps(r, state, conduct, offences);
      // Domestic law moved past the reservation: the offence mapped to the sub-conduct itself prevails.
      reservationStep('dc.criminalisation_reservation_overtaken');
      status = 'criminalised';
    } else if (reserved?.effect.type === 'criminalisation-reservation') {
      reservationStep('dc.criminalisation_reservation');
      status = 'not-criminalised';
      reservation = {
        id: reserved.id,
        instrument: reserved.instrument,
        article: reserved.effect.article,
        text: reserved.text,
        citation: kb.cite(reserved, { instrument: reserved.instrument, article: reserved.effect.article }),
      };
    } else if (inherited.length > 0) {
      offences = inherited.map((o) => covering(kb, o));
      r.step('dc.covered_by_parent', { state, conduct, ...conductNames(kb, 'parentConduct', parent ? [parent] : []) });
      offenceSteps(r, state, conduct, offences);
      status = 'criminalised';
    } else {
      const subs = [...kb.conducts.values()].filter((c) => c.parent === conduct).map((c) => c.id);
      const covered = subs.filter((sub) => coverage(kb, state, sub, on).status === 'criminalised');
      if (covered.length > 0) {
        const byId = new Map(covered.flatMap((sub) => coverage(kb, state, sub, on).offences).map((o) => [o.id, o]));
        offences = [...byId.values()];
        // Each offence is named with the sub-conduct it covers, not with the whole conduct.
        for (const sub of covered) r.merge(coverage(kb, state, sub, on).reasoning);
        r.step('dc.parent_in_part', { state, conduct, ...conductNames(kb, 'covered', covered) });
        r.warn('dc.parent_in_part', { state, conduct, ...conductNames(kb, 'covered', covered) });
        for (const sub of subs.filter((x) => !covered.includes(x))) r.merge(coverage(kb, state, sub, on).reasoning);
        status = 'unknown';
      } else if (!catalogue) {
        r.step('dc.no_catalogue', { state });
        r.warn('dc.no_catalogue', { state });
        status = 'unknown';
      } else if (catalogue.reviewedConducts.includes(conduct) || (parent !== undefined && catalogue.reviewedConducts.includes(parent))) {
        r.step('dc.not_criminalised', { state, conduct }, [kb.cite(catalogue)]);
        status = 'not-criminalised';
      } else {
        r.step('dc.conduct_not_reviewed', { state, conduct });
        r.warn('dc.conduct_not_reviewed', { state, conduct });
        status = 'unknown';
      }
    }
    const out: Coverage & { reasoning: Explained } = { status, offences, reasoning: r.done() };
    if (reservation) out.reservation = reservation;
    return out;
  });
}

/** Says that a declaration no longer applies because it was withdrawn, citing the withdrawal. */
function withdrawnStep(kb: KnowledgeSnapshot, r: Reasoning, d: Declaration): void {
  if (!d.withdrawn) return;
  const articles = d.articles.join(', ');
  r.step('dc.declaration_withdrawn', { state: d.state, instrument: d.instrument, articles, date: d.withdrawn.date }, [
    kb.cite(d.withdrawn, { instrument: d.instrument, article: articles }),
  ]);
}

function side(c: Coverage): CoverageSide {
  const out: CoverageSide = { status: c.status, offences: c.offences };
  if (c.reservation) out.reservation = c.reservation;
  return out;
}

/** A parameter naming conducts by id, with their Spanish and English names (lower case, as in sentences). */
function conductNames(kb: KnowledgeSnapshot, key: string, ids: string[]): Record<string, string> {
  const names = ids.map((id) => kb.conducts.get(id)?.name);
  return {
    [key]: ids.join(', '),
    [`${key}_es`]: names.map((n, i) => n?.es.toLowerCase() ?? ids[i]).join(', '),
    [`${key}_en`]: names.map((n, i) => n?.en.toLowerCase() ?? ids[i]).join(', '),
  };
}

/** The offences of a State mapped to one conduct that are not repealed on the date. */
function live(kb: KnowledgeSnapshot, state: string, conduct: string, on: string): Offence[] {
  return kb.offencesFor(state, conduct).filter((o) => !o.repealed || o.repealed > on);
}

function covering(kb: KnowledgeSnapshot, o: Offence): CoveringOffence {
  return {
    id: o.id,
    law: o.law,
    article: o.article,
    name: o.name,
    penalty: o.penalty,
    citation: kb.cite(o, { article: `${o.law} art. ${o.article}` }),
  };
}

function offenceSteps(r: Reasoning, state: string, conduct: string, offences: CoveringOffence[]): void {
  for (const o of offences) {
    r.step('dc.offence', { state, conduct, law: o.law, article: o.article, name: o.name.es, penalty_es: o.penalty.text.es, penalty_en: o.penalty.text.en }, [
      o.citation,
    ]);
  }
}
