import { CONSENT_EVENTS, type Instrument, type StatusEvent } from '../schema.ts';
import { type Explained, Reasoning } from './answer.ts';
import { applyPeriod, maxDate, todayIn } from './dates.ts';
import type { KnowledgeSnapshot } from './snapshot.ts';

const CONSENT = new Set<string>(CONSENT_EVENTS);

export interface GeneralEntryIntoForce extends Explained {
  instrument: string;
  /** in-force: date reached (recorded or computed); projected: threshold met, date in the future; pending: not enough instruments. */
  status: 'in-force' | 'projected' | 'pending';
  date?: string;
  basis: 'depositary-record' | 'computed' | 'none';
  /**
   * States whose consent to be bound is recorded as given by today (a recorded entry into force implies
   * one): what the threshold counts. REIOs are left out where the instrument does not count them.
   */
  deposited: number;
  threshold: number;
  /** States (and organisations) for which the instrument is in force today, as far as the knowledge base records. */
  parties: number;
  triggeringDeposit?: { state: string; date: string };
}

/**
 * General entry into force of an instrument. A date recorded by the depositary wins; otherwise it is
 * computed from the consent instruments recorded, counting as the treaty counts (UNCC Art. 65(1):
 * a REIO's instrument does not add to its members'; ETS 185 Art. 36(3): at least three CoE members).
 */
export function generalEntryIntoForce(kb: KnowledgeSnapshot, instrument: Instrument, today: string): GeneralEntryIntoForce {
  return kb.memo(`general|${instrument.id}|${today}`, () => withParties(kb, instrument, today, generalCore(kb, instrument, today)));
}

type GeneralCore = Omit<GeneralEntryIntoForce, 'parties'>;

/** The general entry into force alone: what each State's own entry into force depends on. */
function generalCore(kb: KnowledgeSnapshot, instrument: Instrument, today: string): GeneralCore {
  return kb.memo(`general-core|${instrument.id}|${today}`, () => computeGeneral(kb, instrument, today));
}

/**
 * Adds the number of Parties today. The count is of States, never of instruments against the
 * threshold once it is met ("10 of 5"), and it says it rests on the recorded table, which may be
 * incomplete, and is certainly so when fewer States are recorded than entry into force needed.
 */
function withParties(kb: KnowledgeSnapshot, instrument: Instrument, today: string, core: GeneralCore): GeneralEntryIntoForce {
  if (core.status === 'pending') return { ...core, parties: 0 };
  const parties = kb.statesWithEvents(instrument.id).filter((state) => stateEntryIntoForce(kb, instrument, state, today, today).status === 'party').length;
  const r = new Reasoning(kb.namer);
  r.merge(core);
  r.step('eif.parties_recorded', { instrument: instrument.id, count: parties, on: today });
  if (core.basis === 'depositary-record' && core.deposited < core.threshold) {
    r.warn('eif.table_incomplete', { instrument: instrument.id, deposited: core.deposited, threshold: core.threshold });
  } else {
    r.warn('eif.counts_recorded_only', { instrument: instrument.id });
  }
  return { ...core, ...r.done(), parties };
}

function computeGeneral(kb: KnowledgeSnapshot, instrument: Instrument, today: string): GeneralCore {
  const r = new Reasoning(kb.namer);
  const rule = instrument.entryIntoForce;
  const ruleCite = kb.cite(rule, { instrument: instrument.id, article: rule.article });
  const consents = kb
    .consents(instrument.id)
    .filter((e) => !(rule.excludeKinds.includes('reio') && kb.states.get(e.state)?.kind === 'reio'))
    .sort((a, b) => a.date.localeCompare(b.date) || a.state.localeCompare(b.state));
  const excluded = kb.consents(instrument.id).length - consents.length;
  if (rule.article) r.step('eif.rule', { instrument: instrument.id, article: rule.article, threshold: rule.threshold }, [ruleCite]);
  else r.step('eif.rule_unread', { instrument: instrument.id, threshold: rule.threshold }, [ruleCite]);
  if (excluded > 0) r.step('eif.reio_not_counted', { count: excluded }, [ruleCite]);

  let trigger: StatusEvent | undefined;
  let inGroup = 0;
  consents.forEach((e, index) => {
    if (rule.minFromGroup && kb.states.get(e.state)?.groups.includes(rule.minFromGroup.group)) inGroup += 1;
    const groupOk = !rule.minFromGroup || inGroup >= rule.minFromGroup.count;
    if (!trigger && index + 1 >= rule.threshold && groupOk) trigger = e;
  });
  // A State whose entry into force is recorded has given its consent, even where the act itself is not recorded.
  const counted = (state: string) => !(rule.excludeKinds.includes('reio') && kb.states.get(state)?.kind === 'reio');
  const depositedBy = new Set(consents.filter((e) => e.date <= today).map((e) => e.state));
  for (const state of kb.statesWithEvents(instrument.id)) {
    if (counted(state) && kb.events(instrument.id, state).some((e) => e.event === 'entry-into-force' && e.date <= today)) depositedBy.add(state);
  }
  const deposited = depositedBy.size;
  const base = { instrument: instrument.id, deposited, threshold: rule.threshold };

  if (instrument.generalEntryIntoForce) {
    const recorded = instrument.generalEntryIntoForce;
    r.step('eif.general_recorded', { instrument: instrument.id, date: recorded.date }, [kb.cite(recorded, { instrument: instrument.id })]);
    return { ...base, ...r.done(), status: recorded.date <= today ? 'in-force' : 'projected', date: recorded.date, basis: 'depositary-record' };
  }
  if (!trigger || trigger.date > today) {
    r.step('eif.general_pending', { instrument: instrument.id, deposited, threshold: rule.threshold, missing: Math.max(0, rule.threshold - deposited) });
    if (rule.minFromGroup) {
      r.step('eif.group_condition', { group: rule.minFromGroup.group, count: rule.minFromGroup.count, have: inGroup });
    }
    r.warn('eif.counts_recorded_only', { instrument: instrument.id });
    return { ...base, ...r.done(), status: 'pending', basis: 'none' };
  }
  if (!rule.general) {
    // The deposits are there, but no source consulted gives the period: no date is invented.
    r.step('eif.period_unknown', { instrument: instrument.id, state: trigger.state, deposit: trigger.date }, [kb.cite(trigger, { instrument: instrument.id })]);
    r.warn('eif.period_unknown', { instrument: instrument.id });
    return { ...base, ...r.done(), status: 'pending', basis: 'none' };
  }
  const date = applyPeriod(trigger.date, rule.general);
  r.step('eif.general_computed', { instrument: instrument.id, state: trigger.state, deposit: trigger.date, date, threshold: rule.threshold }, [
    kb.cite(trigger, { instrument: instrument.id }),
    ruleCite,
  ]);
  return {
    ...base,
    ...r.done(),
    status: date <= today ? 'in-force' : 'projected',
    date,
    basis: 'computed',
    triggeringDeposit: { state: trigger.state, date: trigger.date },
  };
}

export type PartyStatus = 'no-record' | 'signed' | 'consented' | 'party' | 'denounced';

export interface StateEntryIntoForce extends Explained {
  instrument: string;
  state: string;
  signature?: string;
  consent?: { event: string; date: string };
  /** The date the instrument enters (or entered) into force for the State, if it can be known. */
  entryIntoForce?: string;
  computedEntryIntoForce?: string;
  denunciationEffective?: string;
  /** Status on the `on` date. */
  status: PartyStatus;
  on: string;
}

/**
 * When an instrument enters into force for a State, and its status on a date. The depositary's own
 * entry-into-force record wins over the computed one; a disagreement is a warning, not silence.
 */
export function stateEntryIntoForce(kb: KnowledgeSnapshot, instrument: Instrument, state: string, on: string, today: string): StateEntryIntoForce {
  return kb.memo(`state|${instrument.id}|${state}|${on}|${today}`, () => computeState(kb, instrument, state, on, today));
}

function computeState(kb: KnowledgeSnapshot, instrument: Instrument, state: string, on: string, today: string): StateEntryIntoForce {
  const r = new Reasoning(kb.namer);
  const events = kb.events(instrument.id, state);
  const signature = kb.best(events.filter((e) => e.event === 'signature'));
  const consent = kb.best(events.filter((e) => CONSENT.has(e.event)));
  const recordedEif = kb.best(events.filter((e) => e.event === 'entry-into-force'));
  const denunciation = kb.best(events.filter((e) => e.event === 'denunciation'));
  const out: StateEntryIntoForce = { instrument: instrument.id, state, status: 'no-record', on, explanation: [], citations: [], warnings: [] };

  conflicts(kb, events, r, instrument.id, state);
  if (signature) {
    out.signature = signature.date;
    r.step('status.signed', { state, instrument: instrument.id, date: signature.date }, [kb.cite(signature, { instrument: instrument.id })]);
  }
  if (!consent && !recordedEif) {
    if (!signature) {
      r.step('status.no_record', { state, instrument: instrument.id });
      r.warn('status.no_record', { state, instrument: instrument.id });
    } else {
      r.step('status.signature_not_binding', { state, instrument: instrument.id });
    }
    return { ...out, ...r.done(), status: signature && signature.date <= on ? 'signed' : 'no-record' };
  }
  if (consent) {
    out.consent = { event: consent.event, date: consent.date };
    r.step('status.consent', { state, instrument: instrument.id, event: consent.event, date: consent.date }, [kb.cite(consent, { instrument: instrument.id })]);
  }

  const general = generalCore(kb, instrument, today);
  let computed: string | undefined;
  const laterJoiner = instrument.entryIntoForce.laterJoiner;
  if (consent && general.date && !laterJoiner) {
    r.step('status.eif_period_unknown', { state, instrument: instrument.id });
  } else if (consent && general.date && laterJoiner) {
    const rule = instrument.entryIntoForce;
    const ownDate = applyPeriod(consent.date, laterJoiner);
    computed = maxDate(general.date, ownDate);
    r.step('status.eif_computed', { state, instrument: instrument.id, consent: consent.date, own: ownDate, general: general.date, date: computed ?? ownDate }, [
      kb.cite(rule, { instrument: instrument.id, article: rule.article }),
    ]);
  } else if (consent) {
    r.step('status.eif_awaits_general', { state, instrument: instrument.id, deposited: general.deposited, threshold: general.threshold });
  }
  if (instrument.entryIntoForce.requiresPartyTo && computed) {
    const parentId = instrument.entryIntoForce.requiresPartyTo;
    const parent = kb.instruments.get(parentId);
    const parentStatus = parent ? stateEntryIntoForce(kb, parent, state, on, today) : undefined;
    if (!parentStatus?.entryIntoForce) {
      r.step('status.requires_parent', { state, instrument: instrument.id, parent: parentId });
      computed = undefined;
    } else {
      computed = maxDate(computed, parentStatus.entryIntoForce);
    }
  }
  if (computed) out.computedEntryIntoForce = computed;

  let eif = computed;
  if (recordedEif) {
    eif = recordedEif.date;
    r.step('status.eif_recorded', { state, instrument: instrument.id, date: recordedEif.date }, [kb.cite(recordedEif, { instrument: instrument.id })]);
    if (computed && computed !== recordedEif.date) {
      r.warn('status.eif_mismatch', { state, instrument: instrument.id, recorded: recordedEif.date, computed });
    }
  }
  if (eif) out.entryIntoForce = eif;

  let status: PartyStatus = consent && consent.date <= on ? 'consented' : signature && signature.date <= on ? 'signed' : 'no-record';
  if (eif && eif <= on) status = 'party';
  if (denunciation && instrument.denunciation) {
    const effective = applyPeriod(denunciation.date, instrument.denunciation.effect);
    out.denunciationEffective = effective;
    r.step('status.denounced', { state, instrument: instrument.id, date: denunciation.date, effective }, [
      kb.cite(denunciation, { instrument: instrument.id }),
      kb.cite(instrument.denunciation, { instrument: instrument.id, article: instrument.denunciation.article }),
    ]);
    if (effective <= on) status = 'denounced';
  }
  r.step(`status.on_${status.replace('-', '_')}`, { state, instrument: instrument.id, on });
  return { ...out, ...r.done(), status };
}

/** Different sources giving different dates for the same act are kept and surfaced. */
function conflicts(kb: KnowledgeSnapshot, events: StatusEvent[], r: Reasoning, instrument: string, state: string): void {
  const byType = Map.groupBy(events, (e) => (CONSENT.has(e.event) ? 'consent' : e.event));
  for (const [type, list] of byType) {
    const dates = new Set(list.map((e) => e.date));
    if (dates.size > 1) {
      const best = kb.best(list);
      r.warn('status.conflicting_claims', {
        state,
        instrument,
        event: type,
        dates: [...dates].sort().join(', '),
        chosen: best?.date ?? '',
      });
    }
  }
}

export function legalToday(timeZone: string, now: Date): string {
  return todayIn(timeZone, now);
}
