import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateIdentity } from '../../../lib/age/age.ts';
import { rewriteTagManifests } from '../../../lib/bagit/testing.ts';
import { AppError } from '../../../lib/errors.ts';
import { generateSignerKey, signNote } from '../../../lib/tlog/note.ts';
import { encodeDisclosureFile } from '../../ledger/index.ts';
import { type Fixture, makeFixture, tempDir } from './testing.ts';
import { PACKAGE_PROBLEM_CODES, type PackageProblem, verifyEvidencePackage as verifyPackage } from './verifier.ts';
import { writeEvidencePackage } from './writer.ts';

const PAYLOAD_A = 'data/EXH-1/disk image.dd';
const PAYLOAD_B = 'data/PE_2026_002/PE_2026_002.bin';

async function written(t: { after: (fn: () => Promise<void>) => void }, recipient?: string, legacy = false): Promise<{ dir: string; fx: Fixture }> {
  const root = await tempDir(t);
  const fx = await makeFixture({ legacy });
  const dir = join(root, 'pkg');
  await writeEvidencePackage(dir, recipient ? { ...fx.input, recipient } : fx.input);
  return { dir, fx };
}

/** Recomputes the payload manifests too, as a tamperer who swaps a payload file would. */
async function rewriteAllManifests(dir: string, payload: string[]): Promise<void> {
  for (const alg of ['sha256', 'sha512'] as const) {
    const lines = [];
    for (const p of [...payload].sort())
      lines.push(
        `${createHash(alg)
          .update(await readFile(join(dir, p)))
          .digest('hex')} ${p}\n`,
      );
    await writeFile(join(dir, `manifest-${alg}.txt`), lines.join(''));
  }
  await rewriteTagManifests(dir);
}

const codes = (problems: PackageProblem[]) => problems.map((p) => p.code);

/** The verifier, checking on the way that every code it reports is a documented one. */
const verifyEvidencePackage: typeof verifyPackage = async (dir, options) => {
  const result = await verifyPackage(dir, options);
  for (const p of result.problems) {
    assert.ok((PACKAGE_PROBLEM_CODES as readonly string[]).includes(p.code) || /^package\.bag_[a-z_]+$/.test(p.code), `undocumented code ${p.code}`);
    assert.ok(p.path !== undefined || p.entry !== undefined, `${p.code} names neither a file nor an entry`);
  }
  return result;
};

describe('evidence package verifier', () => {
  it('passes an untouched package and reports what it checked', async (t) => {
    const { dir, fx } = await written(t);
    const r = await verifyEvidencePackage(dir, { trustedLogVerifierKey: fx.log.vkey });
    assert.deepEqual(r.problems, []);
    assert.equal(r.ok, true);
    assert.equal(r.caseReference, 'CASO-2026-001');
    assert.equal(r.custodyEvents, 5);
    assert.deepEqual(r.checkpoint, { origin: 'custodia.test/log', size: 10 });
    assert.deepEqual(r.items, [
      { exhibit: 'EXH-1', path: PAYLOAD_A, sha256: fx.input.items[0]!.item.sha256, plaintextChecked: true },
      { exhibit: 'PE:2026/002', path: PAYLOAD_B, sha256: fx.input.items[1]!.item.sha256, plaintextChecked: true },
    ]);
  });

  it('checks .age payloads when given the recipient identity, and says so when not', async (t) => {
    const recipient = generateIdentity();
    const { dir } = await written(t, recipient.recipient);
    const without = await verifyEvidencePackage(dir);
    assert.deepEqual(without.problems, []);
    assert.deepEqual(
      without.items.map((i) => i.plaintextChecked),
      [false, false],
    );
    const phases = new Set<string>();
    const withKey = await verifyEvidencePackage(dir, { identities: [recipient.identity], onProgress: (p) => phases.add(p.phase) });
    assert.deepEqual(withKey.problems, []);
    assert.deepEqual(
      withKey.items.map((i) => i.plaintextChecked),
      [true, true],
    );
    assert.deepEqual([...phases].sort(), ['bag', 'decrypt']);
    const wrongKey = await verifyEvidencePackage(dir, { identities: [generateIdentity().identity] });
    assert.deepEqual(codes(wrongKey.problems), ['package.payload_decrypt_failed', 'package.payload_decrypt_failed']);
  });

  it('names a data file with one byte changed', async (t) => {
    const { dir } = await written(t);
    const file = join(dir, PAYLOAD_A);
    const bytes = await readFile(file);
    bytes[1000] = bytes[1000]! ^ 0xff;
    await writeFile(file, bytes);
    const r = await verifyEvidencePackage(dir);
    assert.equal(r.ok, false);
    assert.deepEqual(
      r.problems.map((p) => [p.code, p.path]),
      [
        ['package.bag_digest_mismatch', PAYLOAD_A],
        ['package.bag_digest_mismatch', PAYLOAD_A],
      ],
    );
    assert.equal(r.items[0]!.plaintextChecked, false);
    assert.equal(r.items[1]!.plaintextChecked, true);
  });

  it('catches a swapped payload even with every manifest rewritten', async (t) => {
    const { dir } = await written(t);
    // Same length as the original, so Payload-Oxum still holds.
    await writeFile(join(dir, PAYLOAD_B), 'forged chat export\n');
    await rewriteAllManifests(dir, [PAYLOAD_A, PAYLOAD_B]);
    const r = await verifyEvidencePackage(dir);
    assert.deepEqual(
      r.problems.map((p) => [p.code, p.path]),
      [['package.payload_hash_mismatch', PAYLOAD_B]],
    );
    assert.equal(r.items[1]!.plaintextChecked, false);
  });

  it('refuses a file added under data/ with every manifest, Payload-Oxum and tag manifest rewritten', async (t) => {
    const { dir, fx } = await written(t);
    // BagIt alone is satisfied: the planted files are listed and hashed everywhere a bag lists files.
    // Only the package's own custody list (events.json, signed entries, CASE graph) does not name them.
    const planted = ['data/EXH-1/notes.txt', 'data/EXH-9/planted.bin'];
    await mkdir(join(dir, 'data', 'EXH-9'), { recursive: true });
    await writeFile(join(dir, planted[0]!), 'an extra file slipped into the package\n');
    await writeFile(join(dir, planted[1]!), Buffer.from([0, 1, 2, 3, 4, 5, 6, 7]));
    const payload = [PAYLOAD_A, PAYLOAD_B, ...planted];
    let bytes = 0;
    for (const p of payload) bytes += (await readFile(join(dir, p))).length;
    const info = join(dir, 'bag-info.txt');
    const before = await readFile(info, 'utf8');
    const after = before.replace(/^Payload-Oxum: .*$/m, `Payload-Oxum: ${bytes}.${payload.length}`);
    assert.notEqual(after, before, 'Payload-Oxum rewritten');
    await writeFile(info, after);
    await rewriteAllManifests(dir, payload);
    const r = await verifyEvidencePackage(dir, { trustedLogVerifierKey: fx.log.vkey });
    assert.equal(r.ok, false);
    assert.deepEqual(
      r.problems.map((p) => [p.code, p.path]),
      planted.map((p) => ['package.payload_unlisted', p]),
    );
  });

  it('names the ledger entry whose proof has a changed hash line', async (t) => {
    const { dir } = await written(t);
    const path = join(dir, 'custody/proofs/5.tlog-proof');
    const lines = (await readFile(path, 'utf8')).split('\n');
    lines[3] = Buffer.alloc(32, 9).toString('base64');
    await writeFile(path, lines.join('\n'));
    const r = await verifyEvidencePackage(dir);
    const proof = r.problems.filter((p) => p.code === 'package.proof_invalid');
    assert.deepEqual(
      proof.map((p) => [p.entry, p.path]),
      [[5, 'custody/proofs/5.tlog-proof']],
    );
    assert.match(proof[0]!.message, /tlog\.proof_invalid/);
    // The tag manifests catch it too; rewriting them leaves the proof failure alone.
    await rewriteTagManifests(dir);
    const hidden = await verifyEvidencePackage(dir);
    assert.deepEqual(
      hidden.problems.map((p) => [p.code, p.entry]),
      [['package.proof_invalid', 5]],
    );
  });

  it('rejects a proof whose checkpoint is signed by another key', async (t) => {
    const { dir, fx } = await written(t);
    const other = generateSignerKey('custodia.test/log');
    await writeFile(join(dir, 'custody/proofs/7.tlog-proof'), await fx.proofWith(7, signNote(fx.checkpointBody, [other])));
    await rewriteTagManifests(dir);
    const r = await verifyEvidencePackage(dir);
    assert.deepEqual(
      r.problems.map((p) => [p.code, p.entry]),
      [
        ['package.proof_checkpoint_mismatch', 7],
        ['package.proof_invalid', 7],
      ],
    );
  });

  it('rejects a whole package re-signed by another key when the log key is pinned', async (t) => {
    const { dir, fx } = await written(t);
    const other = generateSignerKey('custodia.test/log');
    const forged = signNote(fx.checkpointBody, [other]);
    await writeFile(join(dir, 'custody/checkpoint.txt'), forged);
    await writeFile(join(dir, 'custody/log.vkey'), `${other.vkey}\n`);
    for (const index of fx.custodyIndexes) await writeFile(join(dir, `custody/proofs/${index}.tlog-proof`), await fx.proofWith(index, forged));
    await rewriteTagManifests(dir);
    // Consistent on its own…
    assert.deepEqual((await verifyEvidencePackage(dir)).problems, []);
    // …but not from the log the verifier trusts.
    const r = await verifyEvidencePackage(dir, { trustedLogVerifierKey: fx.log.vkey });
    assert.equal(r.ok, false);
    assert.deepEqual(r.problems[0], {
      code: 'package.vkey_untrusted',
      path: 'custody/log.vkey',
      message: 'the package names another log key than the trusted one',
    });
    assert.ok(codes(r.problems).includes('package.checkpoint_invalid'));
    assert.equal(r.problems.filter((p) => p.code === 'package.proof_invalid').length, 5);
  });

  it('cross-checks case-uco.jsonld when its tag manifests were rewritten to hide an edit', async (t) => {
    const { dir, fx } = await written(t);
    const path = join(dir, 'custody/case-uco.jsonld');
    const text = await readFile(path, 'utf8');
    const forged = createHash('sha256').update('forged').digest('hex');
    await writeFile(path, text.replace(fx.input.items[1]!.item.sha256, forged));
    await rewriteTagManifests(dir);
    const r = await verifyEvidencePackage(dir);
    assert.deepEqual(
      r.problems.map((p) => [p.code, p.path]),
      [['package.case_uco_mismatch', 'custody/case-uco.jsonld']],
    );
    assert.match(r.problems[0]!.message, /PE:2026\/002/);
    assert.match(r.problems[0]!.message, new RegExp(forged));

    // A broken action chain names the ledger entry.
    await writeFile(path, text.replace(/"uco-core:name": "received"/, '"uco-core:name": "released"'));
    await rewriteTagManifests(dir);
    const chain = await verifyEvidencePackage(dir);
    assert.deepEqual(
      chain.problems.map((p) => [p.code, p.entry]),
      [['package.case_uco_mismatch', 5]],
    );
  });

  it('cross-checks events.json and bag-info.txt against the signed entries', async (t) => {
    const { dir, fx } = await written(t);
    const eventsPath = join(dir, 'custody/events.json');
    const events = JSON.parse(await readFile(eventsPath, 'utf8'));
    events.events[2].actor = 'someone-else';
    await writeFile(eventsPath, JSON.stringify(events));
    const info = join(dir, 'bag-info.txt');
    await writeFile(info, (await readFile(info, 'utf8')).replace(fx.input.items[0]!.item.sha256, '0'.repeat(64)));
    await rewriteTagManifests(dir);
    const r = await verifyEvidencePackage(dir);
    assert.deepEqual(
      r.problems.map((p) => [p.code, p.path, p.entry]),
      [
        ['package.event_mismatch', 'custody/events.json', 5],
        ['package.baginfo_mismatch', 'bag-info.txt', undefined],
      ],
    );
  });

  it('still verifies a package of legacy entries (written before blinding), which has no disclosures', async (t) => {
    const { dir, fx } = await written(t, undefined, true);
    assert.deepEqual(await readdir(join(dir, 'custody')).then((names) => names.includes('disclosures')), false);
    const r = await verifyEvidencePackage(dir, { trustedLogVerifierKey: fx.log.vkey });
    assert.deepEqual(r.problems, []);
    assert.equal(r.custodyEvents, 5);
    // Its events are still cross-checked against the signed entries.
    const eventsPath = join(dir, 'custody/events.json');
    const events = JSON.parse(await readFile(eventsPath, 'utf8'));
    events.events[0].reason = 'a reason never signed';
    await writeFile(eventsPath, JSON.stringify(events));
    await rewriteTagManifests(dir);
    assert.deepEqual(
      (await verifyEvidencePackage(dir)).problems.map((p) => [p.code, p.entry]),
      [['package.event_mismatch', 2]],
    );
  });

  it('refuses a disclosure whose details were changed, and never uses unproven details', async (t) => {
    const { dir, fx } = await written(t);
    // Entry 4 is the only one stating exhibit B's content hash. A tamperer swaps exhibit B and
    // writes its hash everywhere the package states one: the disclosure, events.json, bag-info,
    // the CASE graph, the manifests. Only the leaf's commitment is out of reach.
    const forged = Buffer.from('forged chat export\n');
    const forgedSha = createHash('sha256').update(forged).digest('hex');
    const original = fx.input.items[1]!.item.sha256;
    await writeFile(join(dir, PAYLOAD_B), forged);
    for (const path of ['custody/disclosures/4.json', 'custody/events.json', 'bag-info.txt', 'custody/case-uco.jsonld']) {
      const text = await readFile(join(dir, path), 'utf8');
      assert.ok(text.includes(original), path);
      await writeFile(join(dir, path), text.replaceAll(original, forgedSha));
    }
    await rewriteAllManifests(dir, [PAYLOAD_A, PAYLOAD_B]);
    const r = await verifyEvidencePackage(dir, { trustedLogVerifierKey: fx.log.vkey });
    assert.deepEqual(
      r.problems.map((p) => [p.code, p.path, p.entry]),
      [
        ['package.disclosure_mismatch', 'custody/disclosures/4.json', 4],
        ['package.item_unanchored', 'custody/events.json', undefined],
      ],
    );
    assert.match(r.problems[0]!.message, /commitment/);
    assert.match(r.problems[1]!.message, /PE:2026\/002/);
  });

  it('refuses a disclosure whose reason was changed, the rest intact', async (t) => {
    const { dir } = await written(t);
    const path = join(dir, 'custody/disclosures/5.json');
    const text = await readFile(path, 'utf8');
    assert.ok(text.includes('received at the lab'));
    await writeFile(path, text.replace('received at the lab', 'received at the bar'));
    await rewriteTagManifests(dir);
    const r = await verifyEvidencePackage(dir);
    assert.deepEqual(
      r.problems.map((p) => [p.code, p.path, p.entry]),
      [['package.disclosure_mismatch', 'custody/disclosures/5.json', 5]],
    );
  });

  it('refuses a disclosure with another entry’s salt', async (t) => {
    const { dir, fx } = await written(t);
    await writeFile(join(dir, 'custody/disclosures/5.json'), encodeDisclosureFile({ index: 5, salt: fx.salts[7]!, details: fx.ledger[5]! }));
    await rewriteTagManifests(dir);
    const r = await verifyEvidencePackage(dir);
    assert.deepEqual(
      r.problems.map((p) => [p.code, p.entry]),
      [['package.disclosure_mismatch', 5]],
    );
  });

  it('requires the disclosure of every blinded entry', async (t) => {
    const { dir } = await written(t);
    await rm(join(dir, 'custody/disclosures/5.json'));
    await rewriteTagManifests(dir);
    const r = await verifyEvidencePackage(dir);
    assert.deepEqual(
      r.problems.map((p) => [p.code, p.path, p.entry]),
      [['package.disclosure_missing', 'custody/disclosures/5.json', 5]],
    );
    assert.match(r.problems[0]!.message, /evidence\.received/);
  });

  it('refuses disclosure files that are malformed, for another entry, or open nothing in the package', async (t) => {
    const { dir, fx } = await written(t);
    const disclosures = join(dir, 'custody/disclosures');
    await writeFile(join(disclosures, '7.json'), '{"format":"custodia.ledger-disclosure/v1"');
    // Entry 2's disclosure filed as entry 8's.
    await writeFile(join(disclosures, '8.json'), await readFile(join(disclosures, '2.json')));
    // A real disclosure of an entry the package has no proof of, and a stray file.
    await writeFile(join(disclosures, '3.json'), encodeDisclosureFile({ index: 3, salt: fx.salts[3]!, details: fx.ledger[3]! }));
    await writeFile(join(disclosures, 'notes.json'), '{}');
    await rewriteTagManifests(dir);
    const r = await verifyEvidencePackage(dir);
    assert.deepEqual(
      r.problems.map((p) => [p.code, p.path, p.entry]),
      [
        ['package.disclosure_invalid', 'custody/disclosures/7.json', 7],
        ['package.disclosure_mismatch', 'custody/disclosures/8.json', 8],
        ['package.disclosure_unlisted', 'custody/disclosures/3.json', 3],
        ['package.disclosure_unlisted', 'custody/disclosures/notes.json', undefined],
      ],
    );
    assert.match(r.problems[1]!.message, /for ledger entry 2, not entry 8/);
  });

  it('reports missing parts instead of throwing, and throws only for a non-directory', async (t) => {
    const { dir } = await written(t);
    await rm(join(dir, 'custody/proofs/8.tlog-proof'));
    await rm(join(dir, 'custody/log.vkey'));
    const r = await verifyEvidencePackage(dir);
    assert.equal(r.ok, false);
    const found = r.problems.map((p) => [p.code, p.path]);
    for (const expected of [
      ['package.bag_file_missing', 'custody/proofs/8.tlog-proof'],
      ['package.bag_file_missing', 'custody/log.vkey'],
      ['package.file_missing', 'custody/log.vkey'],
      ['package.proof_missing', 'custody/proofs/8.tlog-proof'],
    ]) {
      assert.ok(
        found.some((f) => f[0] === expected[0] && f[1] === expected[1]),
        `${expected.join(' ')} not in ${JSON.stringify(found)}`,
      );
    }
    await assert.rejects(verifyEvidencePackage(join(dir, 'bagit.txt')), (err) => err instanceof AppError && err.code === 'evidence.package_unreadable');
    await assert.rejects(verifyEvidencePackage(join(dir, 'nope')), (err) => err instanceof AppError && err.code === 'evidence.package_unreadable');
  });
});
