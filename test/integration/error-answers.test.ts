// Codes that had no status, exit code or title before the registry (lib/error-codes.ts) now answer
// with their own: through the real CLI process, and through the API.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { PROJECT_ROOT } from '../../src/config/config.ts';
import { buildServer } from '../../src/http/server.ts';
import { asActor, type Principal, systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { type EnrolledUser, enrolUser, login, ManualClock } from '../support/identity.ts';

describe('error codes through the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'custodia-errors-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const custodia = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin', 'custodia.js'), ...args], {
      env: { ...process.env, CUSTODIA_DATA_DIR: join(dir, 'data'), DATABASE_URL: '', LOG_LEVEL: 'warn', ...env },
      encoding: 'utf8',
      cwd: PROJECT_ROOT,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('verify-package with a file that is not an age identity exits 2 (invalid input), titled in both languages', () => {
    const wrong = join(dir, 'wrong-file.txt');
    writeFileSync(wrong, 'this is not an age identity\n');
    const pkg = join(dir, 'pkg');
    mkdirSync(pkg, { recursive: true });

    const json = custodia(['evidence', 'verify-package', pkg, '--identity', wrong, '--json', '--lang', 'en']);
    assert.equal(json.code, 2, json.stderr);
    const problem = JSON.parse(json.stdout) as { code: string; status: number; title: string };
    assert.deepEqual(
      { code: problem.code, status: problem.status, title: problem.title },
      { code: 'age.identity_invalid', status: 422, title: 'The age identity file is not valid (expected AGE-SECRET-KEY-1…).' },
    );
    const human = custodia(['evidence', 'verify-package', pkg, '--identity', wrong, '--lang', 'es']);
    assert.equal(human.code, 2);
    assert.match(human.stderr, /^El archivo de identidad age no es válido/);
  });

  it('a command that fails before any command reports it (serve with an invalid port) exits with its code, not 10', () => {
    const serve = custodia(['serve'], { PORT: 'not-a-port', LANG: 'en_GB.UTF-8' });
    assert.equal(serve.code, 2, serve.stderr);
    assert.match(serve.stderr, /^The configuration is invalid\.\n/);
    assert.match(serve.stderr, / {2}- port: /);
    assert.doesNotMatch(serve.stderr, /\n {4}at /, 'no stack trace for a known failure');
  });
});

describe('error codes through the API', () => {
  const clock = new ManualClock();
  let t: TestApp;
  let server: FastifyInstance;
  let custodian: EnrolledUser;
  let token: string;
  let itemId: string;

  before(async () => {
    t = await createTestApp({ clock, load: false });
    server = await buildServer(t.app, { logRequests: false });
    custodian = await enrolUser(t.app, clock, { email: 'custodio@pe.example', orgId: 'fiscalia', roles: ['evidence_custodian'] });
    await t.app.cases.create(systemActor('test'), { reference: 'CASO-ERR', orgId: 'fiscalia', members: [custodian.userId] });
    const principal = (await t.app.identity.sessions.authenticate(await login(t.app, clock, custodian))) as Principal;
    token = (await t.app.identity.tokens.create(principal, { name: 'test', scopes: [...principal.permissions], expiresInDays: 30 })).token;
    const item = await t.app.evidence.add(
      asActor(principal),
      'fiscalia',
      { caseReference: 'CASO-ERR', exhibit: 'E-1', fileName: 'a.bin', acquisition: { by: 'Perito', at: '2026-11-20T09:15:00-05:00' } },
      Readable.from([Buffer.from('evidence')]),
    );
    itemId = item.id;
  });
  after(async () => {
    await server.close();
    await t.cleanup();
  });

  it('a blob store that cannot be read answers 503 blob.read_failed with its title, not 500 internal', async () => {
    const { blob_key: key } = await t.app.db.kysely.selectFrom('evidence_items').select('blob_key').where('id', '=', itemId).executeTakeFirstOrThrow();
    // The blob becomes a symbolic link to itself: opening it fails with ELOOP, a read failure of the store.
    const path = join(t.config.blobDir, ...key.split('/'));
    rmSync(path);
    symlinkSync(path, path);
    for (const [lang, title] of [
      ['es', 'No se pudo leer el almacén de evidencias; inténtelo de nuevo más tarde.'],
      ['en', 'The evidence store could not be read; try again later.'],
    ] as const) {
      const res = await server.inject({
        method: 'POST',
        url: `/api/v1/evidence/${itemId}/download`,
        headers: { authorization: `Bearer ${token}`, 'accept-language': lang },
        payload: { reason: 'peritaje' },
      });
      assert.equal(res.statusCode, 503, res.body);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      const problem = res.json() as { code: string; status: number; title: string; detail: string; type: string };
      assert.deepEqual(problem, { ...problem, code: 'blob.read_failed', status: 503, title, detail: title, type: 'urn:custodia:problem:blob.read_failed' });
    }
  });
});
