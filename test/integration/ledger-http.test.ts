import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { PROJECT_ROOT } from '../../src/config/config.ts';
import { buildServer } from '../../src/http/server.ts';
import { formatCheckpoint } from '../../src/lib/tlog/checkpoint.ts';
import { inclusionProof, leafHash, memoryHashSource, rootHash } from '../../src/lib/tlog/merkle.ts';
import { generateSignerKey, openNote, signNote } from '../../src/lib/tlog/note.ts';
import { formatTlogProof } from '../../src/lib/tlog/proof-bundle.ts';
import { decodeEntryBundle } from '../../src/lib/tlog/tiles.ts';
import { encodeDisclosureFile, encodeEntry, type LedgerEntry } from '../../src/modules/ledger/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

describe('ledger over HTTP and the CLI', () => {
  let t: TestApp;
  let server: FastifyInstance;
  before(async () => {
    t = await createTestApp();
    await t.app.ledger.append(Array.from({ length: 3 }, (_, i) => ({ type: 'test.event', subjects: ['case:http'], actor: 'tester', data: { i } })));
    await t.app.ledger.publish();
    server = await buildServer(t.app, { logRequests: false });
  });
  after(async () => {
    await server.close();
    await t.cleanup();
  });

  it('serves the signed checkpoint, tiles and entry bundles as tlog-tiles lays them out', async () => {
    const checkpoint = await server.inject('/ledger/checkpoint');
    assert.equal(checkpoint.statusCode, 200);
    assert.ok(openNote(checkpoint.body, [t.app.ledger.vkey()]).signatures.some((s) => s.verified));
    assert.equal(checkpoint.headers['cache-control'], 'no-cache');
    const tile = await server.inject('/ledger/tile/0/000.p/4');
    assert.equal(tile.statusCode, 200);
    assert.equal(tile.rawPayload.length, 4 * 32);
    assert.match(String(tile.headers['cache-control']), /immutable/);
    assert.equal((await server.inject('/ledger/tile/0/000.p/2')).rawPayload.length, 64);
    const entries = await server.inject('/ledger/tile/entries/000.p/4');
    const bundle = decodeEntryBundle(entries.rawPayload);
    assert.equal(bundle.length, 4);
    assert.deepEqual(bundle[3], (await t.app.ledger.entry(3)).bytes);
  });

  it('answers precise problems for malformed tile paths and sizes beyond the tree', async () => {
    for (const path of ['/ledger/tile/0/00', '/ledger/tile/0/000.p/0', '/ledger/tile/0/000.p/256', '/ledger/tile/x/000', '/ledger/tile/0/x000/001']) {
      const res = await server.inject(path);
      assert.equal(res.statusCode, 400, path);
      assert.equal(res.json().code, 'ledger.bad_tile_path', path);
    }
    const beyond = await server.inject('/ledger/tile/0/000');
    assert.equal(beyond.statusCode, 404);
    assert.equal((await server.inject('/ledger/tile/0/000.p/5')).statusCode, 404);
    assert.equal((await server.inject('/ledger/tile/entries/001')).statusCode, 404);
    const proof = await server.inject('/api/v1/ledger/proofs/inclusion?index=99');
    assert.equal(proof.statusCode, 422);
    assert.equal(proof.json().errors[0].code, 'ledger.index_out_of_range');
    assert.equal((await server.inject('/api/v1/ledger/proofs/consistency?from=0&to=2')).statusCode, 422);
    assert.equal((await server.inject('/api/v1/ledger/proofs/consistency?from=3&to=2')).statusCode, 422);
    assert.equal((await server.inject('/api/v1/ledger/entries/abc')).statusCode, 422);
    assert.equal((await server.inject('/api/v1/ledger/entries/999')).statusCode, 404);
  });

  it('describes the log and checks inclusion of an entry', async () => {
    const ledger = (await server.inject('/api/v1/ledger')).json();
    assert.equal(ledger.origin, t.app.ledger.origin);
    assert.equal(ledger.size, 4);
    const entry = (await server.inject('/api/v1/ledger/entries/2')).json();
    assert.equal(entry.leaf.type, 'test.event');
    assert.equal(entry.blinded, true);
    assert.equal(entry.details, null);
    assert.equal(entry.inclusion.verified, true);
    // Which entries name a subject is itself case data: only for those signed in.
    assert.equal((await server.inject('/api/v1/ledger/entries?subject=case:http')).statusCode, 401);
    const bundle = await server.inject('/api/v1/ledger/entries/2/proof-bundle');
    assert.match(bundle.body, /^c2sp\.org\/tlog-proof@v1\n/);
    assert.match(String(bundle.headers['content-disposition']), /custodia-entry-2\.tlog-proof/);
  });

  it('verifies a bundle offline with the CLI, and rejects a forged one or the wrong key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'custodia-proof-'));
    try {
      const cli = (...args: string[]) =>
        spawnSync(process.execPath, [join(PROJECT_ROOT, 'src', 'main.ts'), 'ledger', ...args], {
          encoding: 'utf8',
          env: { ...process.env, CUSTODIA_DATA_DIR: join(dir, 'nowhere'), DATABASE_URL: '' },
        });
      const good = join(dir, 'good.tlog-proof');
      writeFileSync(good, await t.app.ledger.proofBundle(2));
      // The leaf is blinded: without its disclosure only the type and time are known.
      const ok = cli('verify-proof', good, '--vkey', t.app.ledger.vkey(), '--json');
      assert.equal(ok.status, 0, ok.stderr);
      const blinded = JSON.parse(ok.stdout);
      assert.equal(blinded.blinded, true);
      assert.equal(blinded.entry, null);
      assert.equal(blinded.commitment, 'not_checked');
      assert.equal(blinded.leaf.type, 'test.event');
      assert.match(
        cli('verify-proof', good, '--vkey', t.app.ledger.vkey(), '--lang', 'es').stdout,
        /^Válida: la entrada 2 está en [\s\S]*cegada: el registro muestra solo su tipo \(test\.event\)/,
      );
      assert.match(
        cli('verify-proof', good, '--vkey', t.app.ledger.vkey(), '--lang', 'en').stdout,
        /^Valid: entry 2 is in [\s\S]*blinded: the log shows only its type \(test\.event\)/,
      );

      const bundle = await t.app.ledger.proofBundle(2);
      const forgedRoot = bundle.replace(
        /\n(\d+)\n([A-Za-z0-9+/=]{44})\n/,
        (_m, size, root: string) => `\n${size}\n${root.startsWith('A') ? `B${root.slice(1)}` : `A${root.slice(1)}`}\n`,
      );
      writeFileSync(join(dir, 'forged.tlog-proof'), forgedRoot);
      const forged = cli('verify-proof', join(dir, 'forged.tlog-proof'), '--vkey', t.app.ledger.vkey());
      assert.equal(forged.status, 2);
      const wrongKey = cli('verify-proof', good, '--vkey', 'other.example/log+01234567+AXNvbWV0aGluZ3NvbWV0aGluZ3NvbWV0aGluZ3NvbWU=');
      assert.notEqual(wrongKey.status, 0);
      const otherEntry = bundle.replace(/^extra (\S+)$/m, `extra ${Buffer.from('{"type":"x"}').toString('base64')}`);
      writeFileSync(join(dir, 'swapped.tlog-proof'), otherEntry);
      assert.equal(cli('verify-proof', join(dir, 'swapped.tlog-proof'), '--vkey', t.app.ledger.vkey()).status, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens a blinded entry with its disclosure offline, and refuses one that does not open it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'custodia-disclosure-'));
    try {
      const cli = (...args: string[]) =>
        spawnSync(process.execPath, [join(PROJECT_ROOT, 'src', 'main.ts'), 'ledger', 'verify-proof', ...args], {
          encoding: 'utf8',
          env: { ...process.env, CUSTODIA_DATA_DIR: join(dir, 'nowhere'), DATABASE_URL: '' },
        });
      const vkey = t.app.ledger.vkey();
      const bundle = join(dir, 'entry-2.tlog-proof');
      writeFileSync(bundle, await t.app.ledger.proofBundle(2));
      const [two, three] = [await t.app.ledger.entry(2), await t.app.ledger.entry(3)];
      const disclose = (name: string, d: { index: number; salt: Buffer; details: LedgerEntry }) => {
        writeFileSync(join(dir, name), encodeDisclosureFile(d));
        return join(dir, name);
      };
      const good = disclose('2.json', { index: 2, salt: two.salt!, details: two.entry! });

      const ok = cli(bundle, '--vkey', vkey, '--disclosure', good, '--json');
      assert.equal(ok.status, 0, ok.stdout + ok.stderr);
      const opened = JSON.parse(ok.stdout);
      assert.equal(opened.blinded, true);
      assert.equal(opened.commitment, 'verified');
      assert.deepEqual(opened.entry, two.entry);
      assert.equal(opened.entry.data.i, 1);
      const human = cli(bundle, '--vkey', vkey, '--disclosure', good, '--lang', 'en');
      assert.equal(human.status, 0, human.stderr);
      assert.match(human.stdout, /^Commitment ✓/m);
      assert.match(human.stdout, /^Type: test\.event\nTime: \S+\nActor: tester\nSubjects: case:http\nHashes: \{\}\nData: \{"i":1\}$/m);
      assert.doesNotMatch(human.stdout, /blinded/);
      assert.match(cli(bundle, '--vkey', vkey, '--disclosure', good, '--lang', 'es').stdout, /^Compromiso ✓/m);

      // Details changed, another entry's salt, another entry's disclosure: exit 5, ledger.disclosure_mismatch.
      for (const bad of [
        disclose('tampered.json', { index: 2, salt: two.salt!, details: { ...two.entry!, data: { i: 7 } } }),
        disclose('salt.json', { index: 2, salt: three.salt!, details: two.entry! }),
        disclose('3.json', { index: 3, salt: three.salt!, details: three.entry! }),
      ]) {
        const refused = cli(bundle, '--vkey', vkey, '--disclosure', bad, '--json');
        assert.equal(refused.status, 5, bad);
        assert.equal(JSON.parse(refused.stdout).code, 'ledger.disclosure_mismatch', bad);
      }
      writeFileSync(join(dir, 'junk.json'), '{"format":"custodia.ledger-disclosure/v1","index":2}');
      const junk = cli(bundle, '--vkey', vkey, '--disclosure', join(dir, 'junk.json'), '--json');
      assert.equal(junk.status, 2);
      assert.equal(JSON.parse(junk.stdout).code, 'ledger.entry_malformed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('still verifies a legacy leaf (the entry itself, written before blinding)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'custodia-legacy-'));
    try {
      // A log of two legacy entries, signed and proven with the tlog library itself.
      const entries: LedgerEntry[] = [0, 1].map((i) => ({
        type: 'test.event',
        subjects: ['case:legacy'],
        actor: 'tester',
        at: '2025-06-01T10:00:00-05:00',
        hashes: {},
        refs: [],
        data: { i },
      }));
      const leaves = entries.map(encodeEntry);
      const src = memoryHashSource(leaves.map(leafHash));
      const key = generateSignerKey('legacy.test/log');
      const note = signNote(formatCheckpoint({ origin: 'legacy.test/log', size: 2, root: await rootHash(src, 2) }), [key]);
      const bundle = join(dir, 'legacy.tlog-proof');
      writeFileSync(bundle, formatTlogProof({ extra: leaves[1]!, index: 1, proof: await inclusionProof(src, 1, 2), checkpointNote: note }));
      const cli = (...args: string[]) =>
        spawnSync(process.execPath, [join(PROJECT_ROOT, 'src', 'main.ts'), 'ledger', 'verify-proof', bundle, '--vkey', key.vkey, '--json', ...args], {
          encoding: 'utf8',
          env: { ...process.env, CUSTODIA_DATA_DIR: join(dir, 'nowhere'), DATABASE_URL: '' },
        });
      const ok = cli();
      assert.equal(ok.status, 0, ok.stdout + ok.stderr);
      assert.equal(JSON.parse(ok.stdout).blinded, false);
      assert.deepEqual(JSON.parse(ok.stdout).entry, entries[1]);
      // A disclosure is not needed; one given must state the same details.
      const salt = Buffer.alloc(32, 1);
      writeFileSync(join(dir, 'same.json'), encodeDisclosureFile({ index: 1, salt, details: entries[1]! }));
      assert.equal(cli('--disclosure', join(dir, 'same.json')).status, 0);
      writeFileSync(join(dir, 'other.json'), encodeDisclosureFile({ index: 1, salt, details: entries[0]! }));
      const other = cli('--disclosure', join(dir, 'other.json'));
      assert.equal(other.status, 5);
      assert.equal(JSON.parse(other.stdout).code, 'ledger.disclosure_mismatch');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
