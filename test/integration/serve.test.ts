import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../src/config/config.ts';

describe('custodia serve', () => {
  it('starts on a fresh data directory with the knowledge base loaded, and stops cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'custodia-serve-'));
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'src', 'main.ts'), 'serve'], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', CUSTODIA_DATA_DIR: dataDir, LOG_LEVEL: 'info', DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    try {
      const [url, link] = await new Promise<[string, string]>((resolve, reject) => {
        let err = '';
        child.stderr.on('data', (chunk: Buffer) => {
          err += chunk.toString();
          const serving = /serving at (http:\/\/localhost:\d+\/)/.exec(err);
          const enrol = /First administrator: admin@localhost[^\n]*\n[^\n]*\n {2}(http:\/\/localhost:\d+\/enrol\/cte_[A-Za-z0-9_-]{43})\n/.exec(err);
          if (serving?.[1] && enrol?.[1]) resolve([serving[1], enrol[1]]);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
      });
      // The first admin's one-time link works, and it is on the operator's terminal only, not in the log.
      const enrolPage = await fetch(link);
      assert.equal(enrolPage.status, 200);
      assert.match(await enrolPage.text(), /admin@localhost/);
      assert.ok(out.length > 0, 'the log has lines');
      assert.ok(!out.includes('cte_'), 'the enrolment secret is not in the log');
      const ready = await fetch(`${url}ready`);
      assert.equal(ready.status, 200);
      const home = await fetch(url);
      assert.match(await home.text(), /<html lang="es">/);
      const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exit, 0);
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
