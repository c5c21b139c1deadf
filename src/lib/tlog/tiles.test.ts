import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import { inclusionProof, leafHash, memoryHashSource, rootHash, TlogError, verifyInclusion } from './merkle.ts';
import {
  buildTile,
  decodeEntryBundle,
  encodeEntryBundle,
  entriesPath,
  nodeFromTile,
  parseTilePath,
  TILE_HEIGHT,
  TILE_WIDTH,
  tileCoordinates,
  tileHashSource,
  tilePath,
  tileWidth,
} from './tiles.ts';

const isBadPath = (e: unknown) => e instanceof TlogError && e.code === 'tlog.bad_tile_path';

describe('tiles: paths', () => {
  it('formats paths as in the spec and sumdb tests', () => {
    assert.equal(TILE_HEIGHT, 8);
    assert.equal(TILE_WIDTH, 256);
    assert.equal(tilePath(0, 1234067), 'tile/0/x001/x234/067');
    assert.equal(tilePath(0, 1234067, 8), 'tile/0/x001/x234/067.p/8');
    assert.equal(tilePath(3, 123456078), 'tile/3/x123/x456/078');
    assert.equal(tilePath(3, 123456078, 2), 'tile/3/x123/x456/078.p/2');
    assert.equal(tilePath(1, 3057500, 256), 'tile/1/x003/x057/500');
    assert.equal(tilePath(4, 1), 'tile/4/001');
    assert.equal(tilePath(0, 0), 'tile/0/000');
    assert.equal(tilePath(0, 1000), 'tile/0/x001/000');
    assert.equal(entriesPath(1234067), 'tile/entries/x001/x234/067');
    assert.equal(entriesPath(0, 5), 'tile/entries/000.p/5');
    assert.equal(tilePath(63, Number.MAX_SAFE_INTEGER), 'tile/63/x009/x007/x199/x254/x740/991');
    assert.throws(() => tilePath(64, 0), TlogError);
    assert.throws(() => tilePath(0, -1), TlogError);
    assert.throws(() => tilePath(0, 0, 0), TlogError);
    assert.throws(() => tilePath(0, 0, 257), TlogError);
  });

  it('round-trips through parseTilePath', () => {
    const cases: Array<[string, ReturnType<typeof parseTilePath>]> = [
      ['tile/3/x123/x456/078', { kind: 'hash', level: 3, index: 123456078, width: 256 }],
      ['tile/3/x123/x456/078.p/2', { kind: 'hash', level: 3, index: 123456078, width: 2 }],
      ['tile/1/x003/x057/500', { kind: 'hash', level: 1, index: 3057500, width: 256 }],
      ['tile/0/001.p/255', { kind: 'hash', level: 0, index: 1, width: 255 }],
      ['tile/63/000', { kind: 'hash', level: 63, index: 0, width: 256 }],
      ['tile/entries/x003/x057/500', { kind: 'entries', level: 0, index: 3057500, width: 256 }],
      ['tile/entries/000.p/1', { kind: 'entries', level: 0, index: 0, width: 1 }],
    ];
    for (const [path, want] of cases) {
      assert.deepEqual(parseTilePath(path), want, path);
      const back = want.kind === 'entries' ? entriesPath(want.index, want.width) : tilePath(want.level, want.index, want.width);
      assert.equal(back, path);
    }
    for (let i = 0; i < 2000; i += 7) {
      const idx = i * 999_983;
      assert.equal(parseTilePath(tilePath(i % 64, idx, (i % 256) + 1)).index, idx);
    }
  });

  it('rejects malformed paths', () => {
    const bad = [
      'tile/3/123/456/078', // groups without x
      'tile/3/-1/123/456/078',
      'tile/3/5/x123/x456/078', // sumdb form with a height element
      'tile/3/x123/x456/x078', // last group with x
      'tile/3/x123/456', // middle without x... last ok, first x: valid? no: 'x123/456' is canonical for 123456
      'tile/3/x000/001', // non-canonical zero group
      'tile/3/1', // not 3 digits
      'tile/3/0001',
      'tile/03/001', // leading zero level
      'tile/64/001', // level above 63
      'tile/-1/001',
      'tile/3/001.p/0', // width 0
      'tile/3/001.p/256', // full width written as partial
      'tile/3/001.p/300',
      'tile/3/001.p/08', // leading zero width
      'tile/3/001.p/',
      'tile/3/001.p',
      '/tile/3/001', // leading slash
      'tile/3/001/', // trailing slash
      'tile/entries/x001', // missing last group
      'tile/entries/001.p/256',
      'tile/data/001',
      'tile/3/',
      'tile/',
      '',
      'tile/3/x009/x007/x199/x254/x740/992', // beyond 2^53-1
      'tile/3/00a',
      'tile/3/ 001',
    ];
    for (const p of bad.filter((p) => p !== 'tile/3/x123/456')) assert.throws(() => parseTilePath(p), isBadPath, p);
    assert.deepEqual(parseTilePath('tile/3/x123/456'), { kind: 'hash', level: 3, index: 123456, width: 256 });
  });
});

describe('tiles: entry bundles', () => {
  it('encodes big-endian uint16 length prefixes and round-trips', () => {
    const entries = [Buffer.from(''), Buffer.from('a'), Buffer.alloc(300, 7), Buffer.alloc(65535, 1)];
    const b = encodeEntryBundle(entries);
    assert.deepEqual(b.subarray(0, 5), Buffer.from([0, 0, 0, 1, 0x61]));
    assert.deepEqual(b.subarray(5, 7), Buffer.from([0x01, 0x2c]));
    assert.deepEqual(decodeEntryBundle(b), entries);
    assert.deepEqual(decodeEntryBundle(Buffer.alloc(0)), []);
  });

  it('rejects truncated or oversized bundles', () => {
    const isBad = (e: unknown) => e instanceof TlogError && e.code === 'tlog.bad_bundle';
    assert.throws(() => decodeEntryBundle(Buffer.from([0])), isBad);
    assert.throws(() => decodeEntryBundle(Buffer.from([0, 2, 1])), isBad);
    assert.throws(() => decodeEntryBundle(Buffer.alloc(257 * 2)), isBad);
    assert.equal(decodeEntryBundle(Buffer.alloc(256 * 2)).length, 256);
    assert.throws(() => encodeEntryBundle([Buffer.alloc(65536)]), TlogError);
    assert.throws(() => encodeEntryBundle(Array.from({ length: 257 }, () => Buffer.alloc(0))), TlogError);
  });
});

describe('tiles: geometry', () => {
  it('computes tile widths as in the spec examples', () => {
    const s = 70_000;
    assert.equal(tileWidth(0, 272, s), 256);
    assert.equal(tileWidth(0, 273, s), 112);
    assert.equal(tileWidth(0, 274, s), 0);
    assert.equal(tileWidth(1, 0, s), 256);
    assert.equal(tileWidth(1, 1, s), 17);
    assert.equal(tileWidth(2, 0, s), 1);
    assert.equal(tileWidth(3, 0, s), 0);
    assert.equal(tileWidth(0, 0, 256), 256);
    assert.equal(tileWidth(1, 0, 256), 1);
    assert.equal(tileWidth(0, 1, 256), 0);
  });

  it('locates nodes in tiles', () => {
    assert.deepEqual(tileCoordinates(0, 1234), { tileLevel: 0, tileIndex: 4, subHeight: 0, start: 210, count: 1 });
    assert.deepEqual(tileCoordinates(3, 37), { tileLevel: 0, tileIndex: 1, subHeight: 3, start: 40, count: 8 });
    assert.deepEqual(tileCoordinates(8, 5), { tileLevel: 1, tileIndex: 0, subHeight: 0, start: 5, count: 1 });
    assert.deepEqual(tileCoordinates(15, 3), { tileLevel: 1, tileIndex: 1, subHeight: 7, start: 128, count: 128 });
  });

  it('serves the same roots and proofs from tiles as from the hashes', async () => {
    const size = 70_000;
    const hs = Array.from({ length: size }, (_, i) => leafHash(Buffer.from(`e${i}`)));
    const mem = memoryHashSource(hs);
    const store = new Map<string, Buffer>();
    for (let level = 0; level < 3; level++) {
      for (let index = 0; ; index++) {
        const w = tileWidth(level, index, size);
        if (w === 0) break;
        store.set(tilePath(level, index, w), await buildTile(mem, level, index, w));
      }
    }
    assert.equal(store.size, 274 + 2 + 1);
    assert.equal(store.get('tile/0/273.p/112')!.length, 112 * 32);
    const reads: string[] = [];
    const src = tileHashSource(size, async (level, index, width) => {
      const p = tilePath(level, index, width);
      reads.push(p);
      const t = store.get(p);
      if (!t) throw new Error(`missing ${p}`);
      return t;
    });
    const root = await rootHash(mem, size);
    assert.deepEqual(await rootHash(src, size), root);
    for (const index of [0, 255, 256, 65535, 65536, 69_999]) {
      const proof = await inclusionProof(src, index, size);
      assert.deepEqual(proof, await inclusionProof(mem, index, size));
      verifyInclusion(hs[index]!, index, size, proof, root);
    }
    assert.equal(new Set(reads).size, reads.length, 'each tile read once');
    assert.deepEqual(nodeFromTile(store.get('tile/0/000')!, tileCoordinates(7, 1)), await mem.node(7, 1));
    await assert.rejects(src.node(0, size), TlogError);
  });
});
