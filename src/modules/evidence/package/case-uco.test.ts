import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import jsonld from 'jsonld';
import { buildCaseUco } from './case-uco.ts';
import { makeFixture, tempDir } from './testing.ts';
import { writeEvidencePackage } from './writer.ts';

const CI = 'https://ontology.caseontology.org/case/investigation/';
const ACTION = 'https://ontology.unifiedcyberontology.org/uco/action/';
const CORE = 'https://ontology.unifiedcyberontology.org/uco/core/';
const OBS = 'https://ontology.unifiedcyberontology.org/uco/observable/';
const TYPES = 'https://ontology.unifiedcyberontology.org/uco/types/';
const IDENTITY = 'https://ontology.unifiedcyberontology.org/uco/identity/';
const VOCAB = 'https://ontology.unifiedcyberontology.org/uco/vocabulary/';
const XSD = 'http://www.w3.org/2001/XMLSchema#';
const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';

interface Triple {
  s: string;
  p: string;
  o: string;
}

// One N-Quads statement in the default graph: subject, predicate, object (IRI, blank node or literal).
const QUAD = /^(<[^>]*>|_:\S+) <([^>]*)> (<[^>]*>|_:\S+|"(?:[^"\\]|\\.)*"(?:\^\^<[^>]*>|@[\w-]+)?) \.$/;

/** The graph as RDF, read without any network access: a remote context would fail the test. */
async function triples(doc: object): Promise<Triple[]> {
  const nquads = await jsonld.toRDF(doc, {
    format: 'application/n-quads',
    documentLoader: async (url) => {
      throw new Error(`network access refused: ${url}`);
    },
  });
  return nquads
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const m = QUAD.exec(line);
      assert.ok(m, `not an N-Quads triple: ${line}`);
      return { s: m[1]!, p: m[2]!, o: m[3]! };
    });
}

const iri = (s: string) => `<${s}>`;
const lit = (value: string, type: string) => `"${value}"^^<${type}>`;

function graphOf(all: Triple[]) {
  const objects = (s: string, p: string) => all.filter((t) => t.s === s && t.p === p).map((t) => t.o);
  const one = (s: string, p: string) => {
    const os = objects(s, p);
    assert.equal(os.length, 1, `${s} ${p}: ${JSON.stringify(os)}`);
    return os[0]!;
  };
  const ofType = (type: string) => all.filter((t) => t.p === RDF_TYPE && t.o === iri(type)).map((t) => t.s);
  return { objects, one, ofType };
}

describe('CASE/UCO JSON-LD', () => {
  it('reads as RDF with the investigation, files, hashes, provenance records and the custody chain', async (t) => {
    const root = await tempDir(t);
    const fx = await makeFixture();
    const dir = join(root, 'pkg');
    await writeEvidencePackage(dir, fx.input);
    const doc = JSON.parse(await readFile(join(dir, 'custody/case-uco.jsonld'), 'utf8'));
    assert.equal(typeof doc['@context'], 'object', 'the context is inline');
    const g = graphOf(await triples(doc));
    const [itemA, itemB] = fx.input.items.map((s) => s.item) as [(typeof fx.input.items)[0]['item'], (typeof fx.input.items)[0]['item']];

    // Node counts by type.
    const counts = Object.fromEntries(
      [
        `${CI}Investigation`,
        `${OBS}File`,
        `${OBS}FileFacet`,
        `${OBS}ContentDataFacet`,
        `${TYPES}Hash`,
        `${CI}ProvenanceRecord`,
        `${CI}InvestigativeAction`,
        `${IDENTITY}Person`,
      ].map((type) => [type.split('/').at(-1), g.ofType(type).length]),
    );
    assert.deepEqual(counts, {
      Investigation: 1,
      File: 2,
      FileFacet: 2,
      ContentDataFacet: 2,
      Hash: 4,
      ProvenanceRecord: 2 + 5,
      InvestigativeAction: 5,
      Person: 3,
    });
    for (const s of [...g.ofType(`${OBS}File`), ...g.ofType(`${CI}InvestigativeAction`)])
      assert.match(s, /^<http:\/\/custodia\.local\/kb\/[a-z-]+-[0-9a-f-]{36}>$/);

    // The investigation lists both files.
    const [investigation] = g.ofType(`${CI}Investigation`);
    assert.equal(g.one(investigation!, `${CORE}name`), '"CASO-2026-001"');
    const files = g.objects(investigation!, `${CORE}object`).sort();
    assert.deepEqual(files, g.ofType(`${OBS}File`).sort());

    // Each file's facets: name, path, size and typed hashes.
    const fileByPath = new Map<string, string>();
    for (const file of files) {
      const facets = g.objects(file, `${CORE}hasFacet`);
      const fileFacet = facets.find((f) => g.objects(f, RDF_TYPE).includes(iri(`${OBS}FileFacet`)))!;
      fileByPath.set(g.one(fileFacet, `${OBS}filePath`), file);
    }
    const hashesOf = (file: string) => {
      const content = g.objects(file, `${CORE}hasFacet`).find((f) => g.objects(f, RDF_TYPE).includes(iri(`${OBS}ContentDataFacet`)))!;
      return {
        size: g.one(content, `${OBS}sizeInBytes`),
        hashes: Object.fromEntries(g.objects(content, `${OBS}hash`).map((h) => [g.one(h, `${TYPES}hashMethod`), g.one(h, `${TYPES}hashValue`)])),
      };
    };
    const fileA = fileByPath.get('"data/EXH-1/disk image.dd"')!;
    const fileB = fileByPath.get('"data/PE_2026_002/PE_2026_002.bin"')!;
    assert.ok(fileA && fileB);
    const method = (m: string) => lit(m, `${VOCAB}HashNameVocab`);
    const hex = (v: string) => lit(v, `${XSD}hexBinary`);
    assert.deepEqual(hashesOf(fileA), { size: lit(String(itemA.bytes), `${XSD}integer`), hashes: { [method('SHA256')]: hex(itemA.sha256) } });
    assert.deepEqual(hashesOf(fileB), {
      size: lit(String(itemB.bytes), `${XSD}integer`),
      hashes: { [method('SHA256')]: hex(itemB.sha256), [method('MD5')]: hex(itemB.md5!), [method('SHA1')]: hex(itemB.sha1!) },
    });
    const fileFacetB = g.objects(fileB, `${CORE}hasFacet`).find((f) => g.objects(f, RDF_TYPE).includes(iri(`${OBS}FileFacet`)))!;
    assert.equal(g.one(fileFacetB, `${OBS}fileName`), '"PE_2026_002.bin"');

    // Provenance records: every one names an exhibit number and its file.
    const records = g.ofType(`${CI}ProvenanceRecord`);
    const exhibitOf = (r: string) => g.one(r, `${CI}exhibitNumber`);
    assert.deepEqual(records.map(exhibitOf).sort(), [...Array(4).fill('"EXH-1"'), ...Array(3).fill('"PE:2026/002"')].sort());
    for (const r of records) assert.deepEqual(g.objects(r, `${CORE}object`), [exhibitOf(r) === '"EXH-1"' ? fileA : fileB]);

    // The chain per exhibit, in time order: each action takes the previous record and gives the next.
    const actions = g.ofType(`${CI}InvestigativeAction`);
    const results = new Set(actions.map((a) => g.one(a, `${ACTION}result`)));
    const chainOf = (exhibit: string) => {
      const start = records.find((r) => exhibitOf(r) === exhibit && !results.has(r))!;
      const chain: string[] = [];
      let current = start;
      for (;;) {
        const next = actions.find((a) => g.one(a, `${ACTION}object`) === current);
        if (!next) break;
        chain.push(next);
        current = g.one(next, `${ACTION}result`);
        assert.equal(exhibitOf(current), exhibit);
      }
      return chain;
    };
    const describeAction = (a: string) => [
      g.one(a, `${CORE}name`),
      g.one(a, `${ACTION}startTime`),
      g.one(g.one(a, `${ACTION}performer`), `${CORE}name`),
      g.one(a, `${CORE}description`),
    ];
    const dt = (v: string) => lit(v, `${XSD}dateTime`);
    assert.deepEqual(chainOf('"EXH-1"').map(describeAction), [
      ['"acquired"', dt('2026-03-01T09:15:00-05:00'), '"user-ana"', '"seized under order 2026-17 (custody ledger entry 2)"'],
      ['"received"', dt('2026-03-02T08:00:00-05:00'), '"user-luis"', '"received at the lab (custody ledger entry 5)"'],
      ['"transferred"', dt('2026-03-03T12:30:00-05:00'), '"user-luis"', '"to the prosecutor (custody ledger entry 7)"'],
    ]);
    assert.deepEqual(chainOf('"PE:2026/002"').map(describeAction), [
      ['"acquired"', dt('2026-03-01T11:00:00-05:00'), '"user-ana"', '"provider production (custody ledger entry 4)"'],
      ['"analysed"', dt('2026-03-04T16:45:00-05:00'), '"user-maria"', '"(custody ledger entry 8)"'],
    ]);
    for (const a of actions) assert.deepEqual(g.objects(g.one(a, `${ACTION}performer`), RDF_TYPE), [iri(`${IDENTITY}Person`)]);
  });

  it('gives the same graph for the same history', async () => {
    const fx = await makeFixture();
    const input = {
      logOrigin: fx.input.logOrigin,
      case: fx.input.case,
      items: fx.input.items.map(({ item }) => ({ ...item, path: `data/${item.exhibit}/x` })),
      events: [{ index: 2, itemId: 'item-a', event: 'acquired', at: '2026-03-01T09:15:00-05:00', actor: 'user-ana', reason: '' }],
    };
    assert.deepEqual(buildCaseUco(input), buildCaseUco(structuredClone(input)));
    assert.throws(() => buildCaseUco({ ...input, events: [{ ...input.events[0]!, itemId: 'nope' }] }), /unknown item/);
  });
});
