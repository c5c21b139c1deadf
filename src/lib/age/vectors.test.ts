// The C2SP CCTV age test kit (test/vectors/age/, BSD-3-Clause, copied unchanged with its LICENSE).
// Each file: `key: value` lines, a blank line, then the age file (maybe armored, maybe zlib-compressed).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { isAppError } from '../errors.ts';
import { decrypt, decryptStream, generateIdentity } from './age.ts';
import { openParallel } from './parallel-open.ts';

const VECTORS_DIR = join(import.meta.dirname, '../../../test/vectors/age');

const SCRYPT = 'scrypt passphrase recipients are not implemented (the vault only uses X25519 keys)';
const HYBRID = 'post-quantum mlkem768x25519 recipients (AGE-SECRET-KEY-PQ-1…) are not implemented';

/**
 * Cases whose only identities are passphrases or post-quantum keys. Every other case runs; the test
 * below checks that this list is exactly the set of such files, so nothing is skipped silently.
 * (scrypt_and_x25519 and hybrid_x25519_arg also list an X25519 identity, so they do run.)
 */
const SKIPPED: Record<string, string> = Object.fromEntries([
  ...[
    'armor_scrypt',
    'scrypt',
    'scrypt_bad_tag',
    'scrypt_double',
    'scrypt_extra_argument',
    'scrypt_long_file_key',
    'scrypt_no_match',
    'scrypt_not_canonical_body',
    'scrypt_not_canonical_salt',
    'scrypt_salt_long',
    'scrypt_salt_missing',
    'scrypt_salt_short',
    'scrypt_uppercase',
    'scrypt_work_factor_23',
    'scrypt_work_factor_hex',
    'scrypt_work_factor_leading_garbage',
    'scrypt_work_factor_leading_plus',
    'scrypt_work_factor_leading_zero_decimal',
    'scrypt_work_factor_leading_zero_octal',
    'scrypt_work_factor_missing',
    'scrypt_work_factor_negative',
    'scrypt_work_factor_overflow',
    'scrypt_work_factor_trailing_garbage',
    'scrypt_work_factor_wrong',
    'scrypt_work_factor_zero',
  ].map((name) => [name, SCRYPT]),
  ...[
    'armor_hybrid',
    'hybrid',
    'hybrid_and_x25519',
    'hybrid_bad_tag',
    'hybrid_currupted_enc_mlkem',
    'hybrid_currupted_enc_x25519',
    'hybrid_extra_argument',
    'hybrid_grease',
    'hybrid_identity',
    'hybrid_long_file_key',
    'hybrid_long_share',
    'hybrid_low_order',
    'hybrid_multiple_recipients',
    'hybrid_no_match',
    'hybrid_not_canonical_body',
    'hybrid_not_canonical_enc',
    'hybrid_short_share',
    'hybrid_uppercase',
  ].map((name) => [name, HYBRID]),
]);

/** The kit's `expect:` values and the AppError code each must produce. */
const EXPECTED_CODE: Record<string, string> = {
  'header failure': 'age.header_invalid',
  'HMAC failure': 'age.hmac_mismatch',
  'payload failure': 'age.payload_invalid',
  'armor failure': 'age.armor_invalid',
  'no match': 'age.no_identity_matched',
};

interface Case {
  name: string;
  expect: string;
  payload: string | undefined;
  identities: string[];
  /** Identities of kinds we do not implement (passphrases, post-quantum keys). */
  unsupported: string[];
  armored: boolean;
  file: Buffer;
}

function loadCase(name: string): Case {
  const raw = readFileSync(join(VECTORS_DIR, name));
  const split = raw.indexOf('\n\n');
  assert.ok(split > 0, `${name}: no blank line after the test header`);
  const fields: Array<[string, string]> = raw
    .subarray(0, split)
    .toString('utf8')
    .split('\n')
    .map((line) => {
      const at = line.indexOf(': ');
      assert.ok(at > 0, `${name}: malformed test header line ${line}`);
      return [line.slice(0, at), line.slice(at + 2)];
    });
  const values = (key: string) => fields.filter(([k]) => k === key).map(([, v]) => v);
  let file = raw.subarray(split + 2);
  const compressed = values('compressed')[0];
  if (compressed !== undefined) {
    assert.equal(compressed, 'zlib', `${name}: unknown compression`);
    file = inflateSync(file);
  }
  const identities = values('identity');
  const expect = values('expect')[0];
  assert.ok(expect !== undefined, `${name}: no expect line`);
  return {
    name,
    expect,
    payload: values('payload')[0],
    identities: identities.filter((i) => i.startsWith('AGE-SECRET-KEY-1')),
    unsupported: [...identities.filter((i) => !i.startsWith('AGE-SECRET-KEY-1')), ...values('passphrase')],
    armored: values('armored')[0] === 'yes',
    file: Buffer.from(file),
  };
}

/** Identities to decrypt with; cases that name none (empty files) get an unrelated fresh one. */
function identitiesFor(c: Case): string[] {
  return c.identities.length > 0 ? c.identities : [generateIdentity().identity];
}

function isSkipped(c: Case): boolean {
  return c.identities.length === 0 && c.unsupported.length > 0;
}

async function decryptStreaming(c: Case, identities: string[], pieceSize: number): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let at = 0; at < c.file.length; at += pieceSize) pieces.push(c.file.subarray(at, at + pieceSize));
  const out: Buffer[] = [];
  await pipeline(Readable.from(pieces), decryptStream(identities, { armor: c.armored }), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) out.push(chunk);
  });
  return Buffer.concat(out);
}

/** The same file through openParallel (binary files only: it reads what the vault stores). */
async function openInParallel(c: Case, identities: string[], pieceSize: number): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let at = 0; at < c.file.length; at += pieceSize) pieces.push(c.file.subarray(at, at + pieceSize));
  const out: Buffer[] = [];
  // Each piece is lent until the next step: copied here.
  for await (const plaintext of openParallel(Readable.from(pieces), identities)) out.push(Buffer.from(plaintext));
  return Buffer.concat(out);
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function codeOf(error: unknown): string {
  return isAppError(error) ? error.code : `non-AppError: ${String(error)}`;
}

const cases = readdirSync(VECTORS_DIR)
  .filter((n) => n !== 'LICENSE' && !n.startsWith('.'))
  .sort()
  .map(loadCase);

describe('age: C2SP CCTV test kit', () => {
  it('skips exactly the explicit list of unimplemented-feature cases, and reports counts', (t) => {
    const skipped = cases.filter(isSkipped).map((c) => c.name);
    assert.deepEqual(skipped, Object.keys(SKIPPED).sort());
    const run = cases.filter((c) => !isSkipped(c));
    const successes = run.filter((c) => c.expect === 'success').length;
    t.diagnostic(`${cases.length} cases: ${successes} success, ${run.length - successes} expected failures, ${skipped.length} skipped`);
    for (const c of run) assert.ok(c.expect === 'success' || c.expect in EXPECTED_CODE, `${c.name}: unknown expectation ${c.expect}`);
  });

  for (const c of cases) {
    const reason = SKIPPED[c.name];
    it(`${c.name} (${c.expect})`, { skip: reason ?? false }, async () => {
      const identities = identitiesFor(c);
      if (c.expect === 'success') {
        assert.ok(c.payload, 'success cases carry a payload hash');
        assert.equal(sha256(decrypt(c.file, identities, { armor: c.armored })), c.payload);
        // The same through the streaming Transform, in odd-sized pieces.
        assert.equal(sha256(await decryptStreaming(c, identities, 4093)), c.payload);
        if (!c.armored) assert.equal(sha256(await openInParallel(c, identities, 4093)), c.payload);
        return;
      }
      const code = EXPECTED_CODE[c.expect]!;
      assert.throws(
        () => decrypt(c.file, identities, { armor: c.armored }),
        (e: unknown) => {
          assert.equal(codeOf(e), code);
          return true;
        },
      );
      await assert.rejects(decryptStreaming(c, identities, 997), (e: unknown) => {
        assert.equal(codeOf(e), code);
        return true;
      });
      if (!c.armored) {
        await assert.rejects(openInParallel(c, identities, 997), (e: unknown) => {
          assert.equal(codeOf(e), code, 'openParallel');
          return true;
        });
      }
    });
  }

  it('auto-detects armor on every success case', { skip: cases.length === 0 }, () => {
    for (const c of cases.filter((x) => x.expect === 'success' && !isSkipped(x))) {
      assert.equal(sha256(decrypt(c.file, identitiesFor(c))), c.payload, c.name);
    }
  });
});
