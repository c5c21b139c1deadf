// The behaviour every BlobStore adapter must show, as node:test suites. Not a test file itself:
// `local.test.ts` and `s3.test.ts` run it against their adapter.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../lib/errors.ts';
import type { BlobStore, ByteRange } from './port.ts';

export interface ContractHarness {
  name: string;
  /** Starts whatever the adapter needs; the store may be shared by all tests (they use distinct keys). */
  setup(): Promise<BlobStore>;
  teardown?(): Promise<void>;
  /** Skip the whole suite with this reason. */
  skip?: string;
  /** A size that takes the adapter's multi-part path (S3: more than two parts). */
  largeBytes: number;
  /** Where the failing source errors: past the first part for S3, so a part is already uploaded. */
  failAfterBytes: number;
  /** When set, `list` order is not checked (only the set of keys), for this reason. */
  listUnordered?: string;
  /** After a failed put of `key`: asserts the adapter left no trace (temporary files, open uploads). */
  assertNoLeftovers(key: string): Promise<void>;
}

/** Streams `data` in chunks of an awkward size, so chunk and part boundaries never line up. */
export function sourceOf(data: Uint8Array, chunkBytes = 65_537): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += chunkBytes) yield Buffer.from(data.subarray(i, i + chunkBytes));
    })(),
    { objectMode: false },
  );
}

/** Gives `bytesBeforeError` random bytes, then fails as a broken upload or disk read would. */
export function failingSource(bytesBeforeError: number, error: Error = new Error('client went away')): Readable {
  return Readable.from(
    (async function* () {
      for (let sent = 0; sent < bytesBeforeError; sent += 65_536) yield randomBytes(Math.min(65_536, bytesBeforeError - sent));
      throw error;
    })(),
    { objectMode: false },
  );
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

export async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

export async function rejectsWithCode(promise: Promise<unknown>, code: string, what = ''): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AppError, `${what}: expected AppError(${code}), got ${String(error)}`);
    assert.equal(error.code, code, `${what}: ${error.message}`);
    return error;
  }
  assert.fail(`${what}: expected AppError(${code}), but it succeeded`);
}

export const INVALID_KEYS: Array<[string, string]> = [
  ['', 'empty'],
  ['/sha256/ab', 'leading slash'],
  ['a/../b', 'dot-dot segment'],
  ['..', 'dot-dot'],
  ['a..b', 'dot-dot inside a segment'],
  ['a//b', 'empty segment'],
  ['a/', 'trailing slash'],
  ['.hidden', 'dot name (reserved for temporary files)'],
  ['uploads/.tmp-123', 'temporary file name'],
  ['a b', 'space'],
  ['a\\b', 'backslash'],
  ['a?b', 'question mark'],
  ['%2e%2e/x', 'percent'],
  ['caf\u00e9', 'non-ASCII'],
  ['a\u0000b', 'NUL'],
  ['x'.repeat(513), 'longer than 512'],
  [`a/${'x'.repeat(256)}`, 'segment longer than 255'],
];

export function blobStoreContract(harness: ContractHarness): void {
  describe(`BlobStore contract: ${harness.name}`, { skip: harness.skip ?? false }, () => {
    let store: BlobStore;
    before(async () => {
      store = await harness.setup();
    });
    after(async () => {
      await harness.teardown?.();
    });

    for (const [label, size] of [
      ['empty', 0],
      ['1 byte', 1],
      ['100 KiB', 100 * 1024],
      ['multi-part', harness.largeBytes],
    ] as const) {
      it(`put/get round trip: ${label} (${size} bytes)`, async () => {
        const key = `roundtrip/${size}`;
        const data = randomBytes(size);
        const progress: number[] = [];
        const result = await store.put(key, sourceOf(data), { onProgress: (n) => progress.push(n), expectedBytes: size });
        assert.deepEqual(result, { key, bytes: size });
        assert.equal((await store.stat(key))?.bytes, size);
        const back = await readAll(await store.get(key));
        assert.equal(back.length, size);
        assert.ok(back.equals(data), 'bytes read back differ');
        if (size > 0) assert.equal(progress.at(-1), size);
        for (let i = 1; i < progress.length; i++) assert.ok(progress[i]! > progress[i - 1]!, 'progress only grows');
      });
    }

    it('ranges are inclusive, clamped to the end, and refused past it', async () => {
      const key = 'ranges/1000';
      const data = randomBytes(1000);
      await store.put(key, sourceOf(data, 77));
      const cases: Array<[ByteRange, number, number]> = [
        [{ start: 0, end: 0 }, 0, 1],
        [{ start: 0, end: 9 }, 0, 10],
        [{ start: 10, end: 19 }, 10, 20],
        [{ start: 990 }, 990, 1000],
        [{ start: 995, end: 5000 }, 995, 1000],
        [{ start: 999, end: 999 }, 999, 1000],
        [{ start: 0 }, 0, 1000],
      ];
      for (const [range, from, to] of cases) {
        const got = await readAll(await store.get(key, range));
        assert.ok(got.equals(data.subarray(from, to)), `range ${JSON.stringify(range)}: got ${got.length} bytes`);
      }
      await rejectsWithCode(store.get(key, { start: 1000 }), 'blob.range_invalid', 'start at size');
      await rejectsWithCode(store.get(key, { start: 5000, end: 6000 }), 'blob.range_invalid', 'start past size');
      await rejectsWithCode(store.get(key, { start: 5, end: 4 }), 'blob.range_invalid', 'end before start');
      await rejectsWithCode(store.get(key, { start: -1 }), 'blob.range_invalid', 'negative start');
      await rejectsWithCode(store.get(key, { start: 1.5 }), 'blob.range_invalid', 'fractional start');

      await store.put('ranges/empty', sourceOf(Buffer.alloc(0)));
      await rejectsWithCode(store.get('ranges/empty', { start: 0 }), 'blob.range_invalid', 'any range of an empty blob');
      assert.equal((await readAll(await store.get('ranges/empty'))).length, 0);
      await rejectsWithCode(store.get('ranges/missing', { start: 0 }), 'blob.not_found', 'range of a missing blob');
    });

    it('ranges across part boundaries of a multi-part blob', async () => {
      const key = 'ranges/large';
      const data = randomBytes(harness.largeBytes);
      await store.put(key, sourceOf(data));
      const mid = Math.floor(harness.largeBytes / 2);
      for (const [from, to] of [
        [mid - 100_000, mid + 100_000],
        [harness.largeBytes - 3, harness.largeBytes - 1],
        [1, harness.largeBytes - 2],
      ] as const) {
        const got = await readAll(await store.get(key, { start: from, end: to }));
        assert.ok(got.equals(data.subarray(from, to + 1)), `range ${from}-${to}`);
      }
    });

    it('stat gives the size, or undefined for a missing key', async () => {
      await store.put('stat/x', sourceOf(Buffer.from('hello')));
      assert.equal((await store.stat('stat/x'))?.bytes, 5);
      const written = await store.stat('stat/x');
      assert.ok(written && Math.abs(written.modifiedAt.getTime() - Date.now()) < 120_000, 'modifiedAt is when it was written');
      assert.equal(await store.stat('stat/missing'), undefined);
      assert.equal(await store.stat('stat'), undefined, 'a prefix of keys is not a blob');
    });

    it('get of a missing key throws blob.not_found', async () => {
      await rejectsWithCode(store.get('missing/nothing-here'), 'blob.not_found');
    });

    it('delete removes the blob and is idempotent', async () => {
      await store.put('delete/x', sourceOf(Buffer.from('bye')));
      await store.delete('delete/x');
      assert.equal(await store.stat('delete/x'), undefined);
      await rejectsWithCode(store.get('delete/x'), 'blob.not_found');
      await store.delete('delete/x');
      await store.delete('delete/never-existed');
    });

    it('overwrite: put on an existing key replaces it whole', async () => {
      await store.put('overwrite/x', sourceOf(Buffer.from('first version, longer')));
      await store.put('overwrite/x', sourceOf(Buffer.from('second')));
      assert.equal((await readAll(await store.get('overwrite/x'))).toString(), 'second');
      assert.equal((await store.stat('overwrite/x'))?.bytes, 6);
    });

    it('invalid keys are refused by every operation, and the source is released', async () => {
      for (const [key, why] of INVALID_KEYS) {
        const source = sourceOf(Buffer.from('x'));
        await rejectsWithCode(store.put(key, source), 'blob.key_invalid', `put ${why}`);
        assert.ok(source.destroyed, `put ${why}: source destroyed`);
        await rejectsWithCode(store.get(key), 'blob.key_invalid', `get ${why}`);
        await rejectsWithCode(store.stat(key), 'blob.key_invalid', `stat ${why}`);
        await rejectsWithCode(store.delete(key), 'blob.key_invalid', `delete ${why}`);
      }
      const longest = `${'a'.repeat(255)}/${'b'.repeat(254)}/c`;
      assert.equal(longest.length, 512);
      await store.put(longest, sourceOf(Buffer.from('ok')));
      assert.equal((await store.stat(longest))?.bytes, 2, '512 characters is allowed');
      await store.put('sha256/ab/cd/abcdef0123_x-y.z', sourceOf(Buffer.from('ok')));
    });

    it('a source that fails midway leaves nothing under the key', async () => {
      const key = 'failing-new/x';
      const error = await rejectsWithCode(store.put(key, failingSource(harness.failAfterBytes)), 'blob.write_failed');
      assert.equal(error.params['stage'], 'source');
      assert.equal(await store.stat(key), undefined);
      await rejectsWithCode(store.get(key), 'blob.not_found');
      if (store.list) assert.deepEqual(await collect(store.list('failing-new/')), []);
      await harness.assertNoLeftovers(key);
    });

    it('a source that fails while overwriting leaves the old blob intact', async () => {
      const key = 'failing/existing';
      await store.put(key, sourceOf(Buffer.from('the original')));
      await rejectsWithCode(store.put(key, failingSource(harness.failAfterBytes)), 'blob.write_failed');
      assert.equal((await readAll(await store.get(key))).toString(), 'the original');
      await harness.assertNoLeftovers(key);
    });

    it("a source's own AppError comes through unchanged, and nothing is stored", async () => {
      const key = 'failing/apperror';
      const mine = new AppError('evidence.fixity_mismatch', { message: 'hash mismatch' });
      const error = await rejectsWithCode(store.put(key, failingSource(1000, mine)), 'evidence.fixity_mismatch');
      assert.equal(error.message, 'hash mismatch');
      assert.equal(await store.stat(key), undefined);
      await harness.assertNoLeftovers(key);
    });

    it('release: each chunk is handed back once, only when the store is done with it (a producer may then overwrite it)', async () => {
      const data = randomBytes(harness.largeBytes);
      const chunks: Buffer[] = [];
      for (let at = 0; at < data.length; at += 1024 * 1024) chunks.push(Buffer.from(data.subarray(at, at + 1024 * 1024)));
      const released = new Set<Uint8Array>();
      const result = await store.put('release/large', Readable.from(chunks), {
        release(chunk) {
          assert.ok(!released.has(chunk), 'released twice');
          released.add(chunk);
          // What a producer reusing its memory does: whatever the store still needed would be lost.
          chunk.fill(0);
        },
      });
      assert.equal(result.bytes, data.length);
      assert.ok((await readAll(await store.get('release/large'))).equals(data), 'a chunk was released before the store was done with it');
      for (const chunk of released) assert.ok(chunks.includes(chunk as Buffer), 'only chunks of the source are released');
    });

    it('expectedBytes: a shorter or longer source is refused and nothing is stored', async () => {
      await rejectsWithCode(store.put('size/short', sourceOf(randomBytes(10)), { expectedBytes: 11 }), 'blob.size_mismatch', 'short');
      await rejectsWithCode(store.put('size/long', sourceOf(randomBytes(12)), { expectedBytes: 11 }), 'blob.size_mismatch', 'long');
      await rejectsWithCode(
        store.put('size/long-large', sourceOf(randomBytes(harness.failAfterBytes)), { expectedBytes: harness.failAfterBytes - 1 }),
        'blob.size_mismatch',
        'long, multi-part',
      );
      for (const key of ['size/short', 'size/long', 'size/long-large']) {
        assert.equal(await store.stat(key), undefined, key);
        await harness.assertNoLeftovers(key);
      }
    });

    it(`list yields the keys under a prefix${harness.listUnordered ? ` (order not checked: ${harness.listUnordered})` : ', in ascending order'}`, async (t) => {
      if (!store.list) return t.skip('this adapter has no list');
      for (const key of ['list/b/c', 'list/a', 'list/bb', 'list/b-d', 'list/b/a/z', 'listing/other']) {
        await store.put(key, sourceOf(Buffer.from(key)));
      }
      const list = async (prefix: string) => {
        const keys = await collect(store.list!(prefix));
        return harness.listUnordered ? keys.sort() : keys;
      };
      assert.deepEqual(await list('list/'), ['list/a', 'list/b-d', 'list/b/a/z', 'list/b/c', 'list/bb']);
      assert.deepEqual(await list('list/b'), ['list/b-d', 'list/b/a/z', 'list/b/c', 'list/bb']);
      assert.deepEqual(await list('list/b/'), ['list/b/a/z', 'list/b/c']);
      assert.deepEqual(await list('list'), ['list/a', 'list/b-d', 'list/b/a/z', 'list/b/c', 'list/bb', 'listing/other']);
      assert.deepEqual(await list('nothing/'), []);
      await rejectsWithCode(collect(store.list('../')), 'blob.key_invalid');
    });
  });
}
