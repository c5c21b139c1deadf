// Legal engine throughput: legalBases and dualCriminality for every ordered pair among 200 States,
// on a snapshot read from SQLite. Real States keep their data; synthetic ones fill the gap to 200.
// Prints the total against the 1 s target and against a baseline pass over the same pairs that only
// looks up each pair's status records (the floor of any per-pair work), measured in the same run.
import { performance } from 'node:perf_hooks';
import { dualCriminality } from '../src/modules/knowledge/engine/dual-criminality.ts';
import { legalBases } from '../src/modules/knowledge/engine/legal-bases.ts';
import { KnowledgeSnapshot } from '../src/modules/knowledge/engine/snapshot.ts';
import type { Dataset } from '../src/modules/knowledge/schema.ts';
import { createTestApp } from '../test/support/app.ts';

const STATES = 200;
const TODAY = '2026-11-24';

const t = await createTestApp({ dialect: 'sqlite' });
const real = (await t.app.knowledge.snapshot()).dataset;
await t.cleanup();

const P = { source: 'iso-3166-cldr', asOf: TODAY, recorded: TODAY, confidence: 'secondary' as const };
const withData = new Set(real.statusEvents.filter((e) => e.instrument === 'ETS185').map((e) => e.state));
const chosen = [...withData, ...real.states.map((s) => s.code).filter((c) => !withData.has(c) && c !== 'EU')].slice(0, STATES);
const synthetic: Dataset = structuredClone(real);
// States without Budapest records get a synthetic accession so that every pair exercises the full path.
chosen.forEach((code, i) => {
  if (withData.has(code)) return;
  const month = String((i % 12) + 1).padStart(2, '0');
  synthetic.statusEvents.push({ instrument: 'ETS185', state: code, event: 'accession', date: `2015-${month}-15`, ...P });
  synthetic.offenceCatalogues.push({
    state: code,
    reviewedConducts: ['computer-fraud', 'illegal-access'],
    offences: [
      {
        id: `syn-${code.toLowerCase()}-fraud`,
        law: 'Synthetic code',
        article: '1',
        name: { es: 'Fraude', en: 'Fraud' },
        summary: { es: 'x', en: 'x' },
        conducts: ['computer-fraud'],
        penalty: { text: { es: 'x', en: 'x' } },
        ...P,
      },
    ],
    ...P,
  });
});
// Each timed run gets a fresh snapshot, so nothing computed by an earlier run is reused.
const fresh = () => new KnowledgeSnapshot(synthetic, 'bench');
const ets = fresh().instruments.get('ETS185')!;
const etsProvision = ets.measures.find((m) => m.measure === 'mutual-legal-assistance')!;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function baseline(kb: KnowledgeSnapshot): number {
  let n = 0;
  for (const a of chosen) for (const b of chosen) if (a !== b) n += kb.events('ETS185', a).length + kb.events('ETS185', b).length;
  return n;
}

function engine(kb: KnowledgeSnapshot): { pairs: number; available: number } {
  let pairs = 0;
  let available = 0;
  for (const a of chosen) {
    for (const b of chosen) {
      if (a === b) continue;
      const bases = legalBases(kb, 'preservation', a, b, TODAY, TODAY);
      const dc = dualCriminality(kb, ['computer-fraud'], a, b, ets, etsProvision, TODAY, TODAY);
      if (bases.bases[0]?.available && dc.verdict) available += 1;
      pairs += 1;
    }
  }
  return { pairs, available };
}

engine(fresh()); // warm-up of the JIT only: its snapshot and caches are thrown away
const timings: number[] = [];
const baselines: number[] = [];
let pairs = 0;
let available = 0;
for (let run = 0; run < RUNS; run++) {
  const kb = fresh();
  const b0 = performance.now();
  baseline(kb);
  baselines.push(performance.now() - b0);
  const e0 = performance.now();
  ({ pairs, available } = engine(kb));
  timings.push(performance.now() - e0);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const engineMs = median(timings);
const baselineMs = median(baselines);

const result = {
  states: chosen.length,
  pairs,
  pairsWithABasis: available,
  runs: RUNS,
  engineMs: Math.round(engineMs),
  engineMsEachRun: timings.map((t) => Math.round(t)),
  pairsPerSecond: Math.round(pairs / (engineMs / 1000)),
  targetMs: 1000,
  ratioToTarget: Number((engineMs / 1000).toFixed(3)),
  baselineMs: Number(baselineMs.toFixed(1)),
  ratioToBaseline: Number((engineMs / baselineMs).toFixed(1)),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
