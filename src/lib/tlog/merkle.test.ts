import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  CompactRange,
  consistencyProof,
  decompose,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  memoryHashSource,
  nodeHash,
  rootHash,
  subtreeHash,
  TlogError,
  verifyConsistency,
  verifyInclusion,
} from './merkle.ts';
import { prng } from './testing-prng.ts';

const VECTORS = join(import.meta.dirname, '../../../test/vectors/merkle');

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...jsonFiles(p));
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

const b64 = (s: string): Buffer => Buffer.from(s, 'base64');

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => e instanceof TlogError && e.code === code);
}

function leaves(n: number, seed = 1): Buffer[] {
  const r = prng(seed);
  return Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`entry ${i} ${r.int(1e9)}`)));
}

function flipBit(b: Uint8Array, bit: number): Buffer {
  const c = Buffer.from(b);
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
}

describe('merkle: transparency-dev vectors', () => {
  it('runs every inclusion vector and honours wantErr', () => {
    const files = jsonFiles(join(VECTORS, 'inclusion'));
    assert.ok(files.length > 50);
    let ok = 0;
    let rejected = 0;
    for (const f of files) {
      const v = JSON.parse(readFileSync(f, 'utf8'));
      const run = () => verifyInclusion(b64(v.leafHash), v.leafIdx, v.treeSize, (v.proof ?? []).map(b64), b64(v.root));
      if (v.wantErr) {
        assert.throws(run, (e: unknown) => e instanceof TlogError && e.code === 'tlog.proof_invalid', f);
        rejected++;
      } else {
        assert.doesNotThrow(run, f);
        ok++;
      }
    }
    assert.equal(ok + rejected, files.length);
    assert.ok(ok >= 5 && rejected >= 40);
  });

  it('runs every consistency vector and honours wantErr (size 0 rejected, even 0 → 0)', () => {
    const files = jsonFiles(join(VECTORS, 'consistency'));
    let ok = 0;
    for (const f of files) {
      const v = JSON.parse(readFileSync(f, 'utf8'));
      const run = () => verifyConsistency(v.size1, v.size2, (v.proof ?? []).map(b64), b64(v.root1), b64(v.root2));
      if (v.wantErr) assert.throws(run, (e: unknown) => e instanceof TlogError && e.code === 'tlog.proof_invalid', f);
      else {
        assert.doesNotThrow(run, f);
        ok++;
      }
    }
    assert.ok(ok >= 5);
  });

  it('covers all 196 vector files', () => {
    assert.equal(jsonFiles(join(VECTORS, 'inclusion')).length + jsonFiles(join(VECTORS, 'consistency')).length, 196);
  });

  it('reproduces the RFC 6962 eight-leaf roots for sizes 0..8 (rootHash and CompactRange)', async () => {
    const v = JSON.parse(readFileSync(join(VECTORS, 'rfc6962-eight-leaves.json'), 'utf8'));
    const hashes = (v.leafInputs as string[]).map((h) => leafHash(Buffer.from(h, 'hex')));
    assert.deepEqual(
      hashes.map((h) => h.toString('hex')),
      v.leafHashes,
    );
    const src = memoryHashSource(hashes);
    const cr = CompactRange.empty();
    for (let n = 0; n <= 8; n++) {
      assert.equal((await rootHash(src, n)).toString('hex'), v.rootHashes[n], `rootHash(${n})`);
      assert.equal(cr.root().toString('hex'), v.rootHashes[n], `CompactRange(${n})`);
      assert.equal((await CompactRange.load(src, n)).root().toString('hex'), v.rootHashes[n]);
      if (n < 8) cr.append(hashes[n]!);
    }
    assert.equal(EMPTY_ROOT.toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('merkle: proofs (seeded property tests)', () => {
  const r = prng(20260717);
  const sizes = [1, 2, 3, 7, 8, 9, 255, 256, 257, 511, 512, 513, 1023, 1024, 1025, 2000];
  for (let i = 0; i < 30; i++) sizes.push(1 + r.int(2000));

  it('every sampled inclusion and consistency proof verifies; any flipped bit fails', async () => {
    let checked = 0;
    for (const size of sizes) {
      const hs = leaves(size, size);
      const src = memoryHashSource(hs);
      const root = await rootHash(src, size);
      for (let s = 0; s < 4; s++) {
        const index = s === 0 ? size - 1 : r.int(size);
        const proof = await inclusionProof(src, index, size);
        verifyInclusion(hs[index]!, index, size, proof, root);
        const bits = () => (s === 0 && size < 300 ? Array.from({ length: 256 }, (_, b) => b) : [r.int(256), r.int(256), r.int(256)]);
        for (let k = 0; k < proof.length; k++) {
          for (const bit of bits()) {
            const bad = proof.slice();
            bad[k] = flipBit(proof[k]!, bit);
            throwsCode(() => verifyInclusion(hs[index]!, index, size, bad, root), 'tlog.proof_invalid');
          }
        }
        for (const bit of bits()) {
          throwsCode(() => verifyInclusion(flipBit(hs[index]!, bit), index, size, proof, root), 'tlog.proof_invalid');
          throwsCode(() => verifyInclusion(hs[index]!, index, size, proof, flipBit(root, bit)), 'tlog.proof_invalid');
        }
        throwsCode(() => verifyInclusion(hs[index]!, index, size, [...proof, root], root), 'tlog.proof_invalid');
        if (proof.length > 0) throwsCode(() => verifyInclusion(hs[index]!, index, size, proof.slice(1), root), 'tlog.proof_invalid');
        throwsCode(() => verifyInclusion(hs[index]!, size, size, proof, root), 'tlog.proof_invalid');
        checked++;

        const size1 = s === 0 ? 1 : 1 + r.int(size);
        const root1 = await rootHash(src, size1);
        const cproof = await consistencyProof(src, size1, size);
        verifyConsistency(size1, size, cproof, root1, root);
        for (let k = 0; k < cproof.length; k++) {
          for (const bit of bits()) {
            const bad = cproof.slice();
            bad[k] = flipBit(cproof[k]!, bit);
            throwsCode(() => verifyConsistency(size1, size, bad, root1, root), 'tlog.proof_invalid');
          }
        }
        for (const bit of bits()) {
          throwsCode(() => verifyConsistency(size1, size, cproof, flipBit(root1, bit), root), 'tlog.proof_invalid');
          throwsCode(() => verifyConsistency(size1, size, cproof, root1, flipBit(root, bit)), 'tlog.proof_invalid');
        }
        if (cproof.length > 0) throwsCode(() => verifyConsistency(size1, size, cproof.slice(0, -1), root1, root), 'tlog.proof_invalid');
        checked++;
      }
    }
    assert.ok(checked >= sizes.length * 8);
  });

  it('proves around the 65536 boundary', async () => {
    const hs = leaves(65540, 7);
    const src = memoryHashSource(hs);
    for (const size of [65535, 65536, 65537, 65540]) {
      const root = await rootHash(src, size);
      assert.deepEqual(root, (await CompactRange.load(src, size)).root());
      for (const index of [0, 255, 256, 65534, size - 1]) verifyInclusion(hs[index]!, index, size, await inclusionProof(src, index, size), root);
      for (const size1 of [1, 256, 65535, 65536, size]) {
        if (size1 > size) continue;
        verifyConsistency(size1, size, await consistencyProof(src, size1, size), await rootHash(src, size1), root);
      }
    }
  });

  it('rejects bad ranges with tlog.invalid_range', async () => {
    const src = memoryHashSource(leaves(10));
    await assert.rejects(inclusionProof(src, 10, 10), (e: unknown) => e instanceof TlogError && e.code === 'tlog.invalid_range');
    await assert.rejects(inclusionProof(src, -1, 10), (e: unknown) => e instanceof TlogError && e.code === 'tlog.invalid_range');
    await assert.rejects(consistencyProof(src, 0, 10), (e: unknown) => e instanceof TlogError && e.code === 'tlog.invalid_range');
    await assert.rejects(consistencyProof(src, 5, 4), (e: unknown) => e instanceof TlogError && e.code === 'tlog.invalid_range');
    await assert.rejects(consistencyProof(src, 1.5, 4), (e: unknown) => e instanceof TlogError && e.code === 'tlog.invalid_range');
    assert.deepEqual(await consistencyProof(src, 10, 10), []);
    await assert.rejects(subtreeHash(src, 1, 3), (e: unknown) => e instanceof TlogError && e.code === 'tlog.invalid_range');
    assert.deepEqual(await subtreeHash(src, 2, 4), nodeHash((await src.node(0, 2))!, (await src.node(0, 3))!));
  });

  it('rejects hashes that are not 32 bytes and size-0 consistency', () => {
    const h = leafHash(Buffer.from('x'));
    throwsCode(() => verifyInclusion(h.subarray(0, 31), 0, 1, [], h), 'tlog.proof_invalid');
    throwsCode(() => verifyInclusion(h, 0, 1, [], Buffer.concat([h, Buffer.alloc(1)])), 'tlog.proof_invalid');
    throwsCode(() => verifyConsistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT), 'tlog.proof_invalid');
    verifyConsistency(1, 1, [], h, h);
    throwsCode(() => verifyConsistency(1, 1, [h], h, h), 'tlog.proof_invalid');
  });
});

describe('merkle: CompactRange', () => {
  it('matches rootHash at every size up to 4100 and reports completed subtrees', async () => {
    const hs = leaves(4100, 3);
    const src = memoryHashSource(hs);
    const cr = CompactRange.empty();
    for (let n = 0; n <= hs.length; n++) {
      assert.deepEqual(cr.root(), await rootHash(src, n), `size ${n}`);
      assert.equal(cr.size, n);
      assert.equal(cr.hashes().length, decompose(n).length);
      if (n % 97 === 0) {
        const loaded = await CompactRange.load(src, n);
        assert.deepEqual(loaded.hashes(), cr.hashes());
        assert.deepEqual(CompactRange.fromHashes(n, cr.hashes()).root(), cr.root());
      }
      if (n < hs.length) {
        for (const c of cr.append(hs[n]!)) assert.deepEqual(c.hash, await src.node(c.level, c.index));
      }
    }
  });

  it('validates its inputs', () => {
    const h = leafHash(Buffer.from('x'));
    assert.throws(() => CompactRange.fromHashes(3, [h]), TlogError);
    assert.throws(() => CompactRange.fromHashes(1, [h.subarray(1)]), TlogError);
    assert.throws(() => CompactRange.empty().append(h.subarray(1)), TlogError);
    const cr = CompactRange.fromHashes(1, [h]);
    const clone = cr.clone();
    cr.append(h);
    assert.equal(clone.size, 1);
    assert.deepEqual(cr.root(), nodeHash(h, h));
    assert.deepEqual(decompose(13), [3, 2, 0]);
  });
});
