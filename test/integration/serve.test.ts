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
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', CUSTODIA_DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        child.stderr.on('data', (chunk: Buffer) => {
          err += chunk.toString();
          const match = /serving at (http:\/\/localhost:\d+\/)/.exec(err);
          if (match?.[1]) resolve(match[1]);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
      });
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
