// The CLI and the node it works on (issue 17): a command other than `serve` and `migrate` never
// creates a data directory (it says which one it looked for), and the enrolment links it prints point
// where the node is reached: the public URL, else where the node last served, else the configured
// port, with a warning, once, when CUSTODIA_PUBLIC_URL is not set.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../src/config/config.ts';

const scratch = mkdtempSync(join(tmpdir(), 'custodia-cli-datadir-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The environment of an operator's shell with none of the node's settings. */
const {
  LANG: _lang,
  LC_ALL: _all,
  CUSTODIA_PUBLIC_URL: _url,
  CUSTODIA_CONFIG: _config,
  CUSTODIA_DATA_DIR: _dir,
  DATABASE_URL: _db,
  PORT: _port,
  ...bare
} = process.env;
const shell: NodeJS.ProcessEnv = { ...bare, LOG_LEVEL: 'warn' };

function custodia(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  const result = spawnSync(process.execPath, [join(PROJECT_ROOT, 'src', 'main.ts'), ...args], {
    env: { ...shell, ...options.env },
    encoding: 'utf8',
    cwd: options.cwd ?? PROJECT_ROOT,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, json: () => JSON.parse(result.stdout) };
}

describe('a CLI command without a data directory', () => {
  it('refuses to create ./data, names the directory it looked for, and exits 2', () => {
    const cwd = mkdtempSync(join(scratch, 'shell-'));
    const listed = custodia(['user', 'list', '--org', 'fiscalia-pe'], { cwd });
    assert.equal(listed.code, 2, listed.stderr);
    assert.equal(listed.stdout, '');
    assert.match(listed.stderr, new RegExp(`No hay ningún directorio de datos en ${join(cwd, 'data')}: indique el del nodo con CUSTODIA_DATA_DIR`));
    assert.match(listed.stderr, /CUSTODIA_DATA_DIR is not set/);
    assert.equal(existsSync(join(cwd, 'data')), false, 'no data directory was created');

    const elsewhere = join(scratch, 'nowhere', 'data');
    const named = custodia(['org', 'list', '--json', '--lang', 'en'], { env: { CUSTODIA_DATA_DIR: elsewhere }, cwd });
    assert.equal(named.code, 2);
    const problem = named.json();
    assert.equal(problem.code, 'config.data_dir_missing');
    assert.equal(problem.title, `There is no data directory at ${elsewhere}: name the node’s with CUSTODIA_DATA_DIR (only “serve” and “migrate” create one).`);
    assert.deepEqual(
      problem.errors.map((e: { path: string; code: string }) => `${e.path}:${e.code}`),
      ['CUSTODIA_DATA_DIR:config.data_dir_missing'],
    );
    assert.equal(existsSync(elsewhere), false);
  });

  it('lets migrate create one, and then the commands work on it', () => {
    const cwd = mkdtempSync(join(scratch, 'shell-'));
    const migrated = custodia(['migrate'], { cwd });
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.ok(existsSync(join(cwd, 'data', 'custodia.sqlite')));
    const listed = custodia(['org', 'list', '--json'], { cwd });
    assert.equal(listed.code, 0, listed.stderr);
  });
});

describe('the enrolment links the CLI prints', () => {
  const warnings = (stderr: string) => stderr.split('\n').filter((line) => line.includes('CUSTODIA_PUBLIC_URL'));

  it('point where the node last served, not to port 8080, and warn once that CUSTODIA_PUBLIC_URL is unset', async () => {
    const dataDir = join(scratch, 'served');
    mkdirSync(dataDir, { mode: 0o700 });
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'src', 'main.ts'), 'serve'], {
      env: { ...shell, PORT: '0', HOST: '127.0.0.1', CUSTODIA_DATA_DIR: dataDir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let port: string;
    try {
      port = await new Promise<string>((resolve, reject) => {
        let err = '';
        child.stderr.on('data', (chunk: Buffer) => {
          err += chunk.toString();
          const serving = /serving at http:\/\/localhost:(\d+)\//.exec(err);
          if (serving) resolve(serving[1] as string);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
      });
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    assert.notEqual(port, '8080');

    // Another shell, which does not share the node's PORT.
    const env = { CUSTODIA_DATA_DIR: dataDir };
    const created = custodia(['org', 'create', 'fiscalia-pe', '--name', 'Fiscalía', '--admin', 'jefa@fiscalia.pe', '--json'], { env });
    assert.equal(created.code, 0, created.stderr);
    const enrolment = created.json().admin.enrolment;
    assert.equal(enrolment.url, `http://localhost:${port}/enrol/${enrolment.token}`);
    assert.deepEqual(warnings(created.stderr), [
      `Aviso: CUSTODIA_PUBLIC_URL no está definida; el enlace usa http://localhost:${port}, donde atendía el nodo en su último arranque. Defínala con la dirección por la que las personas llegan al nodo.`,
    ]);

    const english = custodia(['user', 'create', 'ana@fiscalia.pe', '--org', 'fiscalia-pe', '--role', 'officer', '--lang', 'en'], { env });
    assert.equal(english.code, 0, english.stderr);
    assert.match(english.stdout, new RegExp(`\\n  http://localhost:${port}/enrol/cte_`));
    assert.equal(warnings(english.stderr).length, 1);
    assert.match(english.stderr, new RegExp(`^Warning: CUSTODIA_PUBLIC_URL is not set; the link uses http://localhost:${port}, where the node served`, 'm'));

    const configured = custodia(['user', 'enrol', 'ana@fiscalia.pe', '--org', 'fiscalia-pe', '--json'], {
      env: { ...env, CUSTODIA_PUBLIC_URL: 'https://custodia.fiscalia.example/' },
    });
    assert.equal(configured.code, 0, configured.stderr);
    assert.match(configured.json().enrolment.url, /^https:\/\/custodia\.fiscalia\.example\/enrol\/cte_/);
    assert.deepEqual(warnings(configured.stderr), []);
  });

  it('use the configured port when no node has served from the data directory yet, with the warning', () => {
    const dataDir = join(scratch, 'never-served');
    mkdirSync(dataDir, { mode: 0o700 });
    const created = custodia(['org', 'create', 'policia-pe', '--name', 'DIVINDAT', '--admin', 'jefe@policia.pe', '--json', '--lang', 'en'], {
      env: { CUSTODIA_DATA_DIR: dataDir, PORT: '9123' },
    });
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.json().admin.enrolment.url, /^http:\/\/localhost:9123\/enrol\/cte_/);
    assert.deepEqual(warnings(created.stderr), [
      'Warning: CUSTODIA_PUBLIC_URL is not set; the link uses http://localhost:9123, from the configured port (PORT). Set it to the address people reach the node at.',
    ]);
  });
});
