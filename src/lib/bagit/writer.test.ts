import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { AppError } from '../errors.ts';
import { hex, listFiles, SAMPLE_PAYLOAD, SAMPLE_TAGS, tempDir, writeSampleBag } from './testing.ts';
import { validateBag } from './validator.ts';
import { createBagWriter } from './writer.ts';

function rejectsWith(code: string) {
  return (err: unknown) => {
    assert.ok(err instanceof AppError, `expected an AppError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  };
}

describe('BagIt writer: the bag it writes', () => {
  it('has the exact bag declaration, manifests, bag-info and tag manifests, and validates', async (t) => {
    const root = await tempDir(t);
    const bag = join(root, 'bag');
    const summary = await writeSampleBag(bag, root);

    assert.equal(await readFile(join(bag, 'bagit.txt'), 'utf8'), 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');

    // Payload files land under data/ byte for byte.
    for (const [rel, bytes] of SAMPLE_PAYLOAD) assert.deepEqual(await readFile(join(bag, 'data', ...rel.split('/'))), bytes, rel);

    // Manifests: one line per payload file, in UTF-8 byte order of the encoded path, digests computed here.
    const bytesOf = new Map(SAMPLE_PAYLOAD.map(([rel, bytes]) => [rel, bytes]));
    const order: Array<[string, string]> = [
      ['exhibit-1.img.age', 'data/exhibit-1.img.age'],
      ['line\nbreak.txt', 'data/line%0Abreak.txt'],
      ['photos/scene 01.jpg', 'data/photos/scene 01.jpg'],
      ['rate 100%.csv', 'data/rate 100%25.csv'],
      ['témoignage-証拠.txt', 'data/témoignage-証拠.txt'],
    ];
    for (const alg of ['sha256', 'sha512'] as const) {
      const expected = order.map(([rel, encoded]) => `${hex(alg, bytesOf.get(rel)!)} ${encoded}\n`).join('');
      assert.equal(await readFile(join(bag, `manifest-${alg}.txt`), 'utf8'), expected, alg);
    }

    const octets = SAMPLE_PAYLOAD.reduce((sum, [, b]) => sum + b.length, 0);
    assert.equal(
      await readFile(join(bag, 'bag-info.txt'), 'utf8'),
      [
        'Source-Organization: Fiscalía Especializada en Ciberdelincuencia',
        'External-Identifier: EXP-2026-0042',
        'Internal-Sender-Identifier: custodia:case/2026-0042/export/1',
        'Custodia-Case: 2026-0042',
        'Custodia-Exhibit: exhibit-1',
        'Custodia-Exhibit: exhibit-2',
        'Bagging-Date: 2026-03-14',
        `Payload-Oxum: ${octets}.5`,
        'Bag-Software-Agent: Custodia test',
        '',
      ].join('\n'),
    );

    // Tag manifests list every tag file, custom ones included, but no tag manifest.
    const tagOrder = ['bag-info.txt', 'bagit.txt', 'custody/case.jsonld', 'custody/proofs/exhibit-1.json', 'manifest-sha256.txt', 'manifest-sha512.txt'];
    for (const alg of ['sha256', 'sha512'] as const) {
      const lines = [];
      for (const p of tagOrder) lines.push(`${hex(alg, await readFile(join(bag, p)))} ${p}\n`);
      assert.equal(await readFile(join(bag, `tagmanifest-${alg}.txt`), 'utf8'), lines.join(''), alg);
    }
    for (const [rel, text] of SAMPLE_TAGS) assert.equal(await readFile(join(bag, rel), 'utf8'), text);

    // Nothing else is left behind (no staging files).
    assert.deepEqual(
      (await listFiles(bag)).sort(),
      [...tagOrder, ...order.map(([rel]) => `data/${rel}`), 'tagmanifest-sha256.txt', 'tagmanifest-sha512.txt'].sort(),
    );

    assert.equal(summary.payloadOxum, `${octets}.5`);
    assert.equal(summary.octets, octets);
    assert.equal(summary.fileCount, 5);
    assert.deepEqual(
      summary.files.map((f) => f.path),
      order.map(([rel]) => `data/${rel}`),
    );
    const exhibit = summary.files[0]!;
    assert.deepEqual(exhibit.digests, { sha256: hex('sha256', bytesOf.get('exhibit-1.img.age')!), sha512: hex('sha512', bytesOf.get('exhibit-1.img.age')!) });
    assert.deepEqual(
      summary.tagFiles.map((f) => f.path),
      tagOrder,
    );

    const result = await validateBag(bag);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.warnings, []);
    assert.equal(result.valid, true);
    assert.deepEqual(result.payload, { files: 5, octets });
    assert.deepEqual(result.algorithms, ['sha256', 'sha512']);
  });

  it('writes only the algorithms asked for, and an empty payload as 0.0', async (t) => {
    const bag = join(await tempDir(t), 'bag');
    const writer = await createBagWriter(bag, { algorithms: ['sha512'], baggingDate: new Date('2026-12-31T23:59:59Z') });
    const summary = await writer.finish();
    assert.equal(summary.payloadOxum, '0.0');
    assert.deepEqual((await listFiles(bag)).sort(), ['bag-info.txt', 'bagit.txt', 'manifest-sha512.txt', 'tagmanifest-sha512.txt']);
    assert.equal(await readFile(join(bag, 'manifest-sha512.txt'), 'utf8'), '');
    assert.match(await readFile(join(bag, 'bag-info.txt'), 'utf8'), /^Bagging-Date: 2026-12-31\nPayload-Oxum: 0\.0\nBag-Software-Agent: Custodia/);
    assert.equal((await validateBag(bag)).valid, true);
  });
});

describe('BagIt writer: streaming', () => {
  it('streams a multi-MiB file given in odd-sized chunks, hashing every algorithm in one pass', async (t) => {
    const bag = join(await tempDir(t), 'bag');
    const size = 5 * 1024 * 1024 + 12_345;
    // Deterministic bytes, produced chunk by chunk; the reference digests are fed the same chunks.
    const ref256 = (await import('node:crypto')).createHash('sha256');
    const ref512 = (await import('node:crypto')).createHash('sha512');
    const chunkSizes = [1, 7, 4093, 65_537, 3, 1_048_583, 12_289, 131_071];
    let state = 0x2545f491;
    async function* chunks() {
      let produced = 0;
      let i = 0;
      while (produced < size) {
        const n = Math.min(chunkSizes[i++ % chunkSizes.length]!, size - produced);
        const chunk = Buffer.allocUnsafe(n);
        for (let j = 0; j < n; j++) {
          state ^= state << 13;
          state ^= state >>> 17;
          state ^= state << 5;
          chunk[j] = state & 0xff;
        }
        ref256.update(chunk);
        ref512.update(chunk);
        produced += n;
        yield chunk;
      }
    }
    const progress: Array<{ fileBytes: number; totalBytes: number }> = [];
    const writer = await createBagWriter(bag, { onProgress: (p) => progress.push({ fileBytes: p.fileBytes, totalBytes: p.totalBytes }) });
    await writer.addTagFile('custody/note.txt', 'small tag\n');
    await writer.addPayloadFile('small.txt', Readable.from([Buffer.from('hello\n')]));
    const record = await writer.addPayloadFile('images/exhibit-2.dd', Readable.from(chunks()));
    const summary = await writer.finish();

    assert.equal(record.size, size);
    assert.deepEqual(record.digests, { sha256: ref256.digest('hex'), sha512: ref512.digest('hex') });
    assert.equal(summary.octets, size + 6);
    assert.equal(summary.payloadOxum, `${size + 6}.2`);

    // Progress reports every chunk, grows steadily and ends at the total.
    assert.ok(progress.length > chunkSizes.length);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.totalBytes > progress[i - 1]!.totalBytes);
    assert.deepEqual(progress.at(-1), { fileBytes: size, totalBytes: size + 6 });

    const onDisk = await readFile(join(bag, 'data', 'images', 'exhibit-2.dd'));
    assert.equal(onDisk.length, size);
    assert.equal(hex('sha256', onDisk), record.digests.sha256);

    let validatedBytes = 0;
    let expectedTotal = 0;
    const result = await validateBag(bag, {
      onProgress: (p) => {
        validatedBytes = p.doneBytes;
        expectedTotal = p.totalBytes;
      },
    });
    assert.deepEqual(result.problems, []);
    assert.equal(result.valid, true);
    assert.equal(validatedBytes, expectedTotal);
    assert.ok(validatedBytes > size);
  });

  it('takes payload files concurrently, and a racing duplicate is refused', async (t) => {
    const bag = join(await tempDir(t), 'bag');
    const writer = await createBagWriter(bag);
    const names = Array.from({ length: 24 }, (_, i) => `batch/${i % 3}/file-${i}.bin`);
    const adds = names.map((name, i) => writer.addPayloadFile(name, Readable.from([Buffer.alloc(1000 + i, i)])));
    const racing = writer.addPayloadFile(names[5]!, Readable.from([Buffer.from('second')]));
    await assert.rejects(racing, rejectsWith('bagit.path_duplicate'));
    await Promise.all(adds);
    const summary = await writer.finish();
    assert.equal(summary.fileCount, 24);
    assert.equal(summary.octets, 24 * 1000 + (23 * 24) / 2);
    const result = await validateBag(bag);
    assert.deepEqual(result.problems, []);
  });

  it('leaves nothing behind when a source fails mid-stream, and the path can be added again', async (t) => {
    const bag = join(await tempDir(t), 'bag');
    const writer = await createBagWriter(bag);
    const broken = new Readable({
      read() {
        this.push(Buffer.alloc(1000, 1));
        this.destroy(new Error('device read error'));
      },
    });
    await assert.rejects(writer.addPayloadFile('exhibit.bin', broken), rejectsWith('bagit.payload_write_failed'));
    await writer.addPayloadFile('exhibit.bin', Readable.from([Buffer.from('good copy')]));
    await writer.finish();
    assert.deepEqual((await listFiles(join(bag, 'data'))).sort(), ['exhibit.bin']);
    assert.equal((await validateBag(bag)).valid, true);
  });

  it('refuses a stream of strings rather than guess their encoding', async (t) => {
    const writer = await createBagWriter(join(await tempDir(t), 'bag'));
    await assert.rejects(writer.addPayloadFile('x.txt', Readable.from(['text'], { objectMode: true })), rejectsWith('bagit.source_invalid'));
  });

  it('copies from a file path source and reports a missing one', async (t) => {
    const root = await tempDir(t);
    const source = join(root, 'source.bin');
    await writeFile(source, Buffer.alloc(3 * 1024 * 1024 + 1, 7));
    const writer = await createBagWriter(join(root, 'bag'));
    const record = await writer.addPayloadFile('copy.bin', source);
    assert.equal(record.size, 3 * 1024 * 1024 + 1);
    assert.equal(record.digests.sha512, hex('sha512', await readFile(source)));
    await assert.rejects(writer.addPayloadFile('gone.bin', join(root, 'nope.bin')), rejectsWith('bagit.payload_write_failed'));
  });
});

describe('BagIt writer: refusals', () => {
  it('rejects unsafe and duplicate payload paths', async (t) => {
    const writer = await createBagWriter(join(await tempDir(t), 'bag'));
    for (const bad of ['/etc/passwd', '../escape', 'a/../../escape', 'a/./b', 'a//b', '', 'dir/', 'a\\b', 'C:/x']) {
      await assert.rejects(writer.addPayloadFile(bad, Readable.from([Buffer.from('x')])), rejectsWith('bagit.path_invalid'), JSON.stringify(bad));
    }
    await writer.addPayloadFile('same.txt', Readable.from([Buffer.from('1')]));
    await assert.rejects(writer.addPayloadFile('same.txt', Readable.from([Buffer.from('2')])), rejectsWith('bagit.path_duplicate'));
    await writer.addPayloadFile('Same.txt', Readable.from([Buffer.from('3')])); // differs by case only: allowed
    await assert.rejects(writer.addPayloadFile('same.txt/inner', Readable.from([Buffer.from('4')])), rejectsWith('bagit.path_conflict'));
    await writer.addPayloadFile('dir/inner', Readable.from([Buffer.from('5')]));
    await assert.rejects(writer.addPayloadFile('dir', Readable.from([Buffer.from('6')])), rejectsWith('bagit.path_conflict'));
    const summary = await writer.finish();
    assert.deepEqual(
      summary.files.map((f) => f.path),
      ['data/Same.txt', 'data/dir/inner', 'data/same.txt'],
    );
  });

  it('rejects tag paths that are payload, reserved or unsafe', async (t) => {
    const writer = await createBagWriter(join(await tempDir(t), 'bag'));
    for (const reserved of [
      'data/x.json',
      'data',
      'bagit.txt',
      'bag-info.txt',
      'fetch.txt',
      'manifest-sha256.txt',
      'tagmanifest-md5.txt',
      '.bagit-staging/x',
    ]) {
      await assert.rejects(writer.addTagFile(reserved, 'x'), rejectsWith('bagit.path_reserved'), reserved);
    }
    await assert.rejects(writer.addTagFile('../custody.json', 'x'), rejectsWith('bagit.path_invalid'));
    await assert.rejects(writer.addTagFile('/custody.json', 'x'), rejectsWith('bagit.path_invalid'));
    await writer.addTagFile('custody/manifest-sha256.txt', 'nested names are not reserved');
    await assert.rejects(writer.addTagFile('custody/manifest-sha256.txt', 'again'), rejectsWith('bagit.path_duplicate'));
  });

  it('rejects bad bag-info elements and options', async (t) => {
    const root = await tempDir(t);
    const bad: Array<[Parameters<typeof createBagWriter>[1], string]> = [
      [{ info: [['Payload-Oxum', '1.1']] }, 'bagit.info_invalid'],
      [{ info: [['bagging-date', '2026-01-01']] }, 'bagit.info_invalid'],
      [{ info: [['Bad:Label', 'x']] }, 'bagit.info_invalid'],
      [{ info: [['Label', 'two\nlines']] }, 'bagit.info_invalid'],
      [{ baggingDate: '14/03/2026' }, 'bagit.info_invalid'],
      [{ algorithms: [] }, 'bagit.algorithm_unsupported'],
      [{ algorithms: ['md5' as 'sha256'] }, 'bagit.algorithm_unsupported'],
      [{ algorithms: ['sha256', 'sha256'] }, 'bagit.algorithm_unsupported'],
    ];
    for (const [options, code] of bad) await assert.rejects(createBagWriter(join(root, 'never'), options), rejectsWith(code), JSON.stringify(options));
  });

  it('refuses a directory that is not empty', async (t) => {
    const root = await tempDir(t);
    await writeFile(join(root, 'existing.txt'), 'x');
    await assert.rejects(createBagWriter(root), rejectsWith('bagit.dir_not_empty'));
  });

  it('refuses to finish while a file is still being written, and anything after finish', async (t) => {
    const writer = await createBagWriter(join(await tempDir(t), 'bag'));
    const slow = new PassThrough();
    const adding = writer.addPayloadFile('slow.bin', slow);
    slow.write(Buffer.from('partial'));
    await assert.rejects(writer.finish(), rejectsWith('bagit.writer_busy'));
    slow.end(Buffer.from(' and the rest'));
    assert.equal((await adding).size, 20);
    await writer.finish();
    await assert.rejects(writer.addPayloadFile('late.bin', Readable.from([Buffer.from('x')])), rejectsWith('bagit.writer_closed'));
    await assert.rejects(writer.addTagFile('late.json', '{}'), rejectsWith('bagit.writer_closed'));
    await assert.rejects(writer.finish(), rejectsWith('bagit.writer_closed'));
  });

  it('abort removes staging files', async (t) => {
    const bag = join(await tempDir(t), 'bag');
    const writer = await createBagWriter(bag);
    await writer.addPayloadFile('a.bin', Readable.from([Buffer.from('a')]));
    await writer.abort();
    assert.deepEqual(await listFiles(bag), ['data/a.bin']);
    await assert.rejects(writer.finish(), rejectsWith('bagit.writer_closed'));
  });
});
