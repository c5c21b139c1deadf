import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ParallelDigests } from './parallel-digests.ts';

const MiB = 1024 * 1024;

/** Feeds `data` in pieces of varied sizes, waiting whenever asked to. */
async function digestOf(algorithms: string[], data: Buffer, pieceSizes = [1, 4093, 65536, 3 * MiB + 7, 200_000]): Promise<Record<string, string>> {
  const digests = new ParallelDigests(algorithms);
  let offset = 0;
  for (let i = 0; offset < data.length; i++) {
    const n = Math.min(pieceSizes[i % pieceSizes.length] as number, data.length - offset);
    const piece = Buffer.from(data.subarray(offset, offset + n));
    const wait = digests.update(piece);
    // The caller may reuse its buffer at once: the digests must have taken their copy.
    piece.fill(0xa5);
    if (wait) await wait;
    offset += n;
  }
  assert.equal(digests.bytes, data.length);
  return digests.digest();
}

function expected(algorithms: string[], data: Buffer): Record<string, string> {
  return Object.fromEntries(algorithms.map((a) => [a, createHash(a).update(data).digest('hex')]));
}

describe('ParallelDigests', () => {
  // Around the batch (1 MiB) and the point where workers start (8 MiB).
  const sizes = [0, 1, MiB - 1, MiB, MiB + 1, 8 * MiB - 1, 8 * MiB, 8 * MiB + 1, 37 * MiB + 123];
  const source = randomBytes(38 * MiB);

  for (const size of sizes) {
    it(`equals node:crypto for SHA-256 + SHA-512 over ${size} bytes`, async () => {
      const data = source.subarray(0, size);
      assert.deepEqual(await digestOf(['sha256', 'sha512'], data), expected(['sha256', 'sha512'], data));
    });
  }

  it('computes three digests, two of them on workers, and a single one alone', async () => {
    const data = source.subarray(0, 20 * MiB + 5);
    assert.deepEqual(await digestOf(['sha256', 'md5', 'sha1'], data), expected(['sha256', 'md5', 'sha1'], data));
    assert.deepEqual(await digestOf(['sha512'], data), expected(['sha512'], data));
  });

  it('asks its caller to wait once the workers are behind, and is right after waiting', async () => {
    const digests = new ParallelDigests(['sha256', 'sha512']);
    let waits = 0;
    for (let i = 0; i < 64; i++) {
      const wait = digests.update(source.subarray(i * 512 * 1024, (i + 1) * 512 * 1024));
      if (wait) {
        waits++;
        await wait;
      }
    }
    assert.ok(waits > 0, 'never asked to wait with 32 MiB given at once');
    assert.deepEqual(await digests.digest(), expected(['sha256', 'sha512'], source.subarray(0, 32 * MiB)));
  });

  it('keeps several digests apart when they run at once, and reuses its workers afterwards', async () => {
    const a = source.subarray(0, 17 * MiB);
    const b = source.subarray(MiB, 30 * MiB);
    const [da, db] = await Promise.all([digestOf(['sha256', 'sha512'], a), digestOf(['sha1', 'sha512', 'md5'], b)]);
    assert.deepEqual(da, expected(['sha256', 'sha512'], a));
    assert.deepEqual(db, expected(['sha1', 'sha512', 'md5'], b));
    assert.deepEqual(await digestOf(['sha256', 'sha512'], b), expected(['sha256', 'sha512'], b));
  });

  it('refuses an unknown algorithm at once, and can be aborted midway without harm to the next', async () => {
    assert.throws(() => new ParallelDigests(['sha256', 'no-such-digest']));
    const aborted = new ParallelDigests(['sha256', 'sha512']);
    await aborted.update(source.subarray(0, 12 * MiB));
    aborted.abort();
    assert.throws(() => aborted.update(source.subarray(0, 1)), /finished/);
    await assert.rejects(aborted.digest(), /finished/);
    const data = source.subarray(0, 9 * MiB);
    assert.deepEqual(await digestOf(['sha256', 'sha512'], data), expected(['sha256', 'sha512'], data));
  });
});
