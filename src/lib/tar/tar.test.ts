import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { extractTar, tarDirectory } from './index.ts';

const LONG_DIR = 'expedientes/declaración-del-testigo-en-la-investigación-transfronteriza-sobre-ciberdelincuencia-número-2026-0042';
const LONG_FILE = `${LONG_DIR}/anexo-señalización-técnica-año.txt`;

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'custodia-tar-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Relative path → contents (files) or null (directories), read with plain node:fs. */
async function readTree(dir: string): Promise<Map<string, Buffer | null>> {
  const tree = new Map<string, Buffer | null>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name).slice(dir.length + 1);
    tree.set(path, entry.isDirectory() ? null : await readFile(join(dir, path)));
  }
  return tree;
}

async function sampleTree(dir: string): Promise<void> {
  await mkdir(join(dir, LONG_DIR), { recursive: true });
  await mkdir(join(dir, 'a/b/c'), { recursive: true });
  await mkdir(join(dir, 'vacía'));
  await writeFile(join(dir, LONG_FILE), 'declaración — testigo ñ\n');
  await writeFile(join(dir, 'vacío.txt'), '');
  await writeFile(join(dir, 'a/b/c/deep.txt'), 'deep\n');
  await writeFile(join(dir, 'big.bin'), randomBytes(3 * 1024 * 1024 + 17));
}

const BLOCK = 512;

/** A ustar header block with any name/typeflag, built and checksummed here, independently of the code under test. */
function rawHeader(name: string, typeflag: string, size: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  block.write('0000644\0', 100, 8, 'latin1');
  block.write('0000000\0', 108, 8, 'latin1');
  block.write('0000000\0', 116, 8, 'latin1');
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 12, 'latin1');
  block.write('00000000000\0', 136, 12, 'latin1');
  block.write(typeflag, 156, 1, 'latin1');
  block.write('ustar\u000000', 257, 8, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return block;
}

/** One pax record, `<length> <key>=<value>\n`, the length counting itself. */
function paxRecord(key: string, value: string): Buffer {
  const body = Buffer.byteLength(` ${key}=${value}\n`);
  let digits = 1;
  while (String(body + digits).length !== digits) digits++;
  return Buffer.from(`${body + digits} ${key}=${value}\n`, 'utf8');
}

function entry(header: Uint8Array, data: Uint8Array = new Uint8Array()): Buffer {
  return Buffer.concat([header, data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK)]);
}

const END = Buffer.alloc(2 * BLOCK);
const gnuTar = /GNU tar/.test(spawnSync('tar', ['--version'], { encoding: 'utf8' }).stdout ?? '');
// A fixed environment: the same listing whatever the caller's locale (and no configuration read here).
const tarEnv = { PATH: '/usr/bin:/bin', LC_ALL: 'C.UTF-8' };

function runTar(args: string[]): string {
  const run = spawnSync('tar', args, { env: tarEnv, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

describe('tar round trip', () => {
  it('writes a deterministic pax archive and extracts the same tree', async (t) => {
    const root = await tempDir(t);
    const src = join(root, 'src');
    await mkdir(src);
    await sampleTree(src);
    const progress: number[] = [];
    const archive = await collect(tarDirectory(src, { onProgress: (n) => progress.push(n) }));
    assert.deepEqual(await collect(tarDirectory(src)), archive, 'same tree, same bytes');
    assert.equal(archive.length % BLOCK, 0);
    assert.ok(archive.subarray(-2 * BLOCK).equals(END));
    assert.match(archive.toString('latin1'), /\d+ path=expedientes\//, 'long name carried in a pax record');
    const contentBytes = 3 * 1024 * 1024 + 17 + Buffer.byteLength('declaración — testigo ñ\n') + 5;
    assert.equal(progress.at(-1), contentBytes);

    const out = join(root, 'out');
    await mkdir(out);
    const result = await extractTar(Readable.from([archive]), out);
    assert.deepEqual(result, { files: 4, bytes: contentBytes });
    assert.deepEqual(await readTree(out), await readTree(src));
    const [a, b] = await Promise.all([stat(join(src, 'big.bin')), stat(join(out, 'big.bin'))]);
    assert.equal(Math.floor(b.mtimeMs / 1000), Math.floor(a.mtimeMs / 1000), 'mtime kept (whole seconds)');
  });

  it('places entries under a prefix', async (t) => {
    const root = await tempDir(t);
    await mkdir(join(root, 'src'));
    await writeFile(join(root, 'src/a.txt'), 'a');
    const out = join(root, 'out');
    await mkdir(out);
    await extractTar(tarDirectory(join(root, 'src'), { prefix: 'case-2026-0042/' }), out);
    assert.deepEqual([...(await readTree(out)).keys()].sort(), ['case-2026-0042', 'case-2026-0042/a.txt']);
  });

  it('refuses symlinks in the source tree', async (t) => {
    const root = await tempDir(t);
    await mkdir(join(root, 'src'));
    await symlink('/etc/passwd', join(root, 'src/link'));
    await assert.rejects(collect(tarDirectory(join(root, 'src'))), { code: 'tar.entry_unsupported' });
  });

  it('carries sizes beyond 8 GiB in pax and base-256, and honours a pax size', async (t) => {
    const size = 9 * 1024 ** 3;
    const root = await tempDir(t);
    await mkdir(join(root, 'src'));
    await writeFile(join(root, 'src/huge.img'), '');
    await truncate(join(root, 'src/huge.img'), size); // sparse: only the headers are read here
    const stream = tarDirectory(join(root, 'src'));
    let head = Buffer.alloc(0);
    for await (const chunk of stream) {
      head = Buffer.concat([head, chunk as Buffer]);
      if (head.length >= 4 * BLOCK) break;
    }
    stream.destroy();
    assert.equal(head[156], 'x'.charCodeAt(0), 'a pax header comes first');
    const paxLength = Number.parseInt(head.toString('latin1', 124, 135), 8);
    assert.ok(head.subarray(BLOCK, BLOCK + paxLength).includes(paxRecord('size', String(size))));
    const ustar = head.subarray(BLOCK + Math.ceil(paxLength / BLOCK) * BLOCK).subarray(0, BLOCK);
    assert.equal(ustar[124], 0x80, 'GNU base-256 size for readers without pax');
    let base256 = 0n;
    for (let i = 125; i < 136; i++) base256 = (base256 << 8n) | BigInt(ustar[i]!);
    assert.equal(base256, BigInt(size));

    const out = await tempDir(t);
    const pax = paxRecord('size', '5');
    const archive = Buffer.concat([entry(rawHeader('PaxHeader', 'x', pax.length), pax), entry(rawHeader('f.txt', '0', 0), Buffer.from('hello')), END]);
    await extractTar(Readable.from([archive]), out);
    assert.equal(await readFile(join(out, 'f.txt'), 'utf8'), 'hello');
  });

  it('streams with backpressure and flat memory (512 MiB sparse file)', async (t) => {
    const root = await tempDir(t);
    await mkdir(join(root, 'src'));
    const size = 512 * 1024 * 1024;
    await writeFile(join(root, 'src/disk.img'), '');
    await truncate(join(root, 'src/disk.img'), size);
    let read = 0;
    const stream = tarDirectory(join(root, 'src'), { onProgress: (n) => (read = n) });
    await new Promise((done) => stream.once('readable', done));
    await new Promise((done) => setTimeout(done, 200));
    assert.ok(read < 1024 * 1024, `a paused consumer stops the reads (read ${read})`);

    const base = process.memoryUsage().arrayBuffers;
    let peak = 0;
    let total = 0;
    await pipeline(
      stream,
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          total += chunk.length;
          peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
          done();
        },
      }),
    );
    assert.equal(total, BLOCK + size + 2 * BLOCK);
    // Garbage not yet collected counts too, hence the slack; buffering the file would show 512 MiB.
    assert.ok(peak < 64 * 1024 * 1024, `peak ${peak} bytes of buffers`);
  });

  it('extracts a large entry at the pace of the disk (128 MiB)', async (t) => {
    const root = await tempDir(t);
    const size = 128 * 1024 * 1024;
    let produced = 0;
    let written = 0;
    let lead = 0;
    async function* source() {
      yield rawHeader('zeros.bin', '0', size);
      for (; produced < size; produced += 1024 * 1024) {
        lead = Math.max(lead, produced - written);
        yield Buffer.alloc(1024 * 1024);
      }
      yield END;
    }
    const result = await extractTar(Readable.from(source()), root, { onProgress: (n) => (written = n) });
    assert.equal(result.bytes, size);
    assert.equal((await stat(join(root, 'zeros.bin'))).size, size);
    // The source is pulled only as fast as writes complete: it is never more than a few chunks ahead.
    assert.ok(lead <= 4 * 1024 * 1024, `source ran ${lead} bytes ahead of the disk`);
  });
});

describe('tar interoperability with GNU tar', { skip: gnuTar ? false : 'GNU tar not found' }, () => {
  it('GNU tar lists and extracts our archive byte-identically', async (t) => {
    const root = await tempDir(t);
    const src = join(root, 'src');
    await mkdir(src);
    await sampleTree(src);
    const file = join(root, 'ours.tar');
    await pipeline(tarDirectory(src), createWriteStream(file));
    const listed = runTar(['--quoting-style=literal', '-tf', file]).split('\n').filter(Boolean);
    assert.ok(listed.includes(LONG_FILE), 'long non-ASCII name listed');
    assert.ok(listed.includes('vacía/'));
    const out = join(root, 'out');
    await mkdir(out);
    runTar(['-xf', file, '-C', out]);
    assert.deepEqual(await readTree(out), await readTree(src));
  });

  for (const format of ['pax', 'gnu', 'ustar']) {
    it(`we extract an archive from tar --format=${format}`, async (t) => {
      const root = await tempDir(t);
      const src = join(root, 'src');
      await mkdir(src);
      if (format === 'ustar') {
        // ustar holds at most 100 + 155 bytes of ASCII-ish name split at a slash: use the prefix field.
        const deep = join(src, 'p'.repeat(80), 'q'.repeat(80));
        await mkdir(deep, { recursive: true });
        await writeFile(join(deep, 'n.txt'), 'prefix + name');
      } else {
        await sampleTree(src);
      }
      const file = join(root, `${format}.tar`);
      runTar([`--format=${format}`, '-cf', file, '-C', src, '.']);
      const out = join(root, 'out');
      await mkdir(out);
      await extractTar(createReadStream(file), out);
      assert.deepEqual(await readTree(out), await readTree(src));
    });
  }
});

describe('tar refuses malicious archives', () => {
  const pax = (path: string) => entry(rawHeader('PaxHeader', 'x', paxRecord('path', path).length), paxRecord('path', path));
  const gnuLong = (name: string) => {
    const header = rawHeader('././@LongLink', 'L', name.length + 1);
    return entry(header, Buffer.from(`${name}\0`));
  };
  const file = (name: string, data = 'evil') => entry(rawHeader(name, '0', data.length), Buffer.from(data));
  const good = file('ok.txt', 'fine');
  const corrupt = (block: Buffer) => {
    block[10] = block[10]! ^ 0x01; // one bit of the name
    return block;
  };
  const cases: Array<[string, (root: string) => Buffer, string]> = [
    ['../evil', () => Buffer.concat([good, file('../evil'), END]), 'tar.path_unsafe'],
    ['a/../../evil', () => Buffer.concat([file('a/../../evil'), END]), 'tar.path_unsafe'],
    ['absolute path', (root) => Buffer.concat([file(`${root}/evil`), END]), 'tar.path_unsafe'],
    ['/etc/x', () => Buffer.concat([file('/etc/x'), END]), 'tar.path_unsafe'],
    ['pax path ../evil', () => Buffer.concat([pax('../evil'), file('innocent'), END]), 'tar.path_unsafe'],
    ['GNU long name ../evil', () => Buffer.concat([gnuLong('../evil'), file('innocent'), END]), 'tar.path_unsafe'],
    ['symlink', () => Buffer.concat([entry(rawHeader('link', '2', 0)), file('link/evil'), END]), 'tar.entry_unsupported'],
    ['hard link', () => Buffer.concat([entry(rawHeader('link', '1', 0)), END]), 'tar.entry_unsupported'],
    ['device', () => Buffer.concat([entry(rawHeader('dev', '3', 0)), END]), 'tar.entry_unsupported'],
    ['bad checksum', () => Buffer.concat([good, corrupt(file('evil')), END]), 'tar.malformed'],
    ['truncated content', () => Buffer.concat([good, file('evil', 'x'.repeat(2000))]).subarray(0, BLOCK * 3 + 100), 'tar.malformed'],
    ['truncated header', () => Buffer.concat([good, file('evil')]).subarray(0, BLOCK * 2 + 200), 'tar.malformed'],
    ['no end marker', () => Buffer.concat([good]), 'tar.malformed'],
    ['data after the end marker', () => Buffer.concat([good, END, file('hidden')]), 'tar.malformed'],
    ['an entry hidden between two end markers', () => Buffer.concat([good, END, file('hidden'), END]), 'tar.malformed'],
    ['an orphan pax header before the end marker', () => Buffer.concat([good, pax('orphan'), END]), 'tar.malformed'],
    ['more than 1 MiB of padding after the end marker', () => Buffer.concat([good, END, Buffer.alloc(2 * 1024 * 1024)]), 'tar.malformed'],
    ['duplicate name', () => Buffer.concat([good, good, END]), 'tar.path_unsafe'],
  ];
  for (const [label, build, code] of cases) {
    it(`${label} → ${code}, nothing written outside the target`, async (t) => {
      const root = await tempDir(t);
      const target = join(root, 'target');
      await mkdir(target);
      await assert.rejects(extractTar(Readable.from([build(root)]), target), { code });
      assert.deepEqual(await readdir(root), ['target']);
    });
  }

  it('enforces maxBytes and maxEntries, and wants an empty target', async (t) => {
    const root = await tempDir(t);
    const archive = Buffer.concat([file('a', 'aaaa'), file('b', 'bbbb'), END]);
    const target = (name: string) => mkdir(join(root, name)).then(() => join(root, name));
    await assert.rejects(extractTar(Readable.from([archive]), await target('bytes'), { maxBytes: 6 }), { code: 'tar.too_large' });
    await assert.rejects(extractTar(Readable.from([archive]), await target('entries'), { maxEntries: 1 }), { code: 'tar.too_large' });
    assert.deepEqual(await extractTar(Readable.from([archive]), await target('fits'), { maxBytes: 8, maxEntries: 2 }), { files: 2, bytes: 8 });
    await assert.rejects(extractTar(Readable.from([archive]), join(root, 'fits')), { code: 'tar.target_not_empty' });
  });
});
