import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { blobStoreContract, collect, failingSource, readAll, rejectsWithCode, sourceOf } from './contract.ts';
import { LocalBlobStore } from './local.ts';

const MIB = 1024 * 1024;

/** Every file under `dir`, relative, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

async function assertNoTemporaries(root: string): Promise<void> {
  const temps = (await filesUnder(root)).filter((f) => f.split('/').some((s) => s.startsWith('.tmp-')));
  assert.deepEqual(temps, [], 'temporary files left behind');
}

let root: string;
blobStoreContract({
  name: 'local filesystem',
  async setup() {
    root = await mkdtemp(join(tmpdir(), 'custodia-blobs-'));
    return new LocalBlobStore({ root });
  },
  async teardown() {
    await rm(root, { recursive: true, force: true });
  },
  largeBytes: 12 * MIB,
  failAfterBytes: 3 * MIB,
  async assertNoLeftovers() {
    await assertNoTemporaries(root);
  },
});

describe('LocalBlobStore specifics', () => {
  let dir: string;
  let store: LocalBlobStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'custodia-blobs-local-'));
    store = new LocalBlobStore({ root: dir });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores key a/b/c as the file <root>/a/b/c', async () => {
    await store.put('sha256/ab/cd/abcd', sourceOf(Buffer.from('x')));
    assert.deepEqual(await filesUnder(join(dir, 'sha256')), ['ab/cd/abcd']);
  });

  it('disk full (simulated: FileHandle.write fails with ENOSPC after 1 MiB) → blob.disk_full, nothing left', async (t) => {
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => Promise<{ bytesWritten: number }> };
    await probe.close();
    await rm(join(dir, 'probe'));
    const realWrite = proto.write;
    let written = 0;
    t.mock.method(proto, 'write', async function (this: unknown, ...args: unknown[]) {
      if (written >= MIB) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
      // Counted when asked, not when done: several writes may be under way at once (write-behind).
      written += Number(args[2] ?? (args[0] as Uint8Array).length);
      return realWrite.apply(this, args);
    });
    const source = sourceOf(Buffer.alloc(4 * MIB, 7));
    const error = await rejectsWithCode(store.put('full/x', source), 'blob.disk_full');
    assert.equal((error.cause as { code?: string }).code, 'ENOSPC');
    assert.ok(source.destroyed, 'the source is released');
    t.mock.restoreAll();
    assert.equal(await store.stat('full/x'), undefined);
    await assertNoTemporaries(dir);
  });

  it('disk full for real: a 1 MiB tmpfs in a private mount namespace (skipped where unshare/mount are not allowed)', (t) => {
    const mountPoint = join(dir, 'tmpfs');
    const localTs = fileURLToPath(new URL('./local.ts', import.meta.url));
    const child = `
      import { readdir } from 'node:fs/promises';
      import { Readable } from 'node:stream';
      import { LocalBlobStore } from ${JSON.stringify(localTs)};
      const root = process.argv.at(-1);
      const store = new LocalBlobStore({ root });
      const out = {};
      try {
        await store.put('big/x', Readable.from((function* () { for (let i = 0; i < 32; i++) yield Buffer.alloc(64 * 1024, i); })()));
        out.first = 'stored';
      } catch (e) { out.first = e.code; out.cause = e.cause?.code; }
      out.files = (await readdir(root, { recursive: true })).sort();
      out.stat = (await store.stat('big/x')) ?? null;
      const small = await store.put('small/y', Readable.from([Buffer.alloc(512 * 1024, 1)]));
      out.afterwards = small.bytes;
      process.stdout.write(JSON.stringify(out) + String.fromCharCode(10));
    `;
    const result = spawnSync(
      'unshare',
      [
        '-rm',
        'sh',
        '-c',
        'mkdir -p "$0" && mount -t tmpfs -o size=1m tmpfs "$0" && exec "$@"',
        mountPoint,
        process.execPath,
        '--input-type=module',
        '-e',
        child,
        mountPoint,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (result.error || (result.status !== 0 && /unshare|mount|Operation not permitted|permission denied/i.test(result.stderr))) {
      t.skip(`cannot mount a tmpfs here: ${result.error?.message ?? result.stderr.trim().split('\n')[0]}`);
      return;
    }
    assert.equal(result.status, 0, result.stderr);
    const out = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
    // 2 MiB into 1 MiB: the kernel says ENOSPC, the temporary file goes, and its space comes back.
    assert.deepEqual(out, { first: 'blob.disk_full', cause: 'ENOSPC', files: ['big'], stat: null, afterwards: 512 * 1024 });
  });

  it('a key cannot also be the directory of other keys (blob.key_conflict)', async () => {
    await store.put('conflict/a', sourceOf(Buffer.from('file')));
    await rejectsWithCode(store.put('conflict/a/b', sourceOf(Buffer.from('x'))), 'blob.key_conflict');
    await store.put('conflict/c/d', sourceOf(Buffer.from('x')));
    await rejectsWithCode(store.put('conflict/c', sourceOf(Buffer.from('x'))), 'blob.key_conflict');
    assert.equal(await store.stat('conflict/c'), undefined);
    await rejectsWithCode(store.get('conflict/c'), 'blob.not_found');
    await store.delete('conflict/c');
    assert.equal((await store.stat('conflict/c/d'))?.bytes, 1);
    await assertNoTemporaries(dir);
  });

  it('fsyncs the file and its directory on every put, and new directories up to the one that existed', async (t) => {
    const probe = await open(join(dir, 'probe2'), 'w');
    const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    await rm(join(dir, 'probe2'));
    const sync = t.mock.method(proto, 'sync');
    await store.put('durable/a/b/one', sourceOf(Buffer.from('1')));
    // file, durable/a/b, then durable/a, durable and the root (durable/ was new)
    assert.equal(sync.mock.callCount(), 5);
    sync.mock.resetCalls();
    await store.put('durable/a/b/two', sourceOf(Buffer.from('2')));
    assert.equal(sync.mock.callCount(), 2, 'existing directory: the file and the directory');
  });

  it('adoptFile moves a complete file in (same filesystem: a rename; across filesystems: a copy)', async () => {
    const content = Buffer.from('staged age file bytes');
    const staged = join(dir, 'staging-area', 'payload.age');
    await mkdir(join(dir, 'staging-area'), { recursive: true });
    await writeFile(staged, content);
    assert.deepEqual(await store.adoptFile('adopted/one', staged), { key: 'adopted/one', bytes: content.length });
    assert.deepEqual(await readAll(await store.get('adopted/one')), content);
    await assert.rejects(stat(staged), { code: 'ENOENT' }, 'the staged file is consumed');
    // /dev/shm is another filesystem on Linux: rename fails with EXDEV and the store copies.
    const shm = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'custodia-adopt-'));
    try {
      const other = join(shm, 'payload.age');
      await writeFile(other, content);
      assert.equal((await store.adoptFile('adopted/two', other)).bytes, content.length);
      assert.deepEqual(await readAll(await store.get('adopted/two')), content);
      await assert.rejects(stat(other), { code: 'ENOENT' });
    } finally {
      await rm(shm, { recursive: true, force: true });
    }
    await rejectsWithCode(store.adoptFile('../x', staged), 'blob.key_invalid');
    await assertNoTemporaries(dir);
  });

  it('removeStaleTemporaries clears old .tmp- files only', async () => {
    await store.put('stale/x', sourceOf(Buffer.from('x')));
    const old = join(dir, 'stale', '.tmp-old');
    const fresh = join(dir, 'stale', '.tmp-fresh');
    await writeFile(old, 'partial');
    await writeFile(fresh, 'partial');
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    await utimes(old, twoHoursAgo, twoHoursAgo);
    assert.equal(await store.removeStaleTemporaries(), 1);
    assert.deepEqual((await readdir(join(dir, 'stale'))).sort(), ['.tmp-fresh', 'x']);
    assert.deepEqual(await collect(store.list('stale/')), ['stale/x'], 'temporary files are never listed');
    await rm(fresh);
  });

  it('memory stays flat: 256 MiB in and out with RSS growing by far less', async () => {
    const total = 256 * MIB;
    const base = process.memoryUsage().rss;
    let peak = base;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage().rss);
    };
    const source = Readable.from(
      (function* () {
        for (let sent = 0; sent < total; sent += 65_536) yield Buffer.alloc(65_536, (sent / 65_536) & 0xff);
      })(),
    );
    const result = await store.put('huge/x', source, { onProgress: sample, expectedBytes: total });
    assert.equal(result.bytes, total);
    let read = 0;
    for await (const chunk of await store.get('huge/x')) {
      read += (chunk as Buffer).length;
      if (read % (16 * MIB) < (chunk as Buffer).length) sample();
    }
    assert.equal(read, total);
    const tail = await readAll(await store.get('huge/x', { start: total - 3 }));
    assert.deepEqual([...tail], [255, 255, 255]);
    assert.ok(peak - base < 96 * MIB, `RSS grew by ${Math.round((peak - base) / MIB)} MiB for a 256 MiB blob`);
    await store.delete('huge/x');
  });

  it('a failing source after a few MiB leaves no temporary file (checked on disk)', async () => {
    await rejectsWithCode(store.put('fail/x', failingSource(2 * MIB + 5)), 'blob.write_failed');
    await assertNoTemporaries(dir);
    assert.deepEqual(await readdir(join(dir, 'fail')), []);
  });
});
