// `custodia evidence add | verify | export | verify-package` through the real CLI process, on each
// database: the CLI contract, with the hashes checked against ones computed here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../src/config/config.ts';
import { systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { enrolUser, ManualClock } from '../support/identity.ts';

for (const dialect of DIALECTS) {
  describe(`custodia evidence (CLI) on ${dialect}`, () => {
    let t: TestApp;
    const files = mkdtempSync(join(tmpdir(), 'custodia-evidence-cli-'));
    // Not a multiple of the 1 MiB sealing block nor of the 64 KiB chunk.
    const content = randomBytes(3 * 1024 * 1024 + 12_345);
    const image = join(files, 'disk.img');
    const digest = (algorithm: string) => createHash(algorithm).update(content).digest('hex');

    before(async () => {
      const clock = new ManualClock();
      t = await createTestApp({ dialect, clock, load: false });
      const custodian = await enrolUser(t.app, clock, { email: 'custodio@pe.example', orgId: 'fiscalia', roles: ['evidence_custodian'] });
      await t.app.cases.create(systemActor('test'), { reference: 'CASO-CLI', orgId: 'fiscalia', members: [custodian.userId] });
      writeFileSync(image, content);
    });
    after(async () => {
      await t.cleanup();
      rmSync(files, { recursive: true, force: true });
    });

    const custodia = (args: string[]) => {
      const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin', 'custodia.js'), ...args], {
        env: {
          ...process.env,
          CUSTODIA_DATA_DIR: t.config.dataDir,
          DATABASE_URL: t.config.databaseUrl ?? '',
          LOG_LEVEL: 'warn',
          CUSTODIA_FIXITY_INTERVAL_MINUTES: '0',
        },
        encoding: 'utf8',
        cwd: PROJECT_ROOT,
      });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };

    it('adds a file with the hashes asked for, verifies it, exports the case and checks the package offline', () => {
      const added = custodia(['evidence', 'add', image, '--case', 'CASO-CLI', '--exhibit', 'EV-1', '--md5', '--sha1', '--tool', 'FTK Imager', '--json']);
      assert.equal(added.code, 0, added.stderr);
      const item = JSON.parse(added.stdout) as { id: string; bytes: number; sha256: string; md5: string; sha1: string; exhibit: string };
      assert.deepEqual([item.exhibit, item.bytes, item.sha256, item.md5, item.sha1], ['EV-1', content.length, digest('sha256'), digest('md5'), digest('sha1')]);
      // The progress bar goes to stderr and ends at the whole file.
      assert.match(added.stderr, /100\.0%/);

      const verified = custodia(['evidence', 'verify', item.id, '--json']);
      assert.equal(verified.code, 0, verified.stderr);
      assert.deepEqual((({ ok, expected, found }) => ({ ok, expected, found }))(JSON.parse(verified.stdout)), {
        ok: true,
        expected: digest('sha256'),
        found: digest('sha256'),
      });

      const out = join(files, 'package');
      const exported = custodia(['evidence', 'export', '--case', 'CASO-CLI', '--out', out, '--json']);
      assert.equal(exported.code, 0, exported.stderr);
      // The ledger's leaves are blinded: each custody proof comes with the disclosure that opens it.
      const proofs = readdirSync(join(out, 'custody/proofs')).map((name) => name.replace('.tlog-proof', '.json'));
      assert.ok(proofs.length >= 2);
      assert.deepEqual(readdirSync(join(out, 'custody/disclosures')).sort(), proofs.sort());
      const checked = custodia(['evidence', 'verify-package', out, '--json']);
      assert.equal(checked.code, 0, checked.stderr);
      // A disclosure whose details were changed (the reason) is caught offline.
      const disclosure = join(out, 'custody/disclosures', proofs[0]!);
      const text = readFileSync(disclosure, 'utf8');
      assert.match(text, /"reason":"/);
      writeFileSync(disclosure, text.replace(/"reason":"/, '"reason":"not '));
      const tampered = custodia(['evidence', 'verify-package', out, '--json']);
      assert.equal(tampered.code, 5);
      assert.ok((JSON.parse(tampered.stdout) as { problems: Array<{ code: string }> }).problems.some((p) => p.code === 'package.disclosure_mismatch'));
    });

    it('exits non-zero with the reason, and records nothing, for a missing file or an exhibit already taken', async () => {
      const missing = custodia(['evidence', 'add', join(files, 'nope.img'), '--case', 'CASO-CLI', '--exhibit', 'EV-2', '--lang', 'en']);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /cannot be read|cannot read/i);
      const directory = custodia(['evidence', 'add', files, '--case', 'CASO-CLI', '--exhibit', 'EV-3', '--lang', 'en']);
      assert.notEqual(directory.code, 0);
      assert.match(directory.stderr, /cannot be read/i);
      const twice = custodia(['evidence', 'add', image, '--case', 'CASO-CLI', '--exhibit', 'EV-1', '--json']);
      assert.notEqual(twice.code, 0);
      assert.match(twice.stderr + twice.stdout, /exhibit_exists|EV-1/);
      const listed = custodia(['evidence', 'list', '--case', 'CASO-CLI', '--json']);
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(
        (JSON.parse(listed.stdout) as { items: Array<{ exhibit: string }> }).items.map((i) => i.exhibit),
        ['EV-1'],
      );
    });
  });
}
