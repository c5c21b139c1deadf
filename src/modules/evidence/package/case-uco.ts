// The custody history as CASE/UCO 1.4 JSON-LD (caseontology.org), following the CASE-Examples
// forensic_lifecycle pattern: CASE has no chain-of-custody class, so custody is a chain of
// InvestigativeActions, each taking the exhibit's previous ProvenanceRecord as its object and
// giving a new one as its result. The context is inline so that reading the file never fetches
// anything, and node IRIs are derived from stable facts (log origin, item id, ledger index) so the
// same history always gives the same graph and the verifier can find each node again.
import { createHash } from 'node:crypto';
import { AppError } from '../../../lib/errors.ts';
import type { Acquisition } from '../model.ts';
import type { ReportItem } from './report-model.ts';

export const CASE_UCO_CONTEXT = {
  'case-investigation': 'https://ontology.caseontology.org/case/investigation/',
  'uco-action': 'https://ontology.unifiedcyberontology.org/uco/action/',
  'uco-core': 'https://ontology.unifiedcyberontology.org/uco/core/',
  'uco-identity': 'https://ontology.unifiedcyberontology.org/uco/identity/',
  'uco-observable': 'https://ontology.unifiedcyberontology.org/uco/observable/',
  'uco-types': 'https://ontology.unifiedcyberontology.org/uco/types/',
  'uco-vocabulary': 'https://ontology.unifiedcyberontology.org/uco/vocabulary/',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  kb: 'http://custodia.local/kb/',
} as const;

/** An item as the package holds it (the report's view of it), with its vault id. */
export type CaseUcoItem = ReportItem & { id: string };

export interface CaseUcoEvent {
  /** Ledger index. */
  index: number;
  itemId: string;
  /** `acquired`, `received`, … */
  event: string;
  at: string;
  actor: string;
  reason: string;
}

export interface CaseUcoInput {
  logOrigin: string;
  case: { id: string; reference: string; title: string };
  items: CaseUcoItem[];
  /** Custody events in any order; each item's chain follows ledger order. */
  events: CaseUcoEvent[];
}

type Node = Record<string, unknown>;

/** A UUID (version 8, RFC 9562) from a hash of `parts`: the same facts always give the same IRI. */
function stableUuid(...parts: Array<string | number>): string {
  const b = createHash('sha256').update(JSON.stringify(parts)).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Compact IRIs (`kb:…`) of the graph's nodes, for the writer and for the verifier to look them up. */
export function caseUcoIds(logOrigin: string) {
  const id = (kind: string, ...parts: Array<string | number>) => `kb:${kind}-${stableUuid(logOrigin, kind, ...parts)}`;
  return {
    investigation: (caseId: string) => id('investigation', caseId),
    file: (itemId: string) => id('file', itemId),
    fileFacet: (itemId: string) => id('file-facet', itemId),
    contentFacet: (itemId: string) => id('content-data-facet', itemId),
    hash: (itemId: string, method: string) => id('hash', itemId, method),
    /** The exhibit as the vault recorded it, before the first custody event of the package. */
    initialRecord: (itemId: string) => id('provenance-record', itemId, 'initial'),
    /** The exhibit after the custody event at `index`. */
    record: (itemId: string, index: number) => id('provenance-record', itemId, index),
    action: (index: number) => id('action', index),
    person: (actor: string) => id('person', actor),
  };
}

const typed = (type: string, value: string) => ({ '@type': type, '@value': value });
const ref = (iri: string) => ({ '@id': iri });

function hashNode(iri: string, method: 'SHA256' | 'MD5' | 'SHA1', hex: string): Node {
  return {
    '@id': iri,
    '@type': 'uco-types:Hash',
    'uco-types:hashMethod': typed('uco-vocabulary:HashNameVocab', method),
    'uco-types:hashValue': typed('xsd:hexBinary', hex),
  };
}

function acquisitionText(a: Acquisition): string {
  const parts = [
    `Acquired by ${a.by} at ${a.at}`,
    a.where && `where: ${a.where}`,
    a.tool && `tool: ${a.tool}${a.toolVersion ? ` ${a.toolVersion}` : ''}`,
    a.method && `method: ${a.method}`,
    a.source && `source: ${a.source}`,
    a.authority && `authority: ${a.authority}`,
  ];
  return parts.filter(Boolean).join('; ');
}

function fileNode(item: CaseUcoItem, ids: ReturnType<typeof caseUcoIds>): Node {
  const hashes = [hashNode(ids.hash(item.id, 'SHA256'), 'SHA256', item.sha256)];
  if (item.md5) hashes.push(hashNode(ids.hash(item.id, 'MD5'), 'MD5', item.md5));
  if (item.sha1) hashes.push(hashNode(ids.hash(item.id, 'SHA1'), 'SHA1', item.sha1));
  const node: Node = {
    '@id': ids.file(item.id),
    '@type': 'uco-observable:File',
    'uco-core:hasFacet': [
      {
        '@id': ids.fileFacet(item.id),
        '@type': 'uco-observable:FileFacet',
        'uco-observable:fileName': item.fileName || item.path.split('/').at(-1),
        'uco-observable:filePath': item.path,
        'uco-observable:sizeInBytes': item.bytes,
      },
      {
        '@id': ids.contentFacet(item.id),
        '@type': 'uco-observable:ContentDataFacet',
        'uco-observable:sizeInBytes': item.bytes,
        'uco-observable:hash': hashes,
      },
    ],
  };
  if (item.description) node['uco-core:description'] = item.description;
  return node;
}

function recordNode(iri: string, item: CaseUcoItem, ids: ReturnType<typeof caseUcoIds>, description: string): Node {
  return {
    '@id': iri,
    '@type': 'case-investigation:ProvenanceRecord',
    'case-investigation:exhibitNumber': item.exhibit,
    'uco-core:description': description,
    'uco-core:object': [ref(ids.file(item.id))],
  };
}

/** The JSON-LD document (`@context` + `@graph`) for `custody/case-uco.jsonld`. */
export function buildCaseUco(input: CaseUcoInput): { '@context': typeof CASE_UCO_CONTEXT; '@graph': Node[] } {
  const ids = caseUcoIds(input.logOrigin);
  const known = new Set(input.items.map((item) => item.id));
  for (const e of input.events) {
    if (!known.has(e.itemId))
      throw new AppError('evidence.package_input_invalid', { message: `custody event ${e.index} names an unknown item`, params: { index: e.index } });
  }
  const graph: Node[] = [
    {
      '@id': ids.investigation(input.case.id),
      '@type': 'case-investigation:Investigation',
      'uco-core:name': input.case.reference,
      ...(input.case.title ? { 'uco-core:description': input.case.title } : {}),
      'uco-core:object': input.items.map((item) => ref(ids.file(item.id))),
    },
  ];
  const people = new Set<string>();
  const events = [...input.events].sort((a, b) => a.index - b.index);
  for (const item of input.items) {
    graph.push(fileNode(item, ids));
    graph.push(recordNode(ids.initialRecord(item.id), item, ids, `Exhibit ${item.exhibit} as recorded by the vault. ${acquisitionText(item.acquisition)}`));
    let previous = ids.initialRecord(item.id);
    for (const e of events.filter((ev) => ev.itemId === item.id)) {
      const result = ids.record(item.id, e.index);
      graph.push(recordNode(result, item, ids, `Exhibit ${item.exhibit} after custody ledger entry ${e.index} (${e.event})`));
      graph.push({
        '@id': ids.action(e.index),
        '@type': 'case-investigation:InvestigativeAction',
        'uco-core:name': e.event,
        'uco-core:description': `${e.reason ? `${e.reason} ` : ''}(custody ledger entry ${e.index})`,
        'uco-action:startTime': typed('xsd:dateTime', e.at),
        'uco-action:performer': ref(ids.person(e.actor)),
        'uco-action:object': [ref(previous)],
        'uco-action:result': [ref(result)],
      });
      people.add(e.actor);
      previous = result;
    }
  }
  for (const actor of [...people].sort()) {
    graph.push({ '@id': ids.person(actor), '@type': 'uco-identity:Person', 'uco-core:name': actor });
  }
  return { '@context': CASE_UCO_CONTEXT, '@graph': graph };
}
