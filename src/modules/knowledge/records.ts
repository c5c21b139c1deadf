import { canonicalJson, sha256Hex } from '../../lib/canonical-json.ts';
import type { Dataset, Provenance } from './schema.ts';

/** One stored claim: an entity of the knowledge base with its provenance pulled out for querying. */
export interface KbRecord {
  kind: string;
  key: string;
  data: unknown;
  contentHash: string;
  sourceId: string | null;
  asOf: string | null;
  confidence: string | null;
}

function record(kind: string, key: string, data: unknown): KbRecord {
  const p = data as Partial<Provenance>;
  return {
    kind,
    key,
    data,
    contentHash: sha256Hex(canonicalJson({ kind, key, data })),
    sourceId: p.source ?? null,
    asOf: p.asOf ?? null,
    confidence: p.confidence ?? null,
  };
}

export function statusEventKey(e: { instrument: string; state: string; event: string; date: string; source: string }): string {
  return `${e.instrument}/${e.state}/${e.event}/${e.date}/${e.source}`;
}

export function datasetToRecords(d: Dataset): KbRecord[] {
  return [
    record('manifest', 'manifest', d.manifest),
    ...d.sources.map((x) => record('source', x.id, x)),
    ...d.states.map((x) => record('state', x.code, x)),
    ...d.conducts.map((x) => record('conduct', x.id, x)),
    ...d.instruments.map((x) => record('instrument', x.id, x)),
    ...d.statusEvents.map((x) => record('status-event', statusEventKey(x), x)),
    ...d.declarations.map((x) => record('declaration', x.id, x)),
    ...d.authorities.map((x) => record('authority', x.id, x)),
    ...d.offenceCatalogues.map((x) => record('offence-catalogue', x.state, x)),
    ...d.profileFacts.map((x) => record('profile-fact', x.id, x)),
  ];
}

const ORDER = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** The inverse of datasetToRecords; order is normalised so that equal content exports identically. */
export function recordsToDataset(records: Array<{ kind: string; key: string; data: unknown }>): Dataset {
  const of = <T>(kind: string) =>
    records
      .filter((r) => r.kind === kind)
      .sort(ORDER)
      .map((r) => r.data as T);
  const manifest = of<Dataset['manifest']>('manifest')[0];
  if (!manifest) throw new Error('knowledge base has no manifest');
  return {
    manifest,
    sources: of('source'),
    states: of('state'),
    conducts: of('conduct'),
    instruments: of('instrument'),
    statusEvents: of('status-event'),
    declarations: of('declaration'),
    authorities: of('authority'),
    offenceCatalogues: of('offence-catalogue'),
    profileFacts: of('profile-fact'),
  };
}

/** The content hash of a whole dataset: what the ledger will record for each import. */
export function datasetHash(d: Dataset): string {
  return sha256Hex(
    datasetToRecords(d)
      .map((r) => `${r.kind}\u0000${r.key}\u0000${r.contentHash}`)
      .sort()
      .join('\n'),
  );
}
