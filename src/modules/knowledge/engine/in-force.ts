import type { Instrument } from '../schema.ts';
import { type Explained, Reasoning } from './answer.ts';
import type { KnowledgeSnapshot } from './snapshot.ts';
import { type StateEntryIntoForce, stateEntryIntoForce } from './status.ts';

export interface InForceAnswer extends Explained {
  instrument: string;
  states: [string, string];
  on: string;
  inForce: boolean;
  /** Since when it binds both, if it does on that date or will. */
  since?: string;
  parties: [StateEntryIntoForce, StateEntryIntoForce];
}

/** Is the instrument in force between A and B on a date: both must be Parties on that date. */
export function inForceBetween(kb: KnowledgeSnapshot, instrument: Instrument, a: string, b: string, on: string, today: string): InForceAnswer {
  const r = new Reasoning(kb.namer);
  const pa = stateEntryIntoForce(kb, instrument, a, on, today);
  const pb = stateEntryIntoForce(kb, instrument, b, on, today);
  r.merge(pa).merge(pb);
  const inForce = pa.status === 'party' && pb.status === 'party';
  const since = pa.entryIntoForce && pb.entryIntoForce ? [pa.entryIntoForce, pb.entryIntoForce].sort()[1] : undefined;
  if (inForce) {
    r.step('in_force.yes', { instrument: instrument.id, a, b, on, since: since ?? '' });
  } else {
    const missing = [pa, pb].filter((p) => p.status !== 'party').map((p) => p.state);
    r.step('in_force.no', { instrument: instrument.id, a, b, on, notParty: missing.join(', ') });
    if (since && since > on) r.step('in_force.from', { instrument: instrument.id, since });
  }
  const out: InForceAnswer = { instrument: instrument.id, states: [a, b], on, inForce, parties: [pa, pb], ...r.done() };
  if (since) out.since = since;
  return out;
}
