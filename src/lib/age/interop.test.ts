// Interoperability with the reference implementation: Debian's `age` package (filippo.io/age).
// Skipped when /usr/bin/age is absent; CI installs it (apt-get install -y age).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ARMOR_BEGIN, decrypt, encrypt, generateIdentity, parseIdentityFile, recipientOf, rewrapHeader } from './age.ts';

const AGE = '/usr/bin/age';
const AGE_KEYGEN = '/usr/bin/age-keygen';
const PRESENT = existsSync(AGE) && existsSync(AGE_KEYGEN);

function run(cmd: string, args: string[], input?: Buffer): Buffer {
  return execFileSync(cmd, args, { input, maxBuffer: 64 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'] });
}

describe('age interop with /usr/bin/age', { skip: PRESENT ? false : `${AGE} not installed (apt-get install -y age); interop not tested` }, () => {
  let dir = '';
  const ours = generateIdentity();
  let theirs: { identity: string; recipient: string; file: string };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'custodia-age-'));
    writeFileSync(join(dir, 'ours.txt'), `# public key: ${ours.recipient}\n${ours.identity}\n`, { mode: 0o600 });
    const file = join(dir, 'theirs.txt');
    run(AGE_KEYGEN, ['-o', file]);
    const [identity] = parseIdentityFile(readFileSync(file, 'utf8'));
    theirs = { identity: identity!, recipient: run(AGE_KEYGEN, ['-y', file]).toString().trim(), file };
  });

  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('derives the same recipient as age-keygen', () => {
    assert.equal(recipientOf(theirs.identity), theirs.recipient);
  });

  for (const size of [0, 1, 64 * 1024, 200_000]) {
    it(`age -d decrypts our ${size}-byte files, binary and armored`, () => {
      const plaintext = randomBytes(size);
      for (const armor of [false, true]) {
        const path = join(dir, `ours-${size}-${armor}.age`);
        writeFileSync(path, encrypt(plaintext, [theirs.recipient, ours.recipient], { armor }));
        assert.deepEqual(run(AGE, ['-d', '-i', theirs.file, path]), plaintext, `armor ${armor}`);
        assert.deepEqual(run(AGE, ['-d', '-i', join(dir, 'ours.txt'), path]), plaintext, `our key, armor ${armor}`);
      }
    });

    it(`we decrypt age -e files of ${size} bytes, binary and armored`, () => {
      const plaintext = randomBytes(size);
      const binary = run(AGE, ['-e', '-r', ours.recipient, '-r', theirs.recipient], plaintext);
      assert.deepEqual(decrypt(binary, [ours.identity]), plaintext);
      assert.deepEqual(decrypt(binary, [theirs.identity]), plaintext);
      const armored = run(AGE, ['-e', '-a', '-r', ours.recipient], plaintext);
      assert.ok(armored.toString('latin1').startsWith(ARMOR_BEGIN));
      assert.deepEqual(decrypt(armored, [ours.identity]), plaintext);
    });
  }

  it('age -d decrypts a file we rewrapped from an age -e file', () => {
    const plaintext = randomBytes(150_000);
    const original = run(AGE, ['-e', '-r', ours.recipient], plaintext);
    const { header, payloadOffset } = rewrapHeader(original, ours.identity, [theirs.recipient]);
    const path = join(dir, 'rewrapped.age');
    writeFileSync(path, Buffer.concat([header, original.subarray(payloadOffset)]));
    assert.deepEqual(run(AGE, ['-d', '-i', theirs.file, path]), plaintext);
    assert.throws(() => run(AGE, ['-d', '-i', join(dir, 'ours.txt'), path]), 'the old identity no longer matches');
  });
});
