import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { hex, rewriteTagManifests, tempDir, writeSampleBag } from './testing.ts';
import { type BagProblem, validateBag } from './validator.ts';
import { createBagWriter } from './writer.ts';

async function sampleBag(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const root = await tempDir(t);
  const bag = join(root, 'bag');
  await writeSampleBag(bag, root);
  return bag;
}

/** The problems, as `code path` strings, sorted, for exact comparison. */
function codes(problems: BagProblem[]): string[] {
  return problems.map((p) => `${p.code} ${p.path}`).sort();
}

async function edit(path: string, change: (text: string) => string): Promise<void> {
  const before = await readFile(path, 'utf8');
  const after = change(before);
  assert.notEqual(after, before, `edit of ${path} changed nothing`);
  await writeFile(path, after);
}

describe('BagIt validator: tampering is caught and named', () => {
  it('one byte changed in a payload file → digest_mismatch in every manifest', async (t) => {
    const bag = await sampleBag(t);
    const file = join(bag, 'data', 'exhibit-1.img.age');
    const bytes = await readFile(file);
    bytes[10] = bytes[10]! ^ 0x01;
    await writeFile(file, bytes);
    const result = await validateBag(bag);
    assert.equal(result.valid, false);
    assert.deepEqual(codes(result.problems), ['bagit.digest_mismatch data/exhibit-1.img.age', 'bagit.digest_mismatch data/exhibit-1.img.age']);
    assert.match(result.problems[0]!.detail!, /^manifest-sha256\.txt: expected [0-9a-f]{64}, computed [0-9a-f]{64}$/);
    assert.match(result.problems[1]!.detail!, /^manifest-sha512\.txt: /);
  });

  it('a large payload file (hashed on worker threads) is checked under both digests, and one changed byte is caught by each', async (t) => {
    const root = await tempDir(t);
    const bag = join(root, 'bag');
    // Larger than what parallel-digests.ts keeps on one thread, and not a whole number of batches.
    const large = Buffer.alloc(9 * 1024 * 1024 + 12_345);
    for (let i = 0; i < large.length; i += 4096) large[i] = i % 251;
    const writer = await createBagWriter(bag, { baggingDate: '2026-03-14' });
    await writer.addPayloadFile('image.dd', Readable.from([large]));
    await writer.finish();
    assert.deepEqual((await validateBag(bag)).problems, []);
    const manifests = await readFile(join(bag, 'manifest-sha512.txt'), 'utf8');
    assert.ok(manifests.startsWith(createHash('sha512').update(large).digest('hex')));

    large[9 * 1024 * 1024 + 1] = large[9 * 1024 * 1024 + 1]! ^ 0x80;
    await writeFile(join(bag, 'data', 'image.dd'), large);
    assert.deepEqual(codes((await validateBag(bag)).problems), ['bagit.digest_mismatch data/image.dd', 'bagit.digest_mismatch data/image.dd']);
  });

  it('a payload file removed → file_missing (and Payload-Oxum no longer matches)', async (t) => {
    const bag = await sampleBag(t);
    await rm(join(bag, 'data', 'rate 100%.csv'));
    const result = await validateBag(bag);
    assert.deepEqual(codes(result.problems), ['bagit.file_missing data/rate 100%.csv', 'bagit.oxum_mismatch bag-info.txt']);
    assert.match(result.problems.find((p) => p.code === 'bagit.file_missing')!.detail!, /manifest-sha256\.txt, manifest-sha512\.txt/);
  });

  it('an extra file in data/ → file_unlisted (and Payload-Oxum no longer matches)', async (t) => {
    const bag = await sampleBag(t);
    await mkdir(join(bag, 'data', 'photos'), { recursive: true });
    await writeFile(join(bag, 'data', 'photos', 'planted.jpg'), 'not from the scene');
    const result = await validateBag(bag);
    assert.deepEqual(codes(result.problems), ['bagit.file_unlisted data/photos/planted.jpg', 'bagit.oxum_mismatch bag-info.txt']);
  });

  it('a manifest line edited → digest_mismatch for the file, and the tag manifest catches the manifest', async (t) => {
    const bag = await sampleBag(t);
    const forged = hex('sha256', Buffer.from('forged'));
    await edit(join(bag, 'manifest-sha256.txt'), (text) => text.replace(/^[0-9a-f]{64}(?= data\/exhibit-1\.img\.age$)/m, forged));
    const result = await validateBag(bag);
    assert.deepEqual(codes(result.problems), [
      'bagit.digest_mismatch data/exhibit-1.img.age',
      'bagit.tagmanifest_mismatch manifest-sha256.txt',
      'bagit.tagmanifest_mismatch manifest-sha256.txt',
    ]);
  });

  it('bag-info.txt edited → tagmanifest_mismatch for bag-info.txt', async (t) => {
    const bag = await sampleBag(t);
    await edit(join(bag, 'bag-info.txt'), (text) => text.replace('External-Identifier: EXP-2026-0042', 'External-Identifier: EXP-2026-0043'));
    const result = await validateBag(bag);
    assert.deepEqual(codes(result.problems), ['bagit.tagmanifest_mismatch bag-info.txt', 'bagit.tagmanifest_mismatch bag-info.txt']);
    assert.deepEqual(
      result.problems.map((p) => p.detail!.split(':')[0]),
      ['tagmanifest-sha256.txt', 'tagmanifest-sha512.txt'],
    );
  });

  it('a custom tag file edited → tagmanifest_mismatch naming it', async (t) => {
    const bag = await sampleBag(t);
    await appendFile(join(bag, 'custody', 'proofs', 'exhibit-1.json'), ' ');
    const result = await validateBag(bag);
    assert.deepEqual(codes(result.problems), [
      'bagit.tagmanifest_mismatch custody/proofs/exhibit-1.json',
      'bagit.tagmanifest_mismatch custody/proofs/exhibit-1.json',
    ]);
  });

  it('Payload-Oxum wrong (tag manifests recomputed to hide the edit) → oxum_mismatch', async (t) => {
    const bag = await sampleBag(t);
    await edit(join(bag, 'bag-info.txt'), (text) => text.replace(/^Payload-Oxum: (\d+)\.5$/m, (_, n) => `Payload-Oxum: ${Number(n) + 1}.5`));
    await rewriteTagManifests(bag);
    const result = await validateBag(bag);
    assert.deepEqual(codes(result.problems), ['bagit.oxum_mismatch bag-info.txt']);
    assert.match(result.problems[0]!.detail!, /declares \d+\.5, payload is \d+\.5/);
  });

  it('Payload-Oxum malformed or repeated → oxum_invalid', async (t) => {
    const bag = await sampleBag(t);
    await edit(join(bag, 'bag-info.txt'), (text) => text.replace(/^Payload-Oxum: .*$/m, 'Payload-Oxum: lots'));
    await rewriteTagManifests(bag);
    assert.deepEqual(codes((await validateBag(bag)).problems), ['bagit.oxum_invalid bag-info.txt']);
    await appendFile(join(bag, 'bag-info.txt'), 'Payload-Oxum: 1.1\n');
    await rewriteTagManifests(bag);
    assert.deepEqual(codes((await validateBag(bag)).problems), ['bagit.oxum_invalid bag-info.txt']);
  });

  it('"../" in a manifest path → path_invalid naming the manifest; nothing outside the bag is read', async (t) => {
    const bag = await sampleBag(t);
    // A file outside the bag whose digest the forged line carries, so a naive validator would "verify" it.
    const outside = join(bag, '..', 'secret.txt');
    await writeFile(outside, 'outside the bag');
    const digest = hex('sha256', Buffer.from('outside the bag'));
    await appendFile(join(bag, 'manifest-sha256.txt'), `${digest} data/../../secret.txt\n`);
    await appendFile(join(bag, 'manifest-sha256.txt'), `${digest} /etc/passwd\n`);
    await appendFile(join(bag, 'manifest-sha256.txt'), `${digest} data/%2e%2e/%2e%2e/secret.txt\n`);
    await rewriteTagManifests(bag);
    const result = await validateBag(bag);
    assert.deepEqual(codes(result.problems), [
      'bagit.path_invalid manifest-sha256.txt',
      'bagit.path_invalid manifest-sha256.txt',
      'bagit.path_invalid manifest-sha256.txt',
    ]);
    assert.match(result.problems[0]!.detail!, /^line 6: "data\/\.\.\/\.\.\/secret\.txt": contains a "\.\." segment$/);
    assert.match(result.problems[1]!.detail!, /^line 7: "\/etc\/passwd": absolute path$/);
    assert.match(result.problems[2]!.detail!, /^line 8: .* % that is not %0D, %0A or %25$/);
  });

  it('a payload manifest path outside data/ → path_invalid', async (t) => {
    const bag = await sampleBag(t);
    await appendFile(join(bag, 'manifest-sha256.txt'), `${hex('sha256', await readFile(join(bag, 'bagit.txt')))} bagit.txt\n`);
    await rewriteTagManifests(bag);
    assert.deepEqual(codes((await validateBag(bag)).problems), ['bagit.path_invalid manifest-sha256.txt']);
  });

  it('a symbolic link in data/ → path_invalid, and it is not followed', async (t) => {
    const bag = await sampleBag(t);
    await writeFile(join(bag, '..', 'elsewhere.txt'), 'x');
    await symlink(join(bag, '..', 'elsewhere.txt'), join(bag, 'data', 'link.txt'));
    await symlink(join(bag, '..'), join(bag, 'data', 'linkdir'));
    const result = await validateBag(bag);
    assert.deepEqual(codes(result.problems), ['bagit.path_invalid data/link.txt', 'bagit.path_invalid data/linkdir']);
  });

  it('bagit.txt with the wrong version → version_invalid (and its tag manifest entries mismatch)', async (t) => {
    const bag = await sampleBag(t);
    await edit(join(bag, 'bagit.txt'), (text) => text.replace('1.0', '0.97'));
    const result = await validateBag(bag);
    assert.deepEqual(codes(result.problems), [
      'bagit.tagmanifest_mismatch bagit.txt',
      'bagit.tagmanifest_mismatch bagit.txt',
      'bagit.version_invalid bagit.txt',
    ]);
    assert.equal(result.problems.find((p) => p.code === 'bagit.version_invalid')!.detail, 'BagIt-Version is 0.97, only 1.0 is supported');
  });

  it('bagit.txt missing, malformed, with a BOM → declaration problems', async (t) => {
    const bag = await sampleBag(t);
    await rm(join(bag, 'bagit.txt'));
    await rewriteTagManifests(bag);
    assert.deepEqual(codes((await validateBag(bag)).problems), ['bagit.declaration_missing bagit.txt']);

    await writeFile(join(bag, 'bagit.txt'), 'BagIt-Version: 1.0\nTag-File-Character-Encoding: ISO-8859-1\nExtra: line\n');
    await rewriteTagManifests(bag);
    assert.deepEqual(codes((await validateBag(bag)).problems), ['bagit.declaration_invalid bagit.txt', 'bagit.encoding_invalid bagit.txt']);

    await writeFile(join(bag, 'bagit.txt'), '\ufeffBagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
    await rewriteTagManifests(bag);
    assert.deepEqual(codes((await validateBag(bag)).problems), ['bagit.encoding_invalid bagit.txt']);
  });

  it('no payload manifest → manifest_missing; no data/ → payload_dir_missing', async (t) => {
    const bag = await sampleBag(t);
    await rm(join(bag, 'manifest-sha256.txt'));
    await rm(join(bag, 'manifest-sha512.txt'));
    await rm(join(bag, 'data'), { recursive: true });
    await rewriteTagManifests(bag);
    const result = await validateBag(bag);
    assert.deepEqual(codes(result.problems), [
      'bagit.manifest_missing manifest-<algorithm>.txt',
      'bagit.oxum_mismatch bag-info.txt',
      'bagit.payload_dir_missing data',
    ]);
  });

  it('a file listed in one payload manifest only → file_unlisted naming the other', async (t) => {
    const bag = await sampleBag(t);
    await edit(join(bag, 'manifest-sha512.txt'), (text) => text.replace(/^.* data\/line%0Abreak\.txt\n/m, ''));
    await rewriteTagManifests(bag);
    const result = await validateBag(bag);
    assert.deepEqual(result.problems, [
      { code: 'bagit.file_unlisted', path: 'data/line\nbreak.txt', detail: 'payload file not listed in manifest-sha512.txt' },
    ]);
  });

  it('malformed and duplicate manifest lines → manifest_line_invalid, manifest_duplicate', async (t) => {
    const bag = await sampleBag(t);
    const manifest = join(bag, 'manifest-sha256.txt');
    const first = (await readFile(manifest, 'utf8')).split('\n')[0]!;
    await appendFile(manifest, `${first}\nnot a manifest line\nabc123 data/short-digest.txt\n`);
    await rewriteTagManifests(bag);
    const result = await validateBag(bag);
    assert.deepEqual(codes(result.problems), [
      'bagit.manifest_duplicate manifest-sha256.txt',
      'bagit.manifest_line_invalid manifest-sha256.txt',
      'bagit.manifest_line_invalid manifest-sha256.txt',
    ]);
  });

  it('an unencoded % in a manifest path → path_invalid', async (t) => {
    const bag = await sampleBag(t);
    await edit(join(bag, 'manifest-sha256.txt'), (text) => text.replace('data/rate 100%25.csv', 'data/rate 100%.csv'));
    await rewriteTagManifests(bag);
    assert.deepEqual(codes((await validateBag(bag)).problems), ['bagit.file_unlisted data/rate 100%.csv', 'bagit.path_invalid manifest-sha256.txt']);
  });

  it('a tag manifest that omits a payload manifest → tagmanifest_incomplete; a removed tag file → file_missing', async (t) => {
    const bag = await sampleBag(t);
    await edit(join(bag, 'tagmanifest-sha512.txt'), (text) => text.replace(/^.* manifest-sha256\.txt\n/m, ''));
    await rm(join(bag, 'custody', 'case.jsonld'));
    const result = await validateBag(bag);
    assert.deepEqual(codes(result.problems), ['bagit.file_missing custody/case.jsonld', 'bagit.tagmanifest_incomplete manifest-sha256.txt']);
  });

  it('a tag manifest that lists a payload file or a tag manifest → path_invalid', async (t) => {
    const bag = await sampleBag(t);
    const line = (await readFile(join(bag, 'manifest-sha256.txt'), 'utf8')).split('\n')[0]!;
    await appendFile(join(bag, 'tagmanifest-sha256.txt'), `${line}\n${hex('sha256', Buffer.from(''))} tagmanifest-sha512.txt\n`);
    const result = await validateBag(bag);
    assert.deepEqual(codes(result.problems), ['bagit.path_invalid tagmanifest-sha256.txt', 'bagit.path_invalid tagmanifest-sha256.txt']);
  });

  it('a manifest for an unknown algorithm → algorithm_unsupported', async (t) => {
    const bag = await sampleBag(t);
    await writeFile(join(bag, 'manifest-whirlpool.txt'), '');
    await rewriteTagManifests(bag);
    assert.deepEqual(codes((await validateBag(bag)).problems), ['bagit.algorithm_unsupported manifest-whirlpool.txt']);
  });

  it('a payload file renamed to another Unicode normalisation → file_missing with a hint, file_unlisted', async (t) => {
    const bag = await sampleBag(t);
    const nfc = 'témoignage-証拠.txt';
    const nfd = nfc.normalize('NFD');
    assert.notEqual(nfd, nfc);
    await rename(join(bag, 'data', nfc), join(bag, 'data', nfd));
    const result = await validateBag(bag);
    assert.deepEqual(codes(result.problems), [`bagit.file_missing data/${nfc}`, `bagit.file_unlisted data/${nfd}`]);
    assert.match(result.problems.find((p) => p.code === 'bagit.file_missing')!.detail!, /differs only in Unicode normalisation/);
  });

  it('a bag directory that does not exist → bag_missing', async (t) => {
    const result = await validateBag(join(await tempDir(t), 'nothing-here'));
    assert.deepEqual(codes(result.problems), ['bagit.bag_missing ']);
    assert.equal(result.valid, false);
  });
});

describe('BagIt validator: what stays valid', () => {
  it('a tag file added after the fact is a warning only (RFC 8493: tag manifests SHOULD list every tag file)', async (t) => {
    const bag = await sampleBag(t);
    await writeFile(join(bag, 'custody', 'late-note.txt'), 'added later');
    const result = await validateBag(bag);
    assert.equal(result.valid, true);
    assert.deepEqual(codes(result.warnings), ['bagit.tag_unlisted custody/late-note.txt']);
  });

  it('accepts CRLF manifests, upper-case hex and tab separators, as RFC 8493 allows', async (t) => {
    const bag = await sampleBag(t);
    for (const alg of ['sha256', 'sha512']) {
      await edit(join(bag, `manifest-${alg}.txt`), (text) => text.replace(/^([0-9a-f]+) /gm, (_, h: string) => `${h.toUpperCase()}\t`).replace(/\n/g, '\r\n'));
    }
    await rewriteTagManifests(bag);
    const result = await validateBag(bag);
    assert.deepEqual(result.problems, []);
    assert.equal(result.valid, true);
  });

  it('skipDigests checks completeness and Payload-Oxum without reading payload', async (t) => {
    const bag = await sampleBag(t);
    const file = join(bag, 'data', 'exhibit-1.img.age');
    const bytes = await readFile(file);
    bytes[0] = bytes[0]! ^ 0xff;
    await writeFile(file, bytes);
    const fast = await validateBag(bag, { skipDigests: true });
    assert.equal(fast.valid, true);
    assert.equal(fast.digestsChecked, false);
    assert.equal((await validateBag(bag)).valid, false);
  });
});
