import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { DIALECTS } from '../../../test/support/dialects.ts';
import { ACQUISITION, sha256 } from '../../../test/support/evidence.ts';
import { enrolUser, login, ManualClock } from '../../../test/support/identity.ts';
import { decrypt, encrypt } from '../../lib/age/age.ts';
import { AppError } from '../../lib/errors.ts';
import type { LocalBlobStore } from '../../storage/blobs/local.ts';
import { asActor, type Principal, systemActor } from '../identity/index.ts';
import { loadVaultKeys } from './vault-keys.ts';

const acquisition = ACQUISITION;

for (const dialect of DIALECTS) {
  describe(`fixity against a substituted blob on ${dialect}`, () => {
    const clock = new ManualClock();
    let t: TestApp;
    before(async () => {
      t = await createTestApp({ dialect, clock, load: false });
    });
    after(() => t.cleanup());

    it('fails an item whose blob is a valid age file of other content, encrypted to the vault’s own key', async () => {
      const custodian = await enrolUser(t.app, clock, { email: 'custodio@pe.example', orgId: 'fiscalia', roles: ['evidence_custodian', 'officer'] });
      await t.app.cases.create(systemActor('test'), { reference: 'CASO-1', orgId: 'fiscalia', members: [custodian.userId] });
      const p = asActor((await t.app.identity.sessions.authenticate(await login(t.app, clock, custodian))) as Principal);
      const content = randomBytes(200_000);
      const item = await t.app.evidence.add(p, 'fiscalia', { caseReference: 'CASO-1', exhibit: 'EV-1', acquisition }, Readable.from([content]));
      assert.equal((await t.app.evidence.verify(p, 'fiscalia', item.id)).ok, true);

      // Someone with the vault's public key (and write access to the store) swaps the evidence: the new
      // blob is a well-formed age file that authenticates and decrypts; only the content hash differs.
      const keys = await loadVaultKeys(t.app.db.kysely, Buffer.from(await readFile(join(t.config.dataDir, 'master.key'), 'utf8'), 'base64'), clock.now());
      const substitute = Buffer.from(content);
      substitute[1000] = (substitute[1000] as number) ^ 0x01;
      const forged = encrypt(substitute, keys.recipients);
      assert.deepEqual(decrypt(forged, keys.identities), substitute, 'the substitute opens with the vault’s identities');
      const row = await t.app.db.kysely.selectFrom('evidence_items').select('blob_key').where('id', '=', item.id).executeTakeFirstOrThrow();
      await writeFile(join((t.app.blobs as LocalBlobStore).root, ...row.blob_key.split('/')), forged);

      const bad = await t.app.evidence.verify(p, 'fiscalia', item.id);
      assert.equal(bad.ok, false);
      assert.equal(bad.expected, sha256(content));
      assert.equal(bad.found, sha256(substitute), 'it decrypted: the content hash found is named');
      assert.equal(bad.problem, undefined);
      assert.equal((await t.app.evidence.get(p, 'fiscalia', item.id)).lastFixity?.ok, false);
      const round = await t.app.evidence.fixityRound(10);
      assert.ok(round.some((r) => r.itemId === item.id && !r.ok && r.found === sha256(substitute)));
      const entries = await t.app.ledger.findEntries({ subjects: [`evidence:${item.id}`], limit: 20 });
      assert.ok(entries.some((e) => e.entry.type === 'evidence.fixity_checked' && (e.entry.data as { ok?: boolean }).ok === false));

      // A download streams the substitute's bytes but ends with evidence.fixity_mismatch, never cleanly.
      const { stream } = await t.app.evidence.download(p, 'fiscalia', item.id, 'check');
      await assert.rejects(buffer(stream), (err: unknown) => {
        assert.ok(err instanceof AppError, String(err));
        assert.equal(err.code, 'evidence.fixity_mismatch');
        assert.equal(err.params.expected, sha256(content));
        assert.equal(err.params.found, sha256(substitute));
        return true;
      });
    });
  });
}
