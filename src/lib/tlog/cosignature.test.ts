import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import { formatCheckpoint } from './checkpoint.ts';
import { cosign, cosignatureMessage, cosignatureTimestamp, verifyCosignature } from './cosignature.ts';
import { TlogError } from './merkle.ts';
import { generateCosignerKey, generateSignerKey, keyId, openNote, parseSignerKey, parseVerifierKey, signNote } from './note.ts';

const code = (c: string) => (e: unknown) => e instanceof TlogError && e.code === c;
const body = formatCheckpoint({ origin: 'custodia.example/log', size: 42, root: Buffer.alloc(32, 7) });

describe('cosignature/v1', () => {
  it('builds the message of the spec', () => {
    assert.equal(
      cosignatureMessage('example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n', 1679315147).toString(),
      'cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
    );
  });

  it('round-trips and carries the timestamp', () => {
    const w = generateCosignerKey('witness.example/w1');
    const line = cosign(body, 1_700_000_000, w);
    assert.match(line, /^\u2014 witness\.example\/w1 [A-Za-z0-9+/]+=*\n$/);
    const raw = Buffer.from(line.split(' ')[2]!, 'base64');
    assert.equal(raw.length, 4 + 8 + 64);
    assert.deepEqual(raw.subarray(0, 4), parseVerifierKey(w.vkey).keyId);
    assert.equal(raw.readBigUInt64BE(4), 1_700_000_000n);
    assert.deepEqual(verifyCosignature(body, line, w.vkey), { timestamp: 1_700_000_000 });
    assert.equal(cosignatureTimestamp(line), 1_700_000_000);
    // The cosignature also verifies as a note signature with the type 0x04 vkey.
    const log = generateSignerKey('custodia.example/log');
    const note = signNote(body, [log]) + line;
    const opened = openNote(note, [log.vkey, w.vkey]);
    assert.equal(opened.signatures[1]!.timestamp, 1_700_000_000);
    assert.equal(opened.signatures[1]!.verified, true);
  });

  it('rejects tampering and wrong keys', () => {
    const w = generateCosignerKey('witness.example/w1');
    const line = cosign(body, 1_700_000_000, w);
    const other = formatCheckpoint({ origin: 'custodia.example/log', size: 43, root: Buffer.alloc(32, 7) });
    assert.throws(() => verifyCosignature(other, line, w.vkey), code('tlog.signature_invalid'));
    const raw = Buffer.from(line.trim().split(' ')[2]!, 'base64');
    raw[11]! ^= 1; // timestamp
    assert.throws(() => verifyCosignature(body, `\u2014 witness.example/w1 ${raw.toString('base64')}\n`, w.vkey), code('tlog.signature_invalid'));
    const w2 = generateCosignerKey('witness.example/w1');
    assert.throws(() => verifyCosignature(body, line, w2.vkey), code('tlog.no_verified_signature'));
    const ed = generateSignerKey('witness.example/w1');
    assert.throws(() => verifyCosignature(body, line, ed.vkey), code('tlog.bad_key'));
    assert.throws(() => verifyCosignature(body, line.trimEnd(), w.vkey), code('tlog.note_malformed'));
    assert.throws(() => verifyCosignature(body, line + line, w.vkey), code('tlog.note_malformed'));
    assert.throws(() => cosign('not a checkpoint\n', 1, w), TlogError);
    assert.throws(() => cosign(body, -1, w), TlogError);
  });

  it('accepts an Ed25519 (type 0x01) signer key and still uses the type 0x04 key id', () => {
    const ed = generateSignerKey('w.example');
    const k = parseSignerKey(ed.skey);
    const line = cosign(body, 5, ed);
    const raw = Buffer.from(line.trim().split(' ')[2]!, 'base64');
    assert.deepEqual(raw.subarray(0, 4), keyId('w.example', 0x04, k.publicKey));
  });

  it('reads the timestamp of the transparency-dev/formats vector', () => {
    const line = '\u2014 w ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==\n';
    assert.equal(cosignatureTimestamp(line), 1727964367);
    assert.throws(
      () => cosignatureTimestamp('\u2014 w eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY=\n'),
      code('tlog.note_malformed'),
    );
  });
});
