import { type Dataset, emptyDataset, type Instrument, type MeasureProvision, type StatusEvent } from '../../src/modules/knowledge/index.ts';

/** Small, hand-made knowledge bases for engine rules: every date and rule here is chosen by the test. */

const P = { source: 'dep', asOf: '2025-01-01', recorded: '2025-01-01', confidence: 'verified' as const };
const L = (en: string) => ({ es: en, en });

export function provision(measure: MeasureProvision['measure'], overrides: Partial<MeasureProvision> = {}): MeasureProvision {
  return {
    measure,
    articles: ['1'],
    channels: ['central-authority'],
    preference: 3,
    dualCriminality: { rule: 'requested-state-law', article: '1', explanation: L('per law') },
    mandatoryContent: [],
    deadlines: [],
    conditions: [],
    ...P,
    ...overrides,
  };
}

export function instrument(id: string, overrides: Partial<Instrument> = {}): Instrument {
  return {
    id,
    kind: 'multilateral',
    title: L(id),
    shortTitle: L(id),
    depositary: 'Test depositary',
    entryIntoForce: {
      article: '65',
      threshold: 3,
      excludeKinds: ['reio'],
      general: { type: 'days-after', days: 90 },
      laterJoiner: { type: 'days-after', days: 30 },
      laterJoinerNotBeforeGeneral: true,
      ...P,
    },
    articles: [
      { number: '1', title: L('MLA'), conducts: [], ...P },
      { number: '2', title: L('Illegal access'), conducts: ['illegal-access'], ...P },
      { number: '3', title: L('Fraud'), conducts: ['computer-fraud'], ...P },
    ],
    measures: [provision('mutual-legal-assistance')],
    refusalGrounds: [],
    ...P,
    ...overrides,
  };
}

export function event(instrument: string, state: string, type: StatusEvent['event'], date: string, source = 'dep'): StatusEvent {
  return { instrument, state, event: type, date, ...P, source };
}

export function dataset(parts: Partial<Dataset> = {}): Dataset {
  const states = ['AA', 'BB', 'CC', 'DD', 'EE', 'FF'].map((code) => ({
    code,
    name: L(`State ${code}`),
    kind: 'state' as const,
    groups: code === 'AA' || code === 'BB' ? ['club'] : [],
    ...P,
  }));
  return {
    ...emptyDataset({ format: 'custodia-kb', schemaVersion: 1, version: 'test', title: L('test') }),
    sources: [
      { id: 'dep', tier: 'depositary', title: 'Depositary', publisher: 'D', url: 'https://example.org/dep', retrieved: '2025-01-01' },
      { id: 'news', tier: 'news', title: 'News', publisher: 'N', url: 'https://example.org/news', retrieved: '2025-01-01' },
    ],
    states: [...states, { code: 'EU', name: L('European Union'), kind: 'reio', groups: [], ...P }],
    conducts: [
      { id: 'illegal-access', name: L('Illegal access'), description: L('x') },
      { id: 'computer-fraud', name: L('Fraud'), description: L('x') },
      { id: 'extortion', name: L('Extortion'), description: L('x') },
    ],
    ...parts,
  };
}
