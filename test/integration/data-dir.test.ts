// The node's data directory (issue 15): created 0700 with every file in it 0600 (the database and its
// -wal and -shm, the master key, blobs), refused when others may write to it, and swept of the
// partial blobs a killed intake left, at start-up as well as hourly.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { createApp } from '../../src/app.ts';
import { loadConfig, PROJECT_ROOT } from '../../src/config/config.ts';
import { AppError } from '../../src/lib/errors.ts';
import { createLogger } from '../../src/lib/log.ts';

const scratch = mkdtempSync(join(tmpdir(), 'custodia-datadir-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('the data directory', () => {
  it('is created 0700, and the database, its -wal and -shm, the master key and blobs are 0600', async () => {
    // Not created beforehand, and under the usual umask (022): the modes are the node's own.
    const dataDir = join(scratch, 'fresh', 'data');
    const app = await createApp(loadConfig({ dataDir, logLevel: 'silent' }, {}), { log: createLogger('silent') });
    try {
      await app.blobs.put('vault/ab/cd', Readable.from([Buffer.from('evidence')]));
      assert.equal(modeOf(dataDir), '700');
      for (const name of ['custodia.sqlite', 'custodia.sqlite-wal', 'custodia.sqlite-shm', 'master.key']) {
        assert.equal(modeOf(join(dataDir, name)), '600', name);
      }
      assert.equal(modeOf(join(dataDir, 'blobs')), '700');
      assert.equal(modeOf(join(dataDir, 'blobs', 'vault', 'ab')), '700');
      assert.equal(modeOf(join(dataDir, 'blobs', 'vault', 'ab', 'cd')), '600');
    } finally {
      await app.close();
    }
  });

  it('narrows a database file an older version created 0644', async () => {
    const dataDir = mkdtempSync(join(scratch, 'old-'));
    writeFileSync(join(dataDir, 'custodia.sqlite'), '', { mode: 0o644 });
    chmodSync(join(dataDir, 'custodia.sqlite'), 0o644);
    const app = await createApp(loadConfig({ dataDir, logLevel: 'silent' }, {}), { log: createLogger('silent') });
    try {
      for (const name of ['custodia.sqlite', 'custodia.sqlite-wal', 'custodia.sqlite-shm']) assert.equal(modeOf(join(dataDir, name)), '600', name);
    } finally {
      await app.close();
    }
  });

  for (const mode of [0o777, 0o770, 0o702]) {
    it(`is refused when it is ${mode.toString(8)} (writable by others), before anything is written into it`, async () => {
      const dataDir = mkdtempSync(join(scratch, 'unsafe-'));
      chmodSync(dataDir, mode);
      await assert.rejects(
        createApp(loadConfig({ dataDir, logLevel: 'silent' }, {}), { log: createLogger('silent') }),
        (error: unknown) => error instanceof AppError && error.code === 'config.data_dir_unsafe',
      );
      assert.equal(existsSync(join(dataDir, 'custodia.sqlite')), false);
      assert.equal(existsSync(join(dataDir, 'master.key')), false);
    });
  }

  it('a CLI command on a world-writable data directory exits 2 with the code and its title', () => {
    const dataDir = mkdtempSync(join(scratch, 'cli-'));
    chmodSync(dataDir, 0o777);
    const env = { ...process.env, CUSTODIA_DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: '' };
    const run = (args: string[]) => spawnSync(process.execPath, [join(PROJECT_ROOT, 'src', 'main.ts'), ...args], { env, encoding: 'utf8', cwd: PROJECT_ROOT });
    const json = run(['legal', 'eif', 'UNCC', '--json']);
    assert.equal(json.status, 2, json.stderr);
    assert.equal(JSON.parse(json.stdout).code, 'config.data_dir_unsafe');
    const text = run(['legal', 'eif', 'UNCC', '--lang', 'en']);
    assert.equal(text.status, 2);
    assert.match(text.stderr + text.stdout, /The data directory is writable by other users/);
    assert.equal(existsSync(join(dataDir, 'custodia.sqlite')), false);
  });
});

describe('custodia serve at start-up', () => {
  it('creates owner-only files and removes a killed intake’s stale .tmp- blob, keeping a fresh one', async () => {
    const dataDir = mkdtempSync(join(scratch, 'serve-'));
    const blobDir = join(dataDir, 'blobs', 'vault', 'ab');
    mkdirSync(blobDir, { recursive: true });
    const stale = join(blobDir, '.tmp-stale');
    const fresh = join(blobDir, '.tmp-fresh');
    writeFileSync(stale, 'partial');
    writeFileSync(fresh, 'being written');
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(stale, twoHoursAgo, twoHoursAgo);
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'src', 'main.ts'), 'serve'], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', CUSTODIA_DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        let err = '';
        child.stderr.on('data', (chunk: Buffer) => {
          err += chunk.toString();
          if (/serving at http:\/\/localhost:\d+\//.test(err)) resolve();
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
      });
      // The sweep runs in the background: start-up does not wait for it.
      for (let i = 0; i < 100 && existsSync(stale); i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(existsSync(stale), false, 'the stale temporary file is removed at start');
      assert.equal(existsSync(fresh), true, 'a temporary file younger than the grace period stays');
      for (const name of ['custodia.sqlite', 'custodia.sqlite-wal', 'custodia.sqlite-shm', 'master.key']) {
        assert.equal(modeOf(join(dataDir, name)), '600', name);
      }
      const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exit, 0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
