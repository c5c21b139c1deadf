import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base32Decode, base32Encode, hotp, matchTotp, totp, totpStep } from './totp.ts';

// RFC 6238 Appendix B (SHA-1 seed "12345678901234567890", 8 digits, 30 s) and RFC 4226 Appendix D.
const SEED = Buffer.from('12345678901234567890');
const RFC6238: Array<[number, string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];
const RFC4226 = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];

describe('TOTP (RFC 6238) and HOTP (RFC 4226)', () => {
  it('gives the RFC 6238 SHA-1 values', () => {
    for (const [time, code] of RFC6238) assert.equal(totp(SEED, time, { period: 30, digits: 8, algorithm: 'sha1' }), code, `T=${time}`);
  });

  it('gives the RFC 4226 HOTP values', () => {
    RFC4226.forEach((code, counter) => {
      assert.equal(hotp(SEED, counter), code);
    });
  });

  it('base32 round-trips and matches RFC 4648 examples', () => {
    assert.equal(base32Encode(Buffer.from('foobar')), 'MZXW6YTBOI');
    assert.equal(base32Decode('MZXW6YTBOI').toString(), 'foobar');
    assert.equal(base32Decode('mzxw 6ytb-oi').toString(), 'foobar');
  });

  it('accepts one step of drift, and never the same step twice', () => {
    const now = 1_800_000_000;
    const code = totp(SEED, now);
    const step = totpStep(now);
    assert.equal(matchTotp(SEED, code, now, 0), step);
    assert.equal(matchTotp(SEED, code, now + 30, 0), step, 'one step late');
    assert.equal(matchTotp(SEED, code, now + 90, 0), undefined, 'three steps late');
    assert.equal(matchTotp(SEED, code, now, step), undefined, 'replayed');
    assert.equal(matchTotp(SEED, '12345', now, 0), undefined, 'wrong length');
    assert.equal(matchTotp(SEED, 'abcdef', now, 0), undefined, 'not digits');
  });
});
