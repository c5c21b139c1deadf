import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BatchedWriter } from './batched-writer.ts';

describe('BatchedWriter', () => {
  it('writes exactly the bytes given, in order, whatever the piece and batch sizes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batched-'));
    try {
      const data = randomBytes(3 * 65536 + 4321);
      for (const batchBytes of [1000, 65536, 1 << 20]) {
        for (const pieceBytes of [1, 777, 65536, data.length]) {
          const path = join(dir, `${batchBytes}-${pieceBytes}`);
          const fh = await open(path, 'wx');
          const out = new BatchedWriter(fh, { batchBytes: batchBytes });
          for (let at = 0; at < data.length; at += pieceBytes) {
            const piece = Buffer.from(data.subarray(at, at + pieceBytes));
            await out.write(piece);
            // The writer keeps its own copy: the caller's buffer is free at once.
            piece.fill(0);
          }
          await out.end();
          await fh.close();
          assert.ok((await readFile(path)).equals(data), `batch ${batchBytes}, pieces ${pieceBytes}`);
        }
      }
      const empty = join(dir, 'empty');
      const fh = await open(empty, 'wx');
      await new BatchedWriter(fh).end();
      await fh.close();
      assert.equal((await readFile(empty)).length, 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('raises a failed write from end(), and settled() waits without raising', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batched-'));
    try {
      const path = join(dir, 'read-only');
      await (await open(path, 'wx')).close();
      const fh = await open(path, 'r');
      const out = new BatchedWriter(fh, { batchBytes: 16 });
      await out.write(Buffer.alloc(20));
      await assert.rejects(out.end(), { code: 'EBADF' });
      await out.settled();
      await fh.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
