import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { decryptStream, encrypt, generateIdentity } from '../../lib/age/age.ts';
import { LocalBlobStore } from '../../storage/blobs/local.ts';
import { ingest, ingestEncrypted, ingestFile } from './ingest.ts';

const MIB = 1024 * 1024;

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** A source of `total` deterministic bytes in odd-sized pieces. */
function source(total: number, seed = 1): { stream: Readable; bytes: Buffer } {
  const bytes = Buffer.alloc(total);
  for (let i = 0; i < total; i++) bytes[i] = (i * 31 + seed) & 0xff;
  const pieces: Buffer[] = [];
  for (let at = 0, n = 1; at < total; at += n, n = (n * 7 + 3) % 100_003) pieces.push(bytes.subarray(at, Math.min(total, at + n)));
  return { stream: Readable.from(pieces), bytes };
}

describe('evidence ingest: one pass of hashing, age encryption and storage', () => {
  let root: string;
  let store: LocalBlobStore;
  const vault = generateIdentity();

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'custodia-ingest-'));
    store = new LocalBlobStore({ root });
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('gives the digests of the plaintext and stores only ciphertext that the vault key opens', async () => {
    const { stream, bytes } = source(3 * MIB + 17);
    const progress: number[] = [];
    const result = await ingest(stream, {
      store,
      recipients: [vault.recipient],
      blobKey: 'items/one',
      digests: { md5: true, sha1: true },
      onProgress: (n) => progress.push(n),
    });
    assert.equal(result.bytes, bytes.length);
    assert.equal(result.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(result.md5, createHash('md5').update(bytes).digest('hex'));
    assert.equal(result.sha1, createHash('sha1').update(bytes).digest('hex'));
    assert.equal(progress.at(-1), bytes.length);
    const stored = await readAll(await store.get('items/one'));
    assert.equal(stored.length, result.storedBytes);
    assert.ok(stored.subarray(0, 21).equals(Buffer.from('age-encryption.org/v1')), 'an age v1 file');
    assert.equal(stored.indexOf(bytes.subarray(1000, 1064)), -1, 'no plaintext at rest');
    const opened = await readAll((await store.get('items/one')).pipe(decryptStream([vault.identity])));
    assert.ok(opened.equals(bytes));
  });

  it('computes MD5 and SHA-1 only when asked', async () => {
    const result = await ingest(Readable.from([randomBytes(1000)]), { store, recipients: [vault.recipient], blobKey: 'items/two' });
    assert.equal(result.md5, undefined);
    assert.equal(result.sha1, undefined);
  });

  it('stores nothing when the source fails midway', async () => {
    let sent = 0;
    const failing = new Readable({
      read() {
        sent += 1;
        if (sent === 20) this.destroy(new Error('device unplugged'));
        else if (sent < 20) this.push(Buffer.alloc(64 * 1024, 1));
      },
    });
    await assert.rejects(ingest(failing, { store, recipients: [vault.recipient], blobKey: 'items/broken' }), /device unplugged|blob\./);
    assert.equal(await store.stat('items/broken'), undefined);
  });

  it('takes a staged age file byte for byte, decrypting it to hash it unless its digests are known', async () => {
    const { bytes } = source(3 * MIB + 5, 7);
    const file = encrypt(bytes, [vault.recipient]);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const hashed = await ingestEncrypted(Readable.from([file]), { store, identities: [vault.identity], blobKey: 'staged/hashed', expectedBytes: bytes.length });
    assert.equal(hashed.sha256, sha256);
    // Known digests are what the channel computed as it sealed the bytes: taken as they are, the
    // file copied without a decryption pass (here a put; a file on this disk is moved in).
    const known = { sha256: 'a'.repeat(64) };
    const copied = await ingestEncrypted(Readable.from([file]), { store, identities: [], blobKey: 'staged/known', expectedBytes: bytes.length, known });
    assert.equal(copied.sha256, known.sha256);
    assert.ok((await readAll(await store.get('staged/known'))).equals(file));
    const path = join(root, 'staged.age');
    await writeFile(path, file);
    const moved = await ingestEncrypted(createReadStream(path), { store, identities: [], blobKey: 'staged/moved', expectedBytes: bytes.length, known, path });
    assert.deepEqual([moved.sha256, moved.storedBytes], [known.sha256, file.length]);
    assert.ok((await readAll(await store.get('staged/moved'))).equals(file));
    // Without them, a file the vault key does not open stores nothing.
    await assert.rejects(
      ingestEncrypted(Readable.from([encrypt(bytes, [generateIdentity().recipient])]), {
        store,
        identities: [vault.identity],
        blobKey: 'staged/foreign',
        expectedBytes: bytes.length,
      }),
      { code: 'age.no_identity_matched' },
    );
    assert.equal(await store.stat('staged/foreign'), undefined);
  });

  it('reads a file on disk straight into the sealing blocks: the same digests and age file, whatever its size', async () => {
    for (const size of [0, 1, 64 * 1024, MIB - 1, MIB, MIB + 1, 3 * MIB, 3 * MIB + 12_345]) {
      const { bytes } = source(size, size % 251);
      const path = join(root, `file-${size}.bin`);
      await writeFile(path, bytes);
      const progress: number[] = [];
      const result = await ingestFile(path, {
        store,
        recipients: [vault.recipient],
        blobKey: `files/${size}`,
        digests: { sha1: true },
        onProgress: (n) => progress.push(n),
      });
      assert.equal(result.bytes, size);
      assert.equal(result.sha256, createHash('sha256').update(bytes).digest('hex'), `size ${size}`);
      assert.equal(result.sha1, createHash('sha1').update(bytes).digest('hex'));
      assert.equal(result.md5, undefined);
      assert.equal(progress.at(-1), size);
      const stored = await readAll(await store.get(`files/${size}`));
      assert.equal(stored.length, result.storedBytes);
      assert.ok((await readAll(Readable.from([stored]).pipe(decryptStream([vault.identity])))).equals(bytes), `size ${size}`);
    }
  });

  it('stores nothing from a file when the store refuses, and names a file that is not there', async () => {
    const path = join(root, 'refused.bin');
    await writeFile(path, randomBytes(2 * MIB));
    await assert.rejects(ingestFile(path, { store, recipients: [vault.recipient], blobKey: '../escape' }), { code: 'blob.key_invalid' });
    await assert.rejects(ingestFile(join(root, 'missing.bin'), { store, recipients: [vault.recipient], blobKey: 'files/missing' }), { code: 'ENOENT' });
    assert.equal(await store.stat('files/missing'), undefined);
  });
});
