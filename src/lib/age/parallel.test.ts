import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, describe, it } from 'node:test';
import { decrypt, generateIdentity } from './age.ts';
import { encryptStreamParallel } from './parallel.ts';
import { BLOCK_BYTES, SealingPool } from './sealing-pool.ts';
import { CHUNK_SIZE, StreamEncryptor, sealBlockInPlace, sealedLength } from './stream.ts';

const pool = new SealingPool(2);
after(() => pool.close());

/** Runs `plaintext` through the parallel encryptor in pieces of the given sizes; releases like a store. */
async function encryptInPieces(plaintext: Buffer, recipient: string, pieceSizes: number[], release = true): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let at = 0, i = 0; at < plaintext.length; i++) {
    const n = Math.max(1, pieceSizes[i % pieceSizes.length] as number);
    pieces.push(plaintext.subarray(at, at + n));
    at += n;
  }
  const encryptor = encryptStreamParallel([recipient], pool);
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(pieces),
    encryptor,
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        out.push(Buffer.from(chunk));
        if (release) encryptor.release(chunk);
        done();
      },
    }),
  );
  return Buffer.concat(out);
}

describe('sealing in place', () => {
  it('gives the bytes of the sequential STREAM encryptor, for whole and final blocks', () => {
    const key = randomBytes(32);
    for (const length of [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE, BLOCK_BYTES]) {
      const plaintext = randomBytes(length);
      const sequential = new StreamEncryptor(key);
      const expected = Buffer.concat([...sequential.update(plaintext), ...sequential.final()]);
      const block = Buffer.alloc(sealedLength(length, true));
      plaintext.copy(block);
      assert.equal(sealBlockInPlace(key, 0, true, block, length), expected.length, `length ${length}`);
      assert.ok(block.subarray(0, expected.length).equals(expected), `length ${length}`);
    }
  });

  it('numbers the chunks of a later block from its first counter', () => {
    const key = randomBytes(32);
    const plaintext = randomBytes(5 * CHUNK_SIZE + 7);
    const sequential = new StreamEncryptor(key);
    const expected = Buffer.concat([...sequential.update(plaintext), ...sequential.final()]);
    const first = Buffer.alloc(sealedLength(2 * CHUNK_SIZE, false));
    plaintext.copy(first, 0, 0, 2 * CHUNK_SIZE);
    const second = Buffer.alloc(sealedLength(3 * CHUNK_SIZE + 7, true));
    plaintext.copy(second, 0, 2 * CHUNK_SIZE);
    const a = sealBlockInPlace(key, 0, false, first, 2 * CHUNK_SIZE);
    const b = sealBlockInPlace(key, 2, true, second, 3 * CHUNK_SIZE + 7);
    assert.ok(Buffer.concat([first.subarray(0, a), second.subarray(0, b)]).equals(expected));
  });

  it('refuses a block that is not final and not whole chunks, or has no room for the tags', () => {
    assert.throws(() => sealBlockInPlace(randomBytes(32), 0, false, Buffer.alloc(2 * CHUNK_SIZE), CHUNK_SIZE + 1), RangeError);
    assert.throws(() => sealBlockInPlace(randomBytes(32), 0, true, Buffer.alloc(CHUNK_SIZE), CHUNK_SIZE), RangeError);
  });
});

describe('parallel age encryption', () => {
  const { identity, recipient } = generateIdentity();

  it('writes age files that decrypt to the plaintext, whatever the sizes and the pieces they come in', async () => {
    const sizes = [0, 1, CHUNK_SIZE, CHUNK_SIZE + 1, BLOCK_BYTES - 1, BLOCK_BYTES, BLOCK_BYTES + 1, 3 * BLOCK_BYTES + 12345];
    for (const size of sizes) {
      for (const pieces of [[size || 1], [4096], [CHUNK_SIZE + 3, 17, 300_000]]) {
        const plaintext = randomBytes(size);
        const file = await encryptInPieces(plaintext, recipient, pieces);
        assert.ok(decrypt(file, [identity]).equals(plaintext), `size ${size}, pieces ${pieces.join('+')}`);
      }
    }
  });

  it('reuses the blocks a consumer releases, and works the same when none is released', async () => {
    const plaintext = randomBytes(6 * BLOCK_BYTES + 99);
    assert.ok(decrypt(await encryptInPieces(plaintext, recipient, [BLOCK_BYTES]), [identity]).equals(plaintext));
    assert.ok(decrypt(await encryptInPieces(plaintext, recipient, [BLOCK_BYTES], false), [identity]).equals(plaintext));
  });

  it('a fresh file key each time: the same plaintext never gives the same file', async () => {
    const plaintext = randomBytes(CHUNK_SIZE * 2);
    const a = await encryptInPieces(plaintext, recipient, [CHUNK_SIZE]);
    const b = await encryptInPieces(plaintext, recipient, [CHUNK_SIZE]);
    assert.notDeepEqual(a, b);
  });

  it('fails the stream when a source fails, and the pool still serves the next one', async () => {
    const encryptor = encryptStreamParallel([recipient], pool);
    const failing = new Readable({
      read() {
        this.push(randomBytes(BLOCK_BYTES * 2));
        this.destroy(new Error('disk gone'));
      },
    });
    await assert.rejects(pipeline(failing, encryptor, new Writable({ write: (_c, _e, done) => done() })), /disk gone/);
    const plaintext = randomBytes(BLOCK_BYTES + 5);
    assert.ok(decrypt(await encryptInPieces(plaintext, recipient, [70_000]), [identity]).equals(plaintext));
  });

  it('a job that fails is rejected and its worker goes on; closing fails the jobs in flight and a later job starts a new worker', async () => {
    const own = new SealingPool(1);
    try {
      // A key of the wrong length makes the worker's cipher throw.
      await assert.rejects(own.seal(Buffer.alloc(3), 0, true, own.block(), 10), /key/i);
      const pending = own.seal(randomBytes(32), 0, true, own.block(), BLOCK_BYTES);
      const failed = assert.rejects(pending, /closed/);
      await own.close();
      await failed;
      const plaintext = randomBytes(CHUNK_SIZE + 1);
      const encryptor = encryptStreamParallel([recipient], own);
      const out: Buffer[] = [];
      await pipeline(Readable.from([plaintext]), encryptor, new Writable({ write: (c, _e, done) => (out.push(c), done()) }));
      assert.ok(decrypt(Buffer.concat(out), [identity]).equals(plaintext));
    } finally {
      await own.close();
    }
  });
});
