// The verifier's check of custody/case-uco.jsonld against the rest of the package. The document is
// read as the writer's compact JSON-LD (the context must be exactly ours, so prefixes cannot be
// re-pointed), and its nodes are found by the IRIs the writer derives (caseUcoIds): each exhibit's
// File must name its payload path and SHA-256, and each custody event must be an action in the
// exhibit's chain of provenance records.
import { isDeepStrictEqual } from 'node:util';
import { CASE_UCO_CONTEXT, caseUcoIds } from './case-uco.ts';
import { CASE_UCO_PATH, type EventsFile } from './layout.ts';
import type { PackageProblem } from './verifier.ts';

type Node = Record<string, unknown>;

const isObject = (v: unknown): v is Node => v !== null && typeof v === 'object' && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const refsOf = (v: unknown): string[] => asArray(v).flatMap((r) => (isObject(r) && typeof r['@id'] === 'string' ? [r['@id']] : []));
const typesOf = (n: Node): string[] => asArray(n['@type']).filter((t): t is string => typeof t === 'string');
const literal = (v: unknown): string | undefined => {
  const [first] = asArray(v);
  if (typeof first === 'string' || typeof first === 'number') return String(first);
  if (isObject(first) && (typeof first['@value'] === 'string' || typeof first['@value'] === 'number')) return String(first['@value']);
  return undefined;
};

/** Every node definition (an object with `@id` and anything else), nested ones included. */
function indexNodes(value: unknown, nodes: Map<string, Node>, duplicates: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) indexNodes(v, nodes, duplicates);
    return;
  }
  if (!isObject(value)) return;
  const id = value['@id'];
  if (typeof id === 'string' && Object.keys(value).some((k) => k !== '@id')) {
    // A second definition of the same IRI would merge into the first when read as RDF.
    if (nodes.has(id)) duplicates.add(id);
    nodes.set(id, value);
  }
  for (const [k, v] of Object.entries(value)) if (k !== '@context') indexNodes(v, nodes, duplicates);
}

export function checkCaseUco(text: string, events: EventsFile, add: (p: PackageProblem) => void): void {
  const problem = (message: string, entry?: number) =>
    add(
      entry === undefined
        ? { code: 'package.case_uco_mismatch', path: CASE_UCO_PATH, message }
        : { code: 'package.case_uco_mismatch', path: CASE_UCO_PATH, entry, message },
    );
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    add({ code: 'package.case_uco_invalid', path: CASE_UCO_PATH, message: `not JSON: ${(err as Error).message}` });
    return;
  }
  if (!isObject(doc) || !Array.isArray(doc['@graph'])) {
    add({ code: 'package.case_uco_invalid', path: CASE_UCO_PATH, message: 'not a JSON-LD document with an @graph' });
    return;
  }
  if (!isDeepStrictEqual(doc['@context'], CASE_UCO_CONTEXT)) {
    add({ code: 'package.case_uco_invalid', path: CASE_UCO_PATH, message: 'the @context is not the CASE/UCO 1.4 context Custodia writes' });
    return;
  }
  const nodes = new Map<string, Node>();
  const duplicates = new Set<string>();
  indexNodes(doc['@graph'], nodes, duplicates);
  for (const id of duplicates) add({ code: 'package.case_uco_invalid', path: CASE_UCO_PATH, message: `node ${id} is defined more than once` });

  const ids = caseUcoIds(events.logOrigin);
  const node = (id: string, type: string): Node | undefined => {
    const n = nodes.get(id);
    return n && typesOf(n).includes(type) ? n : undefined;
  };

  const expectedFiles = new Set(events.items.map((i) => ids.file(i.itemId)));
  const expectedActions = new Set(events.events.map((e) => ids.action(e.index)));
  for (const [id, n] of nodes) {
    if (typesOf(n).includes('uco-observable:File') && !expectedFiles.has(id)) problem(`file ${id} is not an exhibit of the package`);
    if (typesOf(n).includes('case-investigation:InvestigativeAction') && !expectedActions.has(id))
      problem(`action ${id} is not a custody event of the package`);
  }
  const investigation = [...nodes.values()].find((n) => typesOf(n).includes('case-investigation:Investigation'));
  if (!investigation || literal(investigation['uco-core:name']) !== events.case.reference) problem(`no investigation named ${events.case.reference}`);

  for (const item of events.items) {
    const file = node(ids.file(item.itemId), 'uco-observable:File');
    if (!file) {
      problem(`exhibit ${item.exhibit}: no uco-observable:File`);
      continue;
    }
    const facets = refsOf(file['uco-core:hasFacet']).map((id) => nodes.get(id) ?? {});
    const fileFacet = facets.find((f) => typesOf(f).includes('uco-observable:FileFacet'));
    if (literal(fileFacet?.['uco-observable:filePath']) !== item.path) problem(`exhibit ${item.exhibit}: the FileFacet does not give the path ${item.path}`);
    const content = facets.find((f) => typesOf(f).includes('uco-observable:ContentDataFacet'));
    const hashes = refsOf(content?.['uco-observable:hash']).map((id) => nodes.get(id) ?? {});
    const sha256 = hashes.filter((h) => literal(h['uco-types:hashMethod']) === 'SHA256').map((h) => literal(h['uco-types:hashValue'])?.toLowerCase());
    if (sha256.length === 0 || sha256.some((v) => v !== item.sha256))
      problem(`exhibit ${item.exhibit}: the SHA-256 in the graph (${sha256.join(', ') || 'none'}) is not ${item.sha256}`);
    if (literal(content?.['uco-observable:sizeInBytes']) !== String(item.bytes)) problem(`exhibit ${item.exhibit}: the size in the graph is not ${item.bytes}`);

    // The chain: initial record → action → record → action → … in ledger order.
    let previous = ids.initialRecord(item.itemId);
    const checkRecord = (id: string, entry?: number) => {
      const record = node(id, 'case-investigation:ProvenanceRecord');
      if (!record || literal(record['case-investigation:exhibitNumber']) !== item.exhibit || !refsOf(record['uco-core:object']).includes(ids.file(item.itemId)))
        problem(`exhibit ${item.exhibit}: provenance record ${id} is missing or does not name the exhibit and its file`, entry);
    };
    checkRecord(previous);
    for (const e of events.events.filter((ev) => ev.itemId === item.itemId).sort((a, b) => a.index - b.index)) {
      const action = node(ids.action(e.index), 'case-investigation:InvestigativeAction');
      const result = ids.record(item.itemId, e.index);
      if (!action) problem(`exhibit ${item.exhibit}: no investigative action for ledger entry ${e.index}`, e.index);
      else {
        const wrong: string[] = [];
        if (literal(action['uco-core:name']) !== e.event) wrong.push('name');
        if (literal(action['uco-action:startTime']) !== e.at) wrong.push('start time');
        if (!isDeepStrictEqual(refsOf(action['uco-action:object']), [previous])) wrong.push('object (previous provenance record)');
        if (!isDeepStrictEqual(refsOf(action['uco-action:result']), [result])) wrong.push('result (new provenance record)');
        if (wrong.length > 0) problem(`exhibit ${item.exhibit}: the action for ledger entry ${e.index} has another ${wrong.join(', ')}`, e.index);
      }
      checkRecord(result, e.index);
      previous = result;
    }
  }
}
