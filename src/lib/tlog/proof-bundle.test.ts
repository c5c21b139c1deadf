import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { formatCheckpoint } from './checkpoint.ts';
import { cosign } from './cosignature.ts';
import { inclusionProof, leafHash, memoryHashSource, rootHash, TlogError } from './merkle.ts';
import { generateCosignerKey, generateSignerKey, signNote } from './note.ts';
import { formatTlogProof, parseTlogProof, verifyTlogProof } from './proof-bundle.ts';

const code = (c: string) => (e: unknown) => e instanceof TlogError && e.code === c;
const sha = (s: string) => createHash('sha256').update(s).digest();

describe('tlog-proof@v1 format', () => {
  it('marshals like transparency-dev/formats proof (golden cases)', () => {
    const [h1, h2] = [sha('hash1'), sha('hash2')];
    assert.equal(
      formatTlogProof({ index: 5, proof: [h1, h2], checkpointNote: 'test checkpoint\n' }),
      `c2sp.org/tlog-proof@v1\nindex 5\n${h1.toString('base64')}\n${h2.toString('base64')}\n\ntest checkpoint\n`,
    );
    const extra = Buffer.from('extra information');
    assert.equal(
      formatTlogProof({ extra, index: 10, proof: [h1], checkpointNote: 'checkpoint data\n' }),
      `c2sp.org/tlog-proof@v1\nextra ${extra.toString('base64')}\nindex 10\n${h1.toString('base64')}\n\ncheckpoint data\n`,
    );
    assert.equal(formatTlogProof({ index: 0, proof: [], checkpointNote: 'checkpoint\n' }), 'c2sp.org/tlog-proof@v1\nindex 0\n\ncheckpoint\n');
  });

  it('round-trips', () => {
    for (const p of [
      { index: 123, proof: [sha('a'), sha('b')], checkpointNote: 'some checkpoint\n' },
      { extra: Buffer.from('some extra data'), index: 456, proof: [sha('c')], checkpointNote: 'another checkpoint\n' },
      { index: 789, proof: [], checkpointNote: 'checkpoint\n' },
    ]) {
      assert.deepEqual(parseTlogProof(formatTlogProof(p)), p);
    }
  });

  it('rejects malformed proofs (transparency-dev error cases and more)', () => {
    const h = sha('x').toString('base64');
    for (const t of [
      'wrong-header\nindex 0\n\ncheckpoint\n',
      'c2sp.org/tlog-proof@v1\nextra !!notbase64!!\nindex 0\n\ncheckpoint\n',
      'c2sp.org/tlog-proof@v1\n\n\ncheckpoint\n',
      'c2sp.org/tlog-proof@v1\nindex notanumber\n\ncheckpoint\n',
      'c2sp.org/tlog-proof@v1\nindex -5\n\ncheckpoint\n',
      'c2sp.org/tlog-proof@v1\nindex 05\n\ncheckpoint\n',
      'c2sp.org/tlog-proof@v1\nindex 0\n!!notbase64!!\n\ncheckpoint\n',
      `c2sp.org/tlog-proof@v1\nindex 0\n${Buffer.alloc(64).toString('base64')}\n\ncheckpoint\n`,
      `c2sp.org/tlog-proof@v1\nindex 0\n${'a'.repeat(65 * 1024)}\n`,
      `c2sp.org/tlog-proof@v1\nindex 0\n${h}\ncheckpoint\n`,
      `c2sp.org/tlog-proof@v1\nindex 0\n${h}\n\n\ncheckpoint\n`,
      `c2sp.org/tlog-proof@v1\nindex 0\n${h}\n\n`,
      'c2sp.org/tlog-proof@v1\nextra \nindex 0\n\ncheckpoint\n',
      'c2sp.org/tlog-proof@v1\nindex 0\nextra AAAA\n\ncheckpoint\n',
      `c2sp.org/tlog-proof@v1\nindex 0\n${`${h}\n`.repeat(64)}\ncheckpoint\n`,
      'c2sp.org/tlog-proof@v2\nindex 0\n\ncheckpoint\n',
    ]) {
      assert.throws(() => parseTlogProof(t), code('tlog.proof_malformed'), JSON.stringify(t.slice(0, 120)));
    }
  });
});

describe('tlog-proof@v1 verification', async () => {
  const entries = Array.from({ length: 300 }, (_, i) => Buffer.from(`evidence item ${i}`));
  const src = memoryHashSource(entries.map(leafHash));
  const root = await rootHash(src, entries.length);
  const log = generateSignerKey('custodia.example/log');
  const w1 = generateCosignerKey('witness1.example');
  const w2 = generateCosignerKey('witness2.example');
  const stranger = generateCosignerKey('witness3.example');
  const body = formatCheckpoint({ origin: 'custodia.example/log', size: entries.length, root });
  const note = signNote(body, [log]) + cosign(body, 1_750_000_000, w1) + cosign(body, 1_750_000_001, w2) + cosign(body, 1_750_000_002, stranger);
  const proofFor = async (index: number, checkpointNote = note) =>
    formatTlogProof({ extra: Buffer.from('ctx'), index, proof: await inclusionProof(src, index, entries.length), checkpointNote });

  it('verifies the log signature, the inclusion and the given witnesses', async () => {
    const text = await proofFor(137);
    const r = verifyTlogProof(text, { entry: entries[137] }, log.vkey, [w1.vkey, w2.vkey], { origin: 'custodia.example/log' });
    assert.equal(r.index, 137);
    assert.equal(r.size, 300);
    assert.equal(r.origin, 'custodia.example/log');
    assert.deepEqual(r.root, root);
    assert.deepEqual(r.cosigners, ['witness1.example', 'witness2.example']);
    assert.deepEqual(r.cosignatures, [
      { name: 'witness1.example', timestamp: 1_750_000_000 },
      { name: 'witness2.example', timestamp: 1_750_000_001 },
    ]);
    assert.deepEqual(r.extra, Buffer.from('ctx'));
    assert.deepEqual(verifyTlogProof(text, { leafHash: leafHash(entries[137]!) }, log.vkey).cosigners, []);
  });

  it('rejects wrong entries, indices, keys, origins and tampered checkpoints', async () => {
    const text = await proofFor(137);
    assert.throws(() => verifyTlogProof(text, { entry: entries[138] }, log.vkey), code('tlog.proof_invalid'));
    assert.throws(() => verifyTlogProof(text.replace('index 137', 'index 138'), { entry: entries[137] }, log.vkey), code('tlog.proof_invalid'));
    assert.throws(() => verifyTlogProof(text, { entry: entries[137], leafHash: leafHash(entries[1]!) }, log.vkey), code('tlog.proof_invalid'));
    assert.throws(() => verifyTlogProof(text, {}, log.vkey), TlogError);
    const otherLog = generateSignerKey('custodia.example/log');
    assert.throws(() => verifyTlogProof(text, { entry: entries[137] }, otherLog.vkey), code('tlog.no_verified_signature'));
    // Only witnesses sign: still no log signature.
    const cosOnly = `${body}\n${cosign(body, 1, w1)}`;
    const cosOnlyProof = await proofFor(1, cosOnly);
    assert.throws(() => verifyTlogProof(cosOnlyProof, { entry: entries[1] }, log.vkey, [w1.vkey]), code('tlog.no_verified_signature'));
    assert.throws(() => verifyTlogProof(text, { entry: entries[137] }, log.vkey, [], { origin: 'other' }), code('tlog.origin_mismatch'));
    assert.throws(() => verifyTlogProof(text.replace('\n300\n', '\n301\n'), { entry: entries[137] }, log.vkey), code('tlog.signature_invalid'));
    assert.throws(() => verifyTlogProof(text, { entry: entries[137] }, w1.vkey), code('tlog.bad_key'));
    assert.throws(() => verifyTlogProof(text, { entry: entries[137] }, log.vkey, [log.vkey]), code('tlog.bad_key'));
    // A bad cosignature from a configured witness rejects the proof.
    const badCos = cosign(formatCheckpoint({ origin: 'custodia.example/log', size: 299, root }), 9, w1);
    const forged = formatTlogProof({ index: 3, proof: await inclusionProof(src, 3, 300), checkpointNote: signNote(body, [log]) + badCos });
    assert.throws(() => verifyTlogProof(forged, { entry: entries[3] }, log.vkey, [w1.vkey]), code('tlog.signature_invalid'));
    assert.equal(verifyTlogProof(forged, { entry: entries[3] }, log.vkey).cosigners.length, 0);
  });

  it('verifies every index of the tree', async () => {
    for (let i = 0; i < entries.length; i += 13) verifyTlogProof(await proofFor(i), { entry: entries[i] }, log.vkey, [w1.vkey]);
  });
});
