import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { isAppError } from '../errors.ts';
import { decrypt, encrypt, generateIdentity } from './age.ts';
import { openParallel } from './parallel-open.ts';
import { CHUNK_SIZE, ENCRYPTED_CHUNK_SIZE } from './stream.ts';

const own = generateIdentity();

function piecesOf(file: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < file.length; at += size) out.push(file.subarray(at, at + size));
  return out;
}

async function openAll(file: Buffer, pieceSize: number, identities = [own.identity]): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const plaintext of openParallel(Readable.from(piecesOf(file, pieceSize)), identities)) out.push(Buffer.from(plaintext));
  return Buffer.concat(out);
}

function payloadStart(file: Buffer): number {
  // The header ends with the MAC line; the 16-byte payload nonce follows it.
  return file.indexOf('\n', file.indexOf('\n---') + 1) + 1 + 16;
}

describe('openParallel: an age file opened on the worker pool', () => {
  const source = randomBytes(3 * 1024 * 1024 + 12_345);
  // Around a chunk (64 KiB) and a block (16 chunks), and a final chunk that is exactly full.
  const sizes = [0, 1, CHUNK_SIZE, CHUNK_SIZE + 1, 16 * CHUNK_SIZE, 16 * CHUNK_SIZE + 1, 48 * CHUNK_SIZE, source.length];

  for (const size of sizes) {
    it(`gives back exactly the plaintext of ${size} bytes, whatever the pieces it is read in`, async () => {
      const plaintext = source.subarray(0, size);
      const file = encrypt(plaintext, [own.recipient]);
      for (const pieceSize of [997, ENCRYPTED_CHUNK_SIZE, 1024 * 1024, file.length]) {
        assert.ok((await openAll(file, pieceSize)).equals(plaintext), `pieces of ${pieceSize}`);
      }
    });
  }

  it('names the chunk that does not authenticate, as the sequential decryptor does', async () => {
    const file = encrypt(source, [own.recipient]);
    const tampered = Buffer.from(file);
    const at = payloadStart(file) + 20 * ENCRYPTED_CHUNK_SIZE + 5;
    tampered[at] = tampered[at]! ^ 0x01;
    assert.throws(
      () => decrypt(tampered, [own.identity]),
      (e: unknown) => isAppError(e) && e.code === 'age.payload_invalid',
    );
    await assert.rejects(openAll(tampered, 65_000), (e: unknown) => {
      assert.ok(isAppError(e));
      assert.equal(e.code, 'age.payload_invalid');
      assert.equal(e.details?.chunk, 20);
      return true;
    });
  });

  it('refuses a file cut at a chunk or block boundary, a final chunk that is empty, and a foreign identity', async () => {
    const file = encrypt(source, [own.recipient]);
    const start = payloadStart(file);
    for (const chunks of [1, 16, 32]) {
      await assert.rejects(openAll(file.subarray(0, start + chunks * ENCRYPTED_CHUNK_SIZE), 4096), { code: 'age.payload_invalid' });
    }
    // 16 full chunks, then an empty final chunk: valid age only for an empty payload.
    const whole = encrypt(source.subarray(0, 16 * CHUNK_SIZE), [own.recipient]);
    assert.ok((await openAll(whole, 8192)).equals(source.subarray(0, 16 * CHUNK_SIZE)));
    await assert.rejects(openAll(whole.subarray(0, start), 8192), { code: 'age.payload_invalid' });
    await assert.rejects(openAll(file, 4096, [generateIdentity().identity]), { code: 'age.no_identity_matched' });
    await assert.rejects(openAll(Buffer.alloc(0), 1), { code: 'age.header_invalid' });
  });

  it('closes its source when the consumer stops early', async () => {
    const file = encrypt(source, [own.recipient]);
    const readable = Readable.from(piecesOf(file, 100_000));
    for await (const _plaintext of openParallel(readable, [own.identity])) break;
    assert.equal(readable.destroyed, true);
  });
});
