import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { AppError } from '../../lib/errors.ts';
import { openNote } from '../../lib/tlog/note.ts';
import { verifyTlogProof } from '../../lib/tlog/proof-bundle.ts';
import { seal, unseal } from './keys.ts';

describe('ledger signing keys', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.cleanup());

  it('are sealed at rest: the stored record does not contain the private key, and a wrong master key cannot open it', async () => {
    const row = await t.app.db.kysely.selectFrom('ledger_keys').selectAll().where('purpose', '=', 'log').executeTakeFirstOrThrow();
    assert.doesNotMatch(row.sealed_skey, /PRIVATE\+KEY/);
    const kek = randomBytes(32);
    const sealed = seal(kek, 'PRIVATE+KEY+example+00000000+secret', 'id|log');
    assert.equal(unseal(kek, sealed, 'id|log'), 'PRIVATE+KEY+example+00000000+secret');
    assert.throws(
      () => unseal(randomBytes(32), sealed, 'id|log'),
      (e: unknown) => e instanceof AppError && e.code === 'ledger.key_unsealable',
    );
    assert.throws(
      () => unseal(kek, sealed, 'other|log'),
      (e: unknown) => e instanceof AppError && e.code === 'ledger.key_unsealable',
    );
  });

  it('rotate: later checkpoints are signed by the new key, older proofs still verify with the old one, the audit accepts both', async () => {
    await t.app.ledger.append([{ type: 'test.event', subjects: ['case:keys'], actor: 'tester' }]);
    await t.app.ledger.publish();
    const oldVkey = t.app.ledger.vkey();
    const oldBundle = await t.app.ledger.proofBundle(1);
    const newVkey = await t.app.ledger.rotateLogKey();
    assert.notEqual(newVkey, oldVkey);
    assert.equal(newVkey.split('+')[0], oldVkey.split('+')[0]);
    await t.app.ledger.append([{ type: 'test.event', subjects: ['case:keys'], actor: 'tester' }]);
    const latest = await t.app.ledger.publish();
    assert.ok(openNote(latest!.note, [newVkey]).signatures.some((s) => s.verified));
    assert.throws(() => openNote(latest!.note, [oldVkey]));
    verifyTlogProof(oldBundle, { entry: (await t.app.ledger.entry(1)).bytes }, oldVkey);
    const keys = await t.app.ledger.verifierKeys();
    assert.equal(keys.length, 2);
    assert.ok(keys[0]?.retiredAt);
    assert.equal((await t.app.ledger.audit()).ok, true);
  });
});
