import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { isAppError } from '../errors.ts';
import {
  ARMOR_BEGIN,
  ARMOR_END,
  armor,
  dearmor,
  decrypt,
  decryptStream,
  encrypt,
  encryptStream,
  generateIdentity,
  parseIdentityFile,
  recipientOf,
  rewrapHeader,
  rewrapStream,
  splitHeader,
} from './age.ts';
import { bech32Decode, bech32Encode } from './bech32.ts';
import { encodeHeader, parseHeader } from './format.ts';
import { CHUNK_SIZE, ENCRYPTED_CHUNK_SIZE } from './stream.ts';

function code(expected: string) {
  return (e: unknown) => {
    assert.ok(isAppError(e), `expected an AppError, got ${String(e)}`);
    assert.equal(e.code, expected, e.message);
    return true;
  };
}

function anyAgeError(e: unknown): boolean {
  assert.ok(isAppError(e) && e.code.startsWith('age.'), `expected an age.* AppError, got ${String(e)}`);
  return true;
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Splits `data` into pseudo-random odd sizes (deterministic). */
function* oddPieces(data: Buffer, max = 100_003): Generator<Buffer> {
  let seed = 12345;
  for (let at = 0; at < data.length; ) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const size = 1 + (seed % max);
    yield data.subarray(at, at + size);
    at += size;
  }
}

async function collect(source: Iterable<Buffer> | AsyncIterable<Buffer>, ...transforms: NodeJS.ReadWriteStream[]): Promise<Buffer> {
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out.push(chunk);
      cb();
    },
  });
  await (pipeline as (...streams: unknown[]) => Promise<void>)(Readable.from(source), ...transforms, sink);
  return Buffer.concat(out);
}

const alice = generateIdentity();
const bob = generateIdentity();
const carol = generateIdentity();

describe('age keys', () => {
  it('derives the recipient of the test kit identities as age-keygen -y does', () => {
    assert.equal(
      recipientOf('AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0'),
      'age1xmwwc06ly3ee5rytxm9mflaz2u56jjj36s0mypdrwsvlul66mv4q47ryef',
    );
    assert.equal(
      recipientOf('AGE-SECRET-KEY-143WN7DCXU4G8R5AXQSSYD9AEPYDNT3HXSLWSPK36CDU6E8M59SSSAGZ3KG'),
      'age1f3ygt5e2d2h7d6dae2tnwgy4y6f0kwhvpa64cre0k2gprv2r8qnst4j00y',
    );
  });

  it('generates uppercase identities and lowercase recipients that match', () => {
    assert.match(alice.identity, /^AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}$/);
    assert.match(alice.recipient, /^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/);
    assert.equal(recipientOf(alice.identity), alice.recipient);
    assert.notEqual(alice.recipient, bob.recipient);
  });

  it('rejects malformed keys with stable codes', () => {
    const flipped = alice.recipient.slice(0, -1) + (alice.recipient.endsWith('q') ? 'p' : 'q');
    assert.throws(() => encrypt(Buffer.from('x'), [flipped]), code('age.recipient_invalid'));
    assert.throws(() => encrypt(Buffer.from('x'), [alice.identity]), code('age.recipient_invalid'));
    assert.throws(() => encrypt(Buffer.from('x'), []), code('age.recipient_invalid'));
    assert.throws(() => decrypt(Buffer.from('x'), [alice.recipient]), code('age.identity_invalid'));
    // One character changed (never to itself: a key ending in x stayed valid, 1 run in 32): the checksum fails.
    const corrupted = alice.identity.toLowerCase().replace(/.$/, (c) => (c === 'x' ? 'q' : 'x'));
    assert.throws(() => decrypt(Buffer.from('x'), [corrupted]), code('age.identity_invalid'));
    // The all-zero point is of low order: refused as a recipient.
    assert.throws(() => encrypt(Buffer.from('x'), [bech32Encode('age', Buffer.alloc(32))]), code('age.recipient_invalid'));
  });

  it('reads identity files as age -i does', () => {
    const ids = parseIdentityFile(`# created: 2026-01-01\n# public key: ${alice.recipient}\n${alice.identity}\r\n\n${bob.identity}\n`);
    assert.deepEqual(ids, [alice.identity, bob.identity]);
    assert.throws(() => parseIdentityFile('# nothing\n'), code('age.identity_invalid'));
  });
});

describe('Bech32 (BIP 173)', () => {
  it('accepts the BIP 173 valid checksums', () => {
    for (const s of [
      'A12UEL5L',
      'a12uel5l',
      'an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs',
      'abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw',
      '11' + 'q'.repeat(82) + 'c8247j',
      'split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w',
      '?1ezyfcl',
    ]) {
      const { hrp, data } = bech32Decode(s);
      assert.equal(bech32Encode(hrp, data, s === s.toUpperCase() && s !== s.toLowerCase()), s);
    }
  });

  it('rejects the BIP 173 invalid strings, mixed case and bech32m', () => {
    for (const s of [
      ' 1nwldj5',
      '\x7f1axkwrx',
      'pzry9x0s0muk',
      '1pzry9x0s0muk',
      'x1b4n0q5v',
      'li1dgmt3',
      'de1lg7wt\xff',
      'A1G7SGD8',
      '10a06t8',
      '1qzzfhee',
      'a12UEL5L',
      // bech32m checksum of "a" with empty data
      'a1lqfn3a',
    ]) {
      assert.throws(() => bech32Decode(s), code('age.bech32_invalid'), JSON.stringify(s));
    }
  });

  it('has no 90-character limit and round-trips long data', () => {
    const data = randomBytes(200);
    const s = bech32Encode('age-plugin-test-', data);
    assert.ok(s.length > 90);
    assert.deepEqual(bech32Decode(s).data, data);
  });
});

describe('age header format', () => {
  it('wraps stanza bodies at 64 columns with a final short (possibly empty) line', () => {
    const fileKey = randomBytes(16);
    const stanzas = [
      { type: 'test', args: ['a', 'b'], body: randomBytes(48) },
      { type: 'empty', args: [], body: Buffer.alloc(0) },
      { type: 'long', args: ['x'], body: randomBytes(100) },
    ];
    const header = encodeHeader(fileKey, stanzas);
    const text = header.toString('latin1');
    assert.ok(text.startsWith('age-encryption.org/v1\n-> test a b\n'));
    const lines = text.split('\n');
    assert.equal(lines[2]!.length, 64);
    assert.equal(lines[3], '', 'a 48-byte body needs an empty final line');
    assert.equal(lines[5], '');
    const parsed = parseHeader(header);
    assert.deepEqual(
      parsed.stanzas.map((s) => [s.type, s.args, s.body]),
      stanzas.map((s) => [s.type, s.args, s.body]),
    );
    assert.equal(parsed.length, header.length);
  });
});

describe('age round trips', () => {
  for (const size of [0, 1, 1000, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE, 3 * CHUNK_SIZE + 17]) {
    it(`encrypts and decrypts ${size} bytes`, () => {
      const plaintext = randomBytes(size);
      const file = encrypt(plaintext, [alice.recipient]);
      const { payloadOffset } = splitHeader(file);
      const chunks = Math.max(1, Math.ceil(size / CHUNK_SIZE));
      assert.equal(file.length - payloadOffset, 16 + size + 16 * chunks, 'nonce + chunks with their tags');
      assert.deepEqual(decrypt(file, [alice.identity]), plaintext);
    });
  }

  it('streams several MiB in odd-sized pieces both ways', async () => {
    const plaintext = randomBytes(5 * 1024 * 1024 + 12345);
    const file = await collect(oddPieces(plaintext), encryptStream([alice.recipient, bob.recipient]));
    assert.equal(sha256(await collect(oddPieces(file, 77_777), decryptStream([bob.identity]))), sha256(plaintext));
    assert.equal(sha256(decrypt(file, [alice.identity])), sha256(plaintext));
  });

  it('releases authenticated plaintext before the input ends (flat memory)', async () => {
    const plaintext = randomBytes(10 * CHUNK_SIZE);
    const file = encrypt(plaintext, [alice.recipient]);
    const decryptor = decryptStream([alice.identity]);
    let received = 0;
    decryptor.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    const half = splitHeader(file).payloadOffset + 16 + 5 * ENCRYPTED_CHUNK_SIZE + 100;
    await new Promise<void>((resolve) => decryptor.write(file.subarray(0, half), () => resolve()));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(received, 5 * CHUNK_SIZE, 'five whole chunks out while the sixth is still incomplete');
    decryptor.end(file.subarray(half));
    await new Promise((resolve, reject) => decryptor.on('end', resolve).on('error', reject));
    assert.equal(received, plaintext.length);
  });

  it('works for each of several recipients and not for others', () => {
    const plaintext = Buffer.from('evidence item 42');
    const file = encrypt(plaintext, [alice.recipient, bob.recipient, carol.recipient]);
    for (const who of [alice, bob, carol]) assert.deepEqual(decrypt(file, [who.identity]), plaintext);
    const stranger = generateIdentity();
    assert.throws(() => decrypt(file, [stranger.identity]), code('age.no_identity_matched'));
    assert.deepEqual(decrypt(file, [stranger.identity, carol.identity]), plaintext, 'any matching identity will do');
  });

  it('refuses a wrong identity with age.no_identity_matched', async () => {
    const file = encrypt(Buffer.from('secret'), [alice.recipient]);
    assert.throws(() => decrypt(file, [bob.identity]), code('age.no_identity_matched'));
    await assert.rejects(collect([file], decryptStream([bob.identity])), code('age.no_identity_matched'));
  });

  it('fails on any flipped bit in the header or a small payload', () => {
    const file = encrypt(randomBytes(300), [alice.recipient, bob.recipient]);
    for (let i = 0; i < file.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const bad = Buffer.from(file);
        bad[i]! ^= bit;
        assert.throws(() => decrypt(bad, [alice.identity]), anyAgeError, `byte ${i} bit ${bit}`);
      }
    }
  });

  it('fails on flipped bytes across a multi-chunk payload, with the right codes', () => {
    const file = encrypt(randomBytes(2 * CHUNK_SIZE + 10), [alice.recipient]);
    const { payloadOffset } = splitHeader(file);
    const positions = [payloadOffset, payloadOffset + 15, payloadOffset + 16, payloadOffset + 16 + ENCRYPTED_CHUNK_SIZE - 1];
    positions.push(payloadOffset + 16 + ENCRYPTED_CHUNK_SIZE, payloadOffset + 16 + 2 * ENCRYPTED_CHUNK_SIZE, file.length - 1);
    for (const at of positions) {
      const bad = Buffer.from(file);
      bad[at]! ^= 0x40;
      assert.throws(() => decrypt(bad, [alice.identity]), code('age.payload_invalid'), `offset ${at}`);
    }
    const badMac = Buffer.from(file);
    badMac[payloadOffset - 2]! ^= 0x01; // last base64 character of the MAC
    assert.throws(() => decrypt(badMac, [alice.identity]), anyAgeError);
  });

  it('detects truncation and trailing data', () => {
    for (const size of [0, 100, CHUNK_SIZE, 2 * CHUNK_SIZE + 5]) {
      const file = encrypt(randomBytes(size), [alice.recipient]);
      const { payloadOffset } = splitHeader(file);
      const chunks = Math.max(1, Math.ceil(size / CHUNK_SIZE));
      const cuts = [file.length - 1, file.length - 17, payloadOffset + 16].filter((cut) => cut >= payloadOffset + 16);
      // Cut exactly at a chunk boundary: the remaining last chunk is not flagged final.
      if (chunks > 1) cuts.push(payloadOffset + 16 + (chunks - 1) * ENCRYPTED_CHUNK_SIZE);
      for (const cut of cuts) assert.throws(() => decrypt(file.subarray(0, cut), [alice.identity]), code('age.payload_invalid'), `size ${size} cut ${cut}`);
      assert.throws(() => decrypt(file.subarray(0, payloadOffset + 5), [alice.identity]), code('age.header_invalid'), 'short nonce');
      assert.throws(() => decrypt(file.subarray(0, payloadOffset - 1), [alice.identity]), code('age.header_invalid'), 'cut header');
      assert.throws(() => decrypt(Buffer.concat([file, Buffer.from([0])]), [alice.identity]), code('age.payload_invalid'), 'trailing byte');
    }
  });

  it('refuses garbage and empty input as a header failure', () => {
    assert.throws(() => decrypt(Buffer.alloc(0), [alice.identity]), code('age.header_invalid'));
    assert.throws(() => decrypt(randomBytes(5000), [alice.identity]), code('age.header_invalid'));
    assert.throws(() => decrypt(Buffer.from('age-encryption.org/v2\n'), [alice.identity]), code('age.header_invalid'));
  });
});

describe('age armor', () => {
  it('armors with 64-column lines and decrypts armored input (auto-detected)', () => {
    for (const size of [0, 1, 47, 48, 1000, CHUNK_SIZE + 3]) {
      const plaintext = randomBytes(size);
      const armored = encrypt(plaintext, [alice.recipient], { armor: true });
      const text = armored.toString('latin1');
      assert.ok(text.startsWith(ARMOR_BEGIN + '\n') && text.endsWith('\n' + ARMOR_END + '\n'));
      const body = text.split('\n').slice(1, -2);
      for (const line of body.slice(0, -1)) assert.equal(line.length, 64);
      assert.ok(body.at(-1)!.length <= 64 && body.at(-1)!.length > 0);
      assert.deepEqual(decrypt(armored, [alice.identity]), plaintext);
      assert.deepEqual(decrypt(Buffer.from(`\r\n  ${text.replaceAll('\n', '\r\n')}\n\t`), [alice.identity]), plaintext, 'CRLF and outer whitespace');
      assert.deepEqual(armor(dearmor(armored)), armored);
    }
  });

  it('streams armor both ways', async () => {
    const plaintext = randomBytes(3 * CHUNK_SIZE + 999);
    const armored = await collect(oddPieces(plaintext, 5000), encryptStream([bob.recipient], { armor: true }));
    assert.ok(armored.toString('latin1').startsWith(ARMOR_BEGIN));
    assert.deepEqual(await collect(oddPieces(armored, 333), decryptStream([bob.identity])), plaintext);
    const crlf = Buffer.from(armored.toString('latin1').replaceAll('\n', '\r\n'), 'latin1');
    assert.deepEqual(await collect(oddPieces(crlf, 70), decryptStream([bob.identity])), plaintext, 'CRLF in pieces that split lines and line breaks');
    const bad = Buffer.from(crlf);
    bad[crlf.length >> 1] = 0x2a; // '*' in the middle of a full line
    await assert.rejects(collect(oddPieces(bad, 70), decryptStream([bob.identity])), code('age.armor_invalid'));
  });

  it('honours an explicit armor choice', () => {
    const binary = encrypt(Buffer.from('x'), [alice.recipient]);
    const armored = encrypt(Buffer.from('x'), [alice.recipient], { armor: true });
    assert.throws(() => decrypt(binary, [alice.identity], { armor: true }), code('age.armor_invalid'));
    assert.throws(() => decrypt(armored, [alice.identity], { armor: false }), code('age.header_invalid'));
    assert.throws(() => dearmor(armored.toString('latin1').replace(/.\n-----END/, '\n-----END')), anyAgeError);
  });
});

describe('age rewrap (new recipients, unchanged payload)', () => {
  it('rewraps the header so the new identity decrypts the original payload and the old one does not', () => {
    const plaintext = randomBytes(2 * CHUNK_SIZE + 77);
    const original = encrypt(plaintext, [alice.recipient]);
    const { header, payloadOffset } = rewrapHeader(original.subarray(0, 4096), alice.identity, [bob.recipient, carol.recipient]);
    const rewrapped = Buffer.concat([header, original.subarray(payloadOffset)]);
    assert.deepEqual(rewrapped.subarray(header.length), original.subarray(payloadOffset), 'payload bytes unchanged');
    assert.deepEqual(decrypt(rewrapped, [bob.identity]), plaintext);
    assert.deepEqual(decrypt(rewrapped, [carol.identity]), plaintext);
    assert.throws(() => decrypt(rewrapped, [alice.identity]), code('age.no_identity_matched'));
    assert.deepEqual(splitHeader(rewrapped).header, header);
  });

  it('refuses a rewrap without a matching identity, an incomplete header or armor', () => {
    const original = encrypt(Buffer.from('x'), [alice.recipient]);
    assert.throws(() => rewrapHeader(original, bob.identity, [carol.recipient]), code('age.no_identity_matched'));
    assert.throws(() => rewrapHeader(original.subarray(0, 40), alice.identity, [carol.recipient]), code('age.header_invalid'));
    assert.throws(() => rewrapHeader(armor(original), alice.identity, [carol.recipient]), code('age.header_invalid'));
    const tampered = Buffer.from(original);
    tampered[splitHeader(original).payloadOffset - 3]! ^= 0x01;
    assert.throws(() => rewrapHeader(tampered, alice.identity, [carol.recipient]), anyAgeError);
  });

  it('rewraps as a stream, passing the payload through', async () => {
    const plaintext = randomBytes(3 * CHUNK_SIZE);
    const original = encrypt(plaintext, [alice.recipient]);
    const rewrapped = await collect(oddPieces(original, 50), rewrapStream([alice.identity], [bob.recipient]));
    const { payloadOffset } = splitHeader(original);
    const newOffset = splitHeader(rewrapped).payloadOffset;
    assert.deepEqual(rewrapped.subarray(newOffset), original.subarray(payloadOffset));
    assert.deepEqual(decrypt(rewrapped, [bob.identity]), plaintext);
    await assert.rejects(collect([original], rewrapStream(bob.identity, [carol.recipient])), code('age.no_identity_matched'));
  });
});
