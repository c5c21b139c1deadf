import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../lib/canonical-json.ts';
import { prng } from '../../lib/tlog/testing-prng.ts';
import { decodeEntry, encodeEntry, LedgerEntry, parseEntry } from './entry.ts';

const base = {
  type: 'evidence.accessed',
  subjects: ['case:2026-1', 'exhibit:7'],
  actor: 'officer@example.pe',
  at: '2026-11-24T16:12:34.539-05:00',
  hashes: { content: `sha256:${'ab'.repeat(32)}` },
  refs: [3],
  data: { reason: 'análisis «forense»', n: 1.5, sealed: true, note: null },
};

describe('ledger entries', () => {
  it('encode exactly as RFC 8785 canonical JSON', () => {
    const entry = LedgerEntry.parse(base);
    assert.equal(encodeEntry(entry).toString('utf8'), canonicalJson(entry));
    const unicode = LedgerEntry.parse({ ...base, data: { é: 'x', z: 'y', A: '\u2028', '😀': 1e21 } });
    assert.equal(encodeEntry(unicode).toString('utf8'), canonicalJson(unicode));
  });

  it('refuse bytes that are not the canonical form of a valid entry', () => {
    const bytes = encodeEntry(LedgerEntry.parse(base));
    assert.deepEqual(decodeEntry(bytes), LedgerEntry.parse(base));
    assert.throws(() => decodeEntry(Buffer.from(bytes.toString('utf8').replace('{"actor"', '{ "actor"'))), /canonical/);
    assert.throws(() => decodeEntry(Buffer.from('{"type":"x"}')), /schema/);
    assert.throws(() => decodeEntry(Buffer.from('not json')), /not JSON/);
  });

  it('the fast validator accepts and rejects exactly what the schema does', () => {
    const random = prng(7);
    const mutations: Array<(e: Record<string, unknown>) => void> = [
      (e) => (e.type = 'Evidence'),
      (e) => (e.type = 'evidence'),
      (e) => (e.subjects = []),
      (e) => (e.subjects = ['']),
      (e) => (e.subjects = ['x'.repeat(201)]),
      (e) => (e.actor = ''),
      (e) => (e.at = '2026-11-24 16:12'),
      (e) => (e.at = '2026-11-24T16:12:34'),
      (e) => (e.hashes = { content: 'md5:abc' }),
      (e) => (e.hashes = { 'Bad Name': `sha256:${'0'.repeat(64)}` }),
      (e) => (e.refs = [-1]),
      (e) => (e.refs = [1.5]),
      (e) => (e.data = { n: Number.NaN }),
      (e) => (e.data = { deep: { x: 1 } }),
      (e) => (e.data = { s: 'x'.repeat(2001) }),
      (e) => (e.extra = 1),
      (e) => delete e.actor,
      (e) => delete e.hashes,
      (e) => delete e.refs,
      (e) => (e.data = { ['k'.repeat(61)]: 1 }),
      () => undefined,
    ];
    for (let i = 0; i < 500; i++) {
      const candidate: Record<string, unknown> = structuredClone(base);
      for (let m = 0; m < 1 + random.int(2); m++) mutations[random.int(mutations.length)]?.(candidate);
      const fast = parseEntry(structuredClone(candidate)).success;
      const schema = LedgerEntry.safeParse(structuredClone(candidate)).success;
      assert.equal(fast, schema, JSON.stringify(candidate).slice(0, 300));
    }
  });
});
