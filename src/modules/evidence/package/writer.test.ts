import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { decrypt, encryptStream, generateIdentity, splitHeader } from '../../../lib/age/age.ts';
import { parseBagInfo } from '../../../lib/bagit/bag-info.ts';
import { listFiles } from '../../../lib/bagit/testing.ts';
import { validateBag } from '../../../lib/bagit/validator.ts';
import { AppError } from '../../../lib/errors.ts';
import { generateSignerKey, signNote } from '../../../lib/tlog/note.ts';
import { parseTlogProof } from '../../../lib/tlog/proof-bundle.ts';
import { encodeDisclosureFile, openDisclosureFile } from '../../ledger/index.ts';
import { makeFixture, tempDir } from './testing.ts';
import { writeEvidencePackage } from './writer.ts';

const rejectsWith = (code: string, check?: (err: AppError) => void) => (err: unknown) => {
  assert.ok(err instanceof AppError, `expected an AppError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  check?.(err);
  return true;
};

describe('evidence package writer', () => {
  it('writes a valid BagIt bag with the payload, custody files, report and bag-info', async (t) => {
    const root = await tempDir(t);
    const fx = await makeFixture();
    const out = join(root, 'pkg');
    const progress: Array<{ path: string; totalBytes: number; totalExpected: number }> = [];
    const result = await writeEvidencePackage(out, fx.input, { onProgress: (p) => progress.push(p) });

    const files = (await listFiles(out)).sort();
    assert.deepEqual(files, [
      'bag-info.txt',
      'bagit.txt',
      'custody/case-uco.jsonld',
      'custody/checkpoint.txt',
      ...fx.custodyIndexes.map((i) => `custody/disclosures/${i}.json`).sort(),
      'custody/events.json',
      'custody/log.vkey',
      ...fx.custodyIndexes.map((i) => `custody/proofs/${i}.tlog-proof`).sort(),
      'data/EXH-1/disk image.dd',
      'data/PE_2026_002/PE_2026_002.bin',
      'manifest-sha256.txt',
      'manifest-sha512.txt',
      'report/verification-report.en.html',
      'report/verification-report.en.pdf',
      'report/verification-report.es.html',
      'report/verification-report.es.pdf',
      'tagmanifest-sha256.txt',
      'tagmanifest-sha512.txt',
    ]);
    assert.equal(result.files, files.length);
    assert.equal(result.dir, out);
    assert.equal(result.payloadBytes, fx.plaintexts[0]!.length + fx.plaintexts[1]!.length);
    assert.deepEqual(await readFile(join(out, 'data/EXH-1/disk image.dd')), fx.plaintexts[0]);
    assert.deepEqual(await readFile(join(out, 'data/PE_2026_002/PE_2026_002.bin')), fx.plaintexts[1]);

    const bag = await validateBag(out);
    assert.deepEqual(bag.problems, []);
    assert.deepEqual(bag.warnings, []);
    assert.deepEqual(bag.algorithms, ['sha256', 'sha512']);

    // Long values are folded onto continuation lines (RFC 8493 §2.2.2); parsing joins them back.
    const info = parseBagInfo(await readFile(join(out, 'bag-info.txt'), 'utf8'));
    assert.deepEqual(info.problems, []);
    assert.deepEqual(info.entries, [
      ['Source-Organization', 'Fiscalía Especializada en Ciberdelincuencia'],
      ['Contact-Name', 'Rosa Huamán'],
      ['External-Identifier', 'CASO-2026-001'],
      ['External-Description', 'Fraude informático — banca en línea'],
      ['Bag-Group-Identifier', 'case-7'],
      ['Custodia-Exhibit', `EXH-1 sha256:${fx.input.items[0]!.item.sha256}`],
      ['Custodia-Exhibit', `PE:2026/002 sha256:${fx.input.items[1]!.item.sha256}`],
      ['Bagging-Date', '2026-03-10'],
      ['Payload-Oxum', `${result.payloadBytes}.2`],
      ['Bag-Software-Agent', 'Custodia evidence export (BagIt 1.0, RFC 8493)'],
    ]);

    assert.equal(await readFile(join(out, 'custody/checkpoint.txt'), 'utf8'), fx.input.checkpoint);
    assert.equal(await readFile(join(out, 'custody/log.vkey'), 'utf8'), `${fx.log.vkey}\n`);
    for (const c of fx.input.custody) assert.equal(await readFile(join(out, `custody/proofs/${c.index}.tlog-proof`), 'utf8'), c.proof);
    // One disclosure per custody event, opening its blinded leaf: canonical JSON with the details and salt.
    for (const c of fx.input.custody) {
      const text = await readFile(join(out, `custody/disclosures/${c.index}.json`), 'utf8');
      assert.equal(text, encodeDisclosureFile({ index: c.index, salt: fx.salts[c.index]!, details: c.entry }));
      assert.deepEqual(JSON.parse(text), {
        details: c.entry,
        format: 'custodia.ledger-disclosure/v1',
        index: c.index,
        salt: fx.salts[c.index]!.toString('base64'),
      });
      const leaf = parseTlogProof(c.proof).extra!;
      assert.deepEqual(openDisclosureFile(leaf, c.index, text), c.entry);
    }
    // Listed in the tag manifests like the proofs.
    const tagManifest = await readFile(join(out, 'tagmanifest-sha256.txt'), 'utf8');
    for (const i of fx.custodyIndexes) assert.match(tagManifest, new RegExp(` custody/disclosures/${i}\\.json\n`));
    const events = JSON.parse(await readFile(join(out, 'custody/events.json'), 'utf8'));
    assert.deepEqual(
      events.events.map((e: { index: number; exhibit: string; event: string }) => [e.index, e.exhibit, e.event]),
      [
        [2, 'EXH-1', 'acquired'],
        [4, 'PE:2026/002', 'acquired'],
        [5, 'EXH-1', 'received'],
        [7, 'EXH-1', 'transferred'],
        [8, 'PE:2026/002', 'analysed'],
      ],
    );
    assert.deepEqual(events.items[1], {
      itemId: 'item-b',
      exhibit: 'PE:2026/002',
      path: 'data/PE_2026_002/PE_2026_002.bin',
      sha256: fx.input.items[1]!.item.sha256,
      bytes: fx.plaintexts[1]!.length,
      encrypted: false,
    });

    // The report model.
    const r = result.report;
    assert.equal(r.case.reference, 'CASO-2026-001');
    assert.equal(r.case.organisation, 'Fiscalía Especializada en Ciberdelincuencia');
    assert.equal(r.checkpoint.size, 10);
    assert.match(r.checkpoint.rootHash, /^[0-9a-f]{64}$/);
    assert.deepEqual(r.checkpoint.cosigners, ['witness.test']);
    assert.equal(r.encryptedTo, undefined);
    assert.deepEqual(
      r.items.map((i) => [i.exhibit, i.path, i.md5 !== undefined, i.sha1 !== undefined]),
      [
        ['EXH-1', 'data/EXH-1/disk image.dd', false, false],
        ['PE:2026/002', 'data/PE_2026_002/PE_2026_002.bin', true, true],
      ],
    );
    assert.equal(r.items[0]!.acquisition.authority, 'Orden 2026-17');
    assert.deepEqual(r.custody[0], {
      index: 2,
      event: 'acquired',
      at: '2026-03-01T09:15:00-05:00',
      actor: 'user-ana',
      exhibit: 'EXH-1',
      reason: 'seized under order 2026-17',
      proofPath: 'custody/proofs/2.tlog-proof',
      disclosurePath: 'custody/disclosures/2.json',
    });
    assert.deepEqual(r.checks.map((c) => [c.code, c.ok, c.detail]).sort(), [
      ['bag_valid', true, 'BagIt 1.0, sha256 + sha512'],
      ['case_uco', true, 'custody/case-uco.jsonld'],
      ['checkpoint_signature', true, 'custodia.test/log 10'],
      ['custody_disclosures', true, '5/5'],
      ['custody_proofs', true, '5/5'],
      ['payload_hashes', true, '2/2'],
    ]);

    // Progress: one call per chunk at least, ending at the whole payload.
    assert.ok(progress.length >= 2);
    assert.equal(progress.at(-1)!.totalBytes, result.payloadBytes);
    assert.equal(progress.at(-1)!.totalExpected, result.payloadBytes);
  });

  it('writes the rendered verification reports', async (t) => {
    const root = await tempDir(t);
    const fx = await makeFixture();
    const out = join(root, 'pkg');
    await writeEvidencePackage(out, fx.input);
    for (const locale of ['es', 'en']) {
      assert.match(await readFile(join(out, `report/verification-report.${locale}.html`), 'utf8'), /CASO-2026-001/);
      assert.equal((await readFile(join(out, `report/verification-report.${locale}.pdf`))).subarray(0, 5).toString('latin1'), '%PDF-');
    }
  });

  it('re-wraps payloads to a recipient without re-encrypting them', async (t) => {
    const root = await tempDir(t);
    const fx = await makeFixture();
    const recipient = generateIdentity();
    const out = join(root, 'pkg');
    const result = await writeEvidencePackage(out, { ...fx.input, recipient: recipient.recipient });
    assert.equal(result.report.encryptedTo, recipient.recipient);
    assert.deepEqual((await listFiles(join(out, 'data'))).sort(), ['EXH-1/disk image.dd.age', 'PE_2026_002/PE_2026_002.bin.age']);
    assert.deepEqual((await validateBag(out)).problems, []);

    const paths = ['data/EXH-1/disk image.dd.age', 'data/PE_2026_002/PE_2026_002.bin.age'];
    for (const [i, path] of paths.entries()) {
      const file = await readFile(join(out, path));
      assert.deepEqual(decrypt(file, [recipient.identity]), fx.plaintexts[i], path);
      // Only the header changed: nonce and STREAM chunks are the vault blob's, byte for byte.
      const exported = splitHeader(file);
      const stored = splitHeader(fx.blobs[i]!);
      assert.deepEqual(file.subarray(exported.payloadOffset), fx.blobs[i]!.subarray(stored.payloadOffset), path);
      assert.notDeepEqual(exported.header, stored.header);
      // The vault's key no longer opens it: the file key is wrapped to the recipient only.
      assert.throws(() => decrypt(file, [fx.vault.identity]), rejectsWith('age.no_identity_matched'));
    }
    assert.equal(result.report.items[0]!.path, paths[0]);
  });

  it('produces .age payloads the reference age tool decrypts', { skip: existsSync('/usr/bin/age') ? false : '/usr/bin/age is not installed' }, async (t) => {
    const root = await tempDir(t);
    const fx = await makeFixture();
    const recipient = generateIdentity();
    const out = join(root, 'pkg');
    await writeEvidencePackage(out, { ...fx.input, recipient: recipient.recipient });
    const keyFile = join(root, 'key.txt');
    await writeFile(keyFile, `${recipient.identity}\n`, { mode: 0o600 });
    const plain = execFileSync('/usr/bin/age', ['-d', '-i', keyFile, join(out, 'data/EXH-1/disk image.dd.age')]);
    assert.deepEqual(plain, fx.plaintexts[0]);
  });

  it('keeps memory flat while streaming a large payload', async (t) => {
    const root = await tempDir(t);
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const chunks = 192;
    const hash = createHash('sha256');
    for (let i = 0; i < chunks; i++) hash.update(chunk);
    // A 192 MiB exhibit generated and age-encrypted as it is read: it never exists whole anywhere.
    const open = (vaultRecipient: string) =>
      Readable.from(
        (function* () {
          for (let i = 0; i < chunks; i++) yield chunk;
        })(),
      ).pipe(encryptStream([vaultRecipient]));
    const fx = await makeFixture({ streamed: { bytes: chunks * chunk.length, sha256: hash.digest('hex'), open } });
    const before = process.memoryUsage().rss;
    let peak = before;
    const result = await writeEvidencePackage(join(root, 'pkg'), fx.input, {
      onProgress: () => {
        peak = Math.max(peak, process.memoryUsage().rss);
      },
    });
    assert.equal(result.payloadBytes, chunks * chunk.length + fx.plaintexts[1]!.length);
    assert.ok(peak - before < 96 * 1024 * 1024, `RSS grew by ${Math.round((peak - before) / 1048576)} MiB while writing ${chunks} MiB`);
  });

  it('refuses an item whose decrypted bytes do not match its SHA-256, and leaves nothing behind', async (t) => {
    const root = await tempDir(t);
    const fx = await makeFixture({ wrongHashFor: 1 });
    const out = join(root, 'pkg');
    await assert.rejects(
      writeEvidencePackage(out, fx.input),
      rejectsWith('evidence.fixity_mismatch', (err) => assert.equal(err.params.exhibit, 'PE:2026/002')),
    );
    assert.deepEqual(await readdir(root), []);

    // An empty outDir given beforehand stays empty.
    await mkdir(out);
    await assert.rejects(writeEvidencePackage(out, fx.input), rejectsWith('evidence.fixity_mismatch'));
    assert.deepEqual(await readdir(root), ['pkg']);
    assert.deepEqual(await readdir(out), []);
  });

  it('refuses a proof that does not verify against the log key', async (t) => {
    const root = await tempDir(t);
    const fx = await makeFixture();
    const out = join(root, 'pkg');
    // A hash line of the proof of entry 5 changed.
    const custody = fx.input.custody.map((c) => {
      if (c.index !== 5) return c;
      const lines = c.proof.split('\n');
      lines[3] = Buffer.alloc(32, 1).toString('base64');
      return { ...c, proof: lines.join('\n') };
    });
    await assert.rejects(
      writeEvidencePackage(out, { ...fx.input, custody }),
      rejectsWith('evidence.package_proof_invalid', (err) => assert.equal(err.params.index, 5)),
    );
    // A checkpoint (and proofs) signed by another key.
    const other = generateSignerKey('custodia.test/log');
    const forged = signNote(fx.checkpointBody, [other]);
    const custody2 = await Promise.all(fx.input.custody.map(async (c) => ({ ...c, proof: await fx.proofWith(c.index, forged) })));
    await assert.rejects(writeEvidencePackage(out, { ...fx.input, custody: custody2, checkpoint: forged }), rejectsWith('evidence.package_checkpoint_invalid'));
    await assert.rejects(writeEvidencePackage(out, { ...fx.input, custody: custody2 }), rejectsWith('evidence.package_proof_invalid'));
    assert.deepEqual(await readdir(root), []);
  });

  it('writes legacy leaves (the entry itself) without disclosures, as before blinding', async (t) => {
    const root = await tempDir(t);
    const fx = await makeFixture({ legacy: true });
    const out = join(root, 'pkg');
    const result = await writeEvidencePackage(out, fx.input);
    assert.ok(!(await listFiles(out)).some((f) => f.startsWith('custody/disclosures/')));
    assert.ok(!result.report.checks.some((c) => c.code === 'custody_disclosures'));
    assert.equal(result.report.custody[0]!.disclosurePath, undefined);
    assert.deepEqual((await validateBag(out)).problems, []);
  });

  it('refuses a blinded entry whose salt is missing or does not open it', async (t) => {
    const root = await tempDir(t);
    const fx = await makeFixture();
    const out = join(root, 'pkg');
    const withSalt = (salt: Buffer | undefined) => fx.input.custody.map((c) => (c.index === 5 ? { ...c, disclosure: salt ? { salt } : undefined } : c));
    await assert.rejects(
      writeEvidencePackage(out, { ...fx.input, custody: withSalt(undefined) }),
      rejectsWith('evidence.package_proof_invalid', (err) => {
        assert.equal(err.params.index, 5);
        assert.match(err.message, /blinded entry and no salt/);
      }),
    );
    // Entry 7's salt on entry 5.
    await assert.rejects(
      writeEvidencePackage(out, { ...fx.input, custody: withSalt(fx.salts[7]) }),
      rejectsWith('evidence.package_proof_invalid', (err) => {
        assert.equal(err.params.index, 5);
        assert.equal((err.cause as AppError).code, 'ledger.disclosure_mismatch');
      }),
    );
    // The right salt with details that are not the ones committed to (another reason).
    const changed = fx.input.custody.map((c) => (c.index === 5 ? { ...c, entry: { ...c.entry, data: { ...c.entry.data, reason: 'never received' } } } : c));
    await assert.rejects(
      writeEvidencePackage(out, { ...fx.input, custody: changed }),
      rejectsWith('evidence.package_proof_invalid', (err) => assert.equal((err.cause as AppError).code, 'ledger.disclosure_mismatch')),
    );
    assert.deepEqual(await readdir(root), []);
  });

  it('refuses custody events that name another hash or another item', async (t) => {
    const root = await tempDir(t);
    const fx = await makeFixture();
    const out = join(root, 'pkg');
    // Entry 4 is about item B: filed under item A, its signed subjects say otherwise.
    const custody = fx.input.custody.map((c) => (c.index === 4 ? { ...c, itemId: 'item-a' } : c));
    await assert.rejects(
      writeEvidencePackage(out, { ...fx.input, custody }),
      rejectsWith('evidence.package_custody_mismatch', (err) => assert.match(err.message, /evidence:item-a/)),
    );
    // An item whose recorded SHA-256 is not the one its signed entries state.
    const items = fx.input.items.map((s, i) => (i === 0 ? { ...s, item: { ...s.item, sha256: 'f'.repeat(64) } } : s));
    await assert.rejects(
      writeEvidencePackage(out, { ...fx.input, items }),
      rejectsWith('evidence.package_custody_mismatch', (err) => assert.equal(err.params.index, 2)),
    );
    // Without any entry stating B's hash, B is not anchored in the ledger.
    const withoutB = fx.input.custody.filter((c) => c.index !== 4);
    await assert.rejects(writeEvidencePackage(out, { ...fx.input, custody: withoutB }), rejectsWith('evidence.package_item_unanchored'));
    const unknown = fx.input.custody.map((c) => (c.index === 8 ? { ...c, itemId: 'item-z' } : c));
    await assert.rejects(writeEvidencePackage(out, { ...fx.input, custody: unknown }), rejectsWith('evidence.package_input_invalid'));
  });

  it('refuses a non-empty output directory and bad input before writing', async (t) => {
    const root = await tempDir(t);
    const fx = await makeFixture();
    const out = join(root, 'pkg');
    await mkdir(out);
    await writeFile(join(out, 'x'), 'x');
    await assert.rejects(writeEvidencePackage(out, fx.input), rejectsWith('evidence.package_dir_not_empty'));
    await assert.rejects(writeEvidencePackage(join(root, 'p2'), { ...fx.input, generatedAt: '2026-03-10' }), rejectsWith('evidence.package_input_invalid'));
    await assert.rejects(writeEvidencePackage(join(root, 'p3'), { ...fx.input, recipient: 'age1nope' }), rejectsWith('age.recipient_invalid'));
    assert.deepEqual(await readdir(root), ['pkg']);
  });

  it('fails on a vault blob cut short mid-stream, and leaves nothing behind', async (t) => {
    const root = await tempDir(t);
    const fx = await makeFixture();
    const blob = fx.blobs[0]!;
    const items = fx.input.items.map((s, i) =>
      i === 0 ? { ...s, openStored: async () => Readable.from([blob.subarray(0, 50_000), blob.subarray(50_000, blob.length - 100)]) } : s,
    );
    for (const recipient of [undefined, generateIdentity().recipient]) {
      await assert.rejects(
        writeEvidencePackage(join(root, 'pkg'), { ...fx.input, items, ...(recipient ? { recipient } : {}) }),
        rejectsWith('evidence.package_payload_failed', (err) => assert.equal(err.params.exhibit, 'EXH-1')),
      );
      assert.deepEqual(await readdir(root), []);
    }
  });

  it('leaves nothing behind when the report cannot be rendered', async (t) => {
    const root = await tempDir(t);
    const fx = await makeFixture();
    const locales: string[] = [];
    const renderReport = async (_model: unknown, locale: 'es' | 'en') => {
      locales.push(locale);
      if (locale === 'en') throw new Error('no fonts');
      return { html: '<!doctype html>', pdf: Buffer.from('%PDF-') };
    };
    await assert.rejects(writeEvidencePackage(join(root, 'pkg'), fx.input, { renderReport }), /no fonts/);
    assert.deepEqual(locales, ['es', 'en']);
    assert.deepEqual(await readdir(root), []);
  });

  it('reports a vault blob that does not decrypt, naming the exhibit', async (t) => {
    const root = await tempDir(t);
    const fx = await makeFixture();
    const stranger = generateIdentity();
    await assert.rejects(
      writeEvidencePackage(join(root, 'pkg'), { ...fx.input, vaultIdentities: [stranger.identity] }),
      rejectsWith('evidence.package_payload_failed', (err) => {
        assert.equal(err.params.exhibit, 'EXH-1');
        assert.equal((err.cause as AppError).code, 'age.no_identity_matched');
      }),
    );
    assert.deepEqual(await readdir(root), []);
  });
});
