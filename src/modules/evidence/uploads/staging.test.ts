import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createCipheriv, randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decrypt, generateIdentity } from '../../../lib/age/age.ts';
import { CHUNK_SIZE, ENCRYPTED_CHUNK_SIZE } from '../../../lib/age/stream.ts';
import { createStaging, openStaging, PAYLOAD_FILE, type StagingShape } from './staging.ts';

/** Deterministic content: byte p of the file is the AES-CTR keystream at p, so any slice is computable alone. */
const CONTENT_KEY = Buffer.alloc(16, 7);
function content(offset: number, n: number): Buffer {
  const skip = offset % 16;
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(Math.floor(offset / 16), 12);
  const cipher = createCipheriv('aes-128-ctr', CONTENT_KEY, iv);
  return cipher.update(Buffer.alloc(n + skip)).subarray(skip);
}

/** Child mode (for the SIGKILL test): append forever in random pieces, committing or discarding, until killed. */
async function runChild(): Promise<void> {
  const [dir, uploadId, keyHex, lengthText] = process.argv.slice(process.argv.indexOf('--staging-child') + 1);
  const shape: StagingShape = { dir: dir as string, uploadId: uploadId as string, length: Number(lengthText) };
  const fileKey = Buffer.from(keyHex as string, 'hex');
  process.send?.('ready');
  for (;;) {
    const staging = await openStaging(shape, fileKey);
    if (staging.state.complete) return;
    const appender = await staging.append();
    let at = staging.state.offset;
    const pieces = randomInt(1, 6);
    for (let i = 0; i < pieces && at < shape.length; i++) {
      const n = Math.min(shape.length - at, randomInt(1, 3 * CHUNK_SIZE));
      await appender.write(content(at, n));
      at += n;
    }
    if (randomInt(4) === 0) await appender.discard();
    else await appender.commit();
    await appender.close();
  }
}

if (process.argv.includes('--staging-child')) {
  await runChild();
} else {
  describe('encrypted resumable staging', () => {
    const root = mkdtempSync(join(tmpdir(), 'custodia-staging-'));
    const vault = generateIdentity();
    after(() => rmSync(root, { recursive: true, force: true }));

    let n = 0;
    async function fresh(length: number): Promise<{ shape: StagingShape; fileKey: Buffer }> {
      const uploadId = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
      const shape = { dir: join(root, uploadId), uploadId, length };
      return { shape, fileKey: await createStaging(shape, [vault.recipient]) };
    }

    /** One PATCH: opens from disk, checks the offset, appends `n` bytes in random pieces, commits. */
    async function patch(shape: StagingShape, fileKey: Buffer, n: number): Promise<number> {
      const staging = await openStaging(shape, fileKey);
      let at = staging.state.offset;
      const appender = await staging.append();
      try {
        const end = at + n;
        while (at < end) {
          const piece = Math.min(end - at, randomInt(1, 200_000));
          await appender.write(content(at, piece));
          at += piece;
        }
        return (await appender.commit()).offset;
      } finally {
        await appender.close();
      }
    }

    async function finish(shape: StagingShape, fileKey: Buffer): Promise<void> {
      const staging = await openStaging(shape, fileKey);
      await patch(shape, fileKey, shape.length - staging.state.offset);
      const done = await openStaging(shape, fileKey);
      assert.deepEqual(done.state, { offset: shape.length, complete: true });
    }

    const payload = (shape: StagingShape) => readFileSync(join(shape.dir, PAYLOAD_FILE));

    it('stages random PATCH splits as an age file that decrypts to the original, here and with age(1)', async () => {
      for (const length of [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE, 5 * CHUNK_SIZE + 12_345, 1_000_003]) {
        const { shape, fileKey } = await fresh(length);
        assert.equal((await openStaging(shape, fileKey)).state.offset, 0);
        let offset = 0;
        while (offset < length) offset = await patch(shape, fileKey, Math.min(length - offset, randomInt(1, 300_000)));
        if (length === 0) await patch(shape, fileKey, 0);
        const staging = await openStaging(shape, fileKey);
        assert.deepEqual(staging.state, { offset: length, complete: true }, `length ${length}`);
        const file = payload(shape);
        assert.equal(file.length, staging.fileBytes);
        assert.ok(decrypt(file, [vault.identity]).equals(content(0, length)), `length ${length}`);
        // The streamed file is what the vault will read.
        const streamed: Buffer[] = [];
        for await (const part of staging.openFile()) streamed.push(part as Buffer);
        assert.ok(Buffer.concat(streamed).equals(file));
      }
    });

    it('is readable by the reference age implementation', { skip: !existsSync('/usr/bin/age') && 'age(1) is not installed' }, async () => {
      const length = 4 * CHUNK_SIZE + 777;
      const { shape, fileKey } = await fresh(length);
      for (const n of [100, CHUNK_SIZE, 2 * CHUNK_SIZE + 5]) await patch(shape, fileKey, n);
      await finish(shape, fileKey);
      const keyFile = join(root, 'vault.key');
      writeFileSync(keyFile, `${vault.identity}\n`, { mode: 0o600 });
      const result = spawnSync('/usr/bin/age', ['-d', '-i', keyFile, join(shape.dir, PAYLOAD_FILE)], { maxBuffer: 64 * 1024 * 1024 });
      assert.equal(result.status, 0, String(result.stderr));
      assert.ok(result.stdout.equals(content(0, length)));
    });

    it('never writes plaintext to disk, not even the acknowledged partial chunk', async () => {
      const marker = Buffer.from('PLAINTEXT-MARKER-'.repeat(4000));
      const { shape, fileKey } = await fresh(marker.length + 10);
      const staging = await openStaging(shape, fileKey);
      const appender = await staging.append();
      await appender.write(marker.subarray(0, CHUNK_SIZE + 500));
      await appender.commit();
      await appender.close();
      for (const name of ['payload.age', 'tail.bin']) assert.equal(readFileSync(join(shape.dir, name)).includes(Buffer.from('PLAINTEXT-MARKER')), false, name);
    });

    it('forgets bytes never committed (a crash or a checksum mismatch) and resumes to the right file', async () => {
      const length = 6 * CHUNK_SIZE + 99;
      const { shape, fileKey } = await fresh(length);
      const committed = await patch(shape, fileKey, 2 * CHUNK_SIZE + 1000);
      // A PATCH that wrote whole chunks and died (or was discarded) before its commit.
      const staging = await openStaging(shape, fileKey);
      const appender = await staging.append();
      await appender.write(randomBytes(3 * CHUNK_SIZE));
      await appender.discard();
      await appender.close();
      assert.equal((await openStaging(shape, fileKey)).state.offset, committed);
      await finish(shape, fileKey);
      assert.ok(decrypt(payload(shape), [vault.identity]).equals(content(0, length)));
    });

    it('recomputes the offset when payload.age lost committed bytes (torn chunk, stale tail)', async () => {
      const length = 8 * CHUNK_SIZE + 4321;
      const { shape, fileKey } = await fresh(length);
      assert.equal(await patch(shape, fileKey, 5 * CHUNK_SIZE + 300), 5 * CHUNK_SIZE + 300);
      const prefix = payload(shape).length - 5 * ENCRYPTED_CHUNK_SIZE;
      // Torn in the middle of chunk 3: chunks 0–2 survive, the tail (of chunk 5) is stale.
      truncateSync(join(shape.dir, PAYLOAD_FILE), prefix + 3 * ENCRYPTED_CHUNK_SIZE + 1234);
      assert.equal((await openStaging(shape, fileKey)).state.offset, 3 * CHUNK_SIZE);
      // The record still names five chunks; appending must not let new chunks pass for them.
      const staging = await openStaging(shape, fileKey);
      const appender = await staging.append();
      await appender.write(randomBytes(4 * CHUNK_SIZE));
      await appender.discard();
      await appender.close();
      assert.equal((await openStaging(shape, fileKey)).state.offset, 3 * CHUNK_SIZE);
      await finish(shape, fileKey);
      assert.ok(decrypt(payload(shape), [vault.identity]).equals(content(0, length)));
    });

    it('steps back past a committed chunk that does not authenticate, and restarts on a damaged commit record', async () => {
      const length = 4 * CHUNK_SIZE;
      const { shape, fileKey } = await fresh(length);
      await patch(shape, fileKey, 3 * CHUNK_SIZE + 10);
      const file = payload(shape);
      const prefix = file.length - 3 * ENCRYPTED_CHUNK_SIZE;
      file[prefix + 2 * ENCRYPTED_CHUNK_SIZE + 5]! ^= 1;
      writeFileSync(join(shape.dir, PAYLOAD_FILE), file);
      assert.equal((await openStaging(shape, fileKey)).state.offset, 2 * CHUNK_SIZE);

      const tail = readFileSync(join(shape.dir, 'tail.bin'));
      tail[tail.length - 1]! ^= 1;
      writeFileSync(join(shape.dir, 'tail.bin'), tail);
      assert.equal((await openStaging(shape, fileKey)).state.offset, 0);
      await finish(shape, fileKey);
      assert.ok(decrypt(payload(shape), [vault.identity]).equals(content(0, length)));
    });

    it('refuses a staging directory sealed under another key', async () => {
      const { shape } = await fresh(10);
      await assert.rejects(openStaging(shape, randomBytes(16)), { code: 'upload.staging_damaged' });
    });

    it('survives SIGKILL at any moment: every restart finds a consistent offset and the file completes intact', async () => {
      const length = 40 * CHUNK_SIZE + 4321;
      const { shape, fileKey } = await fresh(length);
      const self = fileURLToPath(import.meta.url);
      let lastOffset = 0;
      for (let round = 0; round < 6; round++) {
        const child = spawn(process.execPath, [self, '--staging-child', shape.dir, shape.uploadId, fileKey.toString('hex'), String(length)], {
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        });
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        await Promise.race([new Promise<void>((resolve) => child.once('message', () => resolve())), exited]);
        // Let it write for a random while, then kill it wherever it is.
        await new Promise((resolve) => setTimeout(resolve, randomInt(5, 60)));
        child.kill('SIGKILL');
        await exited;
        const { state } = await openStaging(shape, fileKey);
        assert.ok(state.offset >= 0 && state.offset <= length);
        lastOffset = state.offset;
        if (state.complete) break;
      }
      assert.ok(lastOffset <= length);
      await finish(shape, fileKey);
      assert.ok(decrypt(payload(shape), [vault.identity]).equals(content(0, length)));
    });
  });
}
