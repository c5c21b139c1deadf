import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { DIALECTS } from '../../../test/support/dialects.ts';
import { ACQUISITION, sha256 } from '../../../test/support/evidence.ts';
import { type EnrolledUser, enrolUser, login, ManualClock } from '../../../test/support/identity.ts';
import { fieldMessage } from '../../i18n/index.ts';
import { AppError } from '../../lib/errors.ts';
import type { LocalBlobStore } from '../../storage/blobs/local.ts';
import { asActor, type Principal, systemActor } from '../identity/index.ts';
import { loadVaultKeys } from './vault-keys.ts';

const code = (c: string) => (e: unknown) => e instanceof AppError && e.code === c;
const acquisition = ACQUISITION;

for (const dialect of DIALECTS) {
  describe(`evidence vault on ${dialect}`, () => {
    const clock = new ManualClock();
    let t: TestApp;
    let custodian: EnrolledUser;
    let officer: EnrolledUser;
    let stranger: EnrolledUser;
    const principal = async (user: EnrolledUser) => (await t.app.identity.sessions.authenticate(await login(t.app, clock, user))) as Principal;
    const content = randomBytes(300_000);
    let itemId: string;

    before(async () => {
      t = await createTestApp({ dialect, clock, load: false });
      custodian = await enrolUser(t.app, clock, { email: 'custodio@pe.example', orgId: 'fiscalia', roles: ['evidence_custodian', 'officer'] });
      officer = await enrolUser(t.app, clock, { email: 'fiscal@pe.example', orgId: 'fiscalia', roles: ['officer'] });
      stranger = await enrolUser(t.app, clock, { email: 'otro@pe.example', orgId: 'fiscalia', roles: ['officer', 'evidence_custodian'] });
      await t.app.cases.create(systemActor('test'), { reference: 'CASO-1', orgId: 'fiscalia', members: [custodian.userId, officer.userId] });
      await t.app.cases.create(systemActor('test'), { reference: 'CASO-2', orgId: 'fiscalia', members: [custodian.userId] });
    });
    after(() => t.cleanup());

    it('streams a file in: SHA-256, MD5, SHA-1, encrypted at rest, acquired + received in the ledger', async () => {
      const p = asActor(await principal(custodian));
      const item = await t.app.evidence.add(
        p,
        'fiscalia',
        { caseReference: 'CASO-1', exhibit: 'EV-1', fileName: 'disk.img', acquisition, md5: true, sha1: true },
        Readable.from([content]),
      );
      itemId = item.id;
      assert.equal(item.sha256, sha256(content));
      assert.equal(item.md5, createHash('md5').update(content).digest('hex'));
      assert.equal(item.sha1, createHash('sha1').update(content).digest('hex'));
      assert.equal(item.bytes, content.length);
      const row = await t.app.db.kysely.selectFrom('evidence_items').selectAll().where('id', '=', item.id).executeTakeFirstOrThrow();
      const stored = await buffer(await t.app.blobs.get(row.blob_key));
      assert.ok(stored.subarray(0, 21).toString() === 'age-encryption.org/v1', 'an age file');
      assert.equal(stored.indexOf(content.subarray(0, 64)), -1, 'no plaintext at rest');
      const events = await t.app.ledger.findEntries({ subjects: [`evidence:${item.id}`], limit: 10 });
      assert.deepEqual(events.map((e) => e.entry.type).sort(), ['evidence.acquired', 'evidence.received']);
      const acquired = events.find((e) => e.entry.type === 'evidence.acquired');
      assert.equal(acquired?.entry.at, acquisition.at, 'the acquisition keeps its own time and zone');
      assert.equal(acquired?.entry.hashes.content, `sha256:${item.sha256}`);
      // The stored blob is a standard age file: Debian's age opens it with the vault's identity.
      if (existsSync('/usr/bin/age')) {
        const keys = await loadVaultKeys(t.app.db.kysely, Buffer.from(await readFile(join(t.config.dataDir, 'master.key'), 'utf8'), 'base64'), clock.now());
        const keyFile = join(t.config.dataDir, 'vault.key');
        writeFileSync(keyFile, `${keys.identities[0]}\n`, { mode: 0o600 });
        const r = spawnSync('/usr/bin/age', ['-d', '-i', keyFile], { input: stored, maxBuffer: 10 * 1024 * 1024 });
        assert.equal(r.status, 0, r.stderr.toString());
        assert.equal(sha256(r.stdout), item.sha256);
      }
    });

    it('refuses bad input listing every field, a taken exhibit, and people off the access list, storing nothing', async () => {
      const p = asActor(await principal(custodian));
      const blobsBefore = await countBlobs(t);
      await assert.rejects(
        t.app.evidence.add(
          p,
          'fiscalia',
          { caseReference: 'CASO-1', exhibit: 'bad exhibit!', acquisition: { by: '', at: '2026-11-20 09:15' } },
          Readable.from([content]),
        ),
        (e: unknown) => e instanceof AppError && ['exhibit', 'acquisition.by', 'acquisition.at'].every((path) => e.fields.some((f) => f.path === path)),
      );
      await assert.rejects(
        t.app.evidence.add(p, 'fiscalia', { caseReference: 'CASO-1', exhibit: 'EV-1', acquisition }, Readable.from([content])),
        code('evidence.exhibit_exists'),
      );
      const s = asActor(await principal(stranger));
      await assert.rejects(
        t.app.evidence.add(s, 'fiscalia', { caseReference: 'CASO-1', exhibit: 'EV-9', acquisition }, Readable.from([content])),
        code('not_found'),
      );
      await assert.rejects(t.app.evidence.get(s, 'fiscalia', itemId), code('not_found'));
      await assert.rejects(t.app.evidence.list(s, 'fiscalia', 'CASO-1'), code('not_found'));
      // A failing source leaves no blob and no record.
      const failing = new Readable({
        read() {
          this.destroy(new Error('disk unplugged'));
        },
      });
      await assert.rejects(t.app.evidence.add(p, 'fiscalia', { caseReference: 'CASO-1', exhibit: 'EV-8', acquisition }, failing), /disk unplugged/);
      assert.equal(await countBlobs(t), blobsBefore);
      assert.equal((await t.app.evidence.list(p, 'fiscalia', 'CASO-1')).length, 1);
    });

    it('refuses an acquisition dated in the future (beyond 5 minutes of clock skew), storing nothing', async () => {
      const p = asActor(await principal(custodian));
      const blobsBefore = await countBlobs(t);
      await assert.rejects(
        t.app.evidence.add(
          p,
          'fiscalia',
          { caseReference: 'CASO-1', exhibit: 'EV-2030', acquisition: { ...acquisition, at: '2030-01-15T09:15:00-05:00' } },
          Readable.from([content]),
        ),
        (e: unknown) => {
          assert.ok(e instanceof AppError && e.code === 'validation.failed');
          const [field] = e.fields;
          assert.equal(field?.path, 'acquisition.at');
          assert.equal(field?.code, 'evidence.acquisition_future');
          assert.match(fieldMessage('es', field ?? { code: '' }), /^La hora de adquisición 2030-01-15T09:15:00-05:00 está en el futuro/);
          assert.match(fieldMessage('en', field ?? { code: '' }), /^The acquisition time 2030-01-15T09:15:00-05:00 is in the future/);
          return true;
        },
      );
      // Six minutes ahead (in another zone) is refused; four minutes ahead is a drifting clock.
      const ahead = (minutes: number) => new Date(clock.now().getTime() + minutes * 60_000).toISOString().replace('Z', '+00:00');
      await assert.rejects(
        t.app.evidence.intake.checkIntake(p, 'fiscalia', { caseReference: 'CASO-1', exhibit: 'EV-6', acquisition: { ...acquisition, at: ahead(6) } }),
        (e: unknown) => e instanceof AppError && e.fields[0]?.code === 'evidence.acquisition_future',
      );
      assert.equal(await countBlobs(t), blobsBefore);
      const skewed = await t.app.evidence.intake.checkIntake(p, 'fiscalia', {
        caseReference: 'CASO-1',
        exhibit: 'EV-4',
        acquisition: { ...acquisition, at: ahead(4) },
      });
      assert.equal(skewed.exhibit, 'EV-4');
    });

    it('keeps identical content once, without telling anyone', async () => {
      const p = asActor(await principal(custodian));
      const before = await countBlobs(t);
      const twin = await t.app.evidence.add(p, 'fiscalia', { caseReference: 'CASO-2', exhibit: 'EV-1', acquisition }, Readable.from([content]));
      assert.equal(twin.sha256, sha256(content));
      assert.equal(await countBlobs(t), before, 'no second blob');
      assert.equal(Object.keys(twin).includes('duplicateOf'), false);
      const { stream } = await t.app.evidence.download(p, 'fiscalia', twin.id, 'analysis copy');
      assert.equal(sha256(await buffer(stream)), twin.sha256);
    });

    it('records downloads and manual steps, and shows the custody history with verified proofs', async () => {
      const p = asActor(await principal(officer));
      const { stream } = await t.app.evidence.download(p, 'fiscalia', itemId, 'peritaje informático');
      assert.deepEqual(await buffer(stream), content);
      await t.app.evidence.recordCustody(p, 'fiscalia', itemId, { event: 'sealed', reason: 'precinto 0042', detail: 'bolsa 7' });
      await assert.rejects(t.app.evidence.recordCustody(p, 'fiscalia', itemId, { event: 'destroyed', reason: 'x' }), code('validation.failed'));
      await t.app.ledger.publish();
      const history = await t.app.evidence.history(p, 'fiscalia', itemId);
      assert.deepEqual(
        history.steps.map((s) => s.type),
        ['acquired', 'received', 'downloaded', 'sealed'],
      );
      assert.ok(history.steps.every((s) => s.proof === 'verified'));
      assert.equal(history.steps[2]?.reason, 'peritaje informático');
      assert.equal(history.steps[2]?.actorName, 'fiscal (fiscal@pe.example)', 'people of the organisation are named');
      assert.equal(history.steps[0]?.actorName, 'custodio (custodio@pe.example)');
    });

    it('verifies fixity, and names a changed blob loudly', async () => {
      const p = asActor(await principal(custodian));
      const good = await t.app.evidence.verify(p, 'fiscalia', itemId);
      assert.equal(good.ok, true);
      const other = await t.app.evidence.add(p, 'fiscalia', { caseReference: 'CASO-1', exhibit: 'EV-2', acquisition }, Readable.from([randomBytes(200_000)]));
      const row = await t.app.db.kysely.selectFrom('evidence_items').select('blob_key').where('id', '=', other.id).executeTakeFirstOrThrow();
      const store = t.app.blobs as LocalBlobStore;
      const path = join(store.root, ...row.blob_key.split('/'));
      const bytes = await readFile(path);
      bytes[bytes.length - 100] = (bytes[bytes.length - 100] as number) ^ 1;
      await writeFile(path, bytes);
      const bad = await t.app.evidence.verify(p, 'fiscalia', other.id);
      assert.equal(bad.ok, false);
      // Decrypted on a worker thread: the stable code of the failure still comes back.
      assert.equal(bad.problem, 'age.payload_invalid');
      assert.equal(bad.found, undefined);
      const round = await t.app.evidence.fixityRound(10);
      assert.ok(round.some((r) => r.itemId === other.id && !r.ok));
      assert.equal((await t.app.evidence.get(p, 'fiscalia', other.id)).lastFixity?.ok, false);
      const { stream } = await t.app.evidence.download(p, 'fiscalia', other.id, 'check');
      await assert.rejects(buffer(stream));
    });

    it("destroys only after retention and with no legal hold; the item's ledger entries are crypto-shredded", async () => {
      const p = asActor(await principal(custodian));
      await assert.rejects(t.app.evidence.destroy(p, 'fiscalia', itemId, { reason: 'orden de destrucción 1' }), code('evidence.retention_unset'));
      await t.app.evidence.setRetention(p, 'fiscalia', 'CASO-1', { keepUntil: '2026-12-31', basis: 'prescripción, art. 80 CP' });
      await assert.rejects(t.app.evidence.destroy(p, 'fiscalia', itemId, { reason: 'orden de destrucción 1' }), code('evidence.retention_active'));
      await t.app.evidence.setRetention(p, 'fiscalia', 'CASO-1', { keepUntil: '2026-11-01', basis: 'prescripción, art. 80 CP' });
      const hold = await t.app.evidence.setHold(p, 'fiscalia', 'CASO-1', { reason: 'proceso de apelación' });
      await assert.rejects(t.app.evidence.destroy(p, 'fiscalia', itemId, { reason: 'orden de destrucción 1' }), code('evidence.legal_hold'));
      const o = asActor(await principal(officer));
      await assert.rejects(t.app.evidence.liftHold(o, 'fiscalia', 'CASO-1', hold.id, { reason: 'fin' }), code('forbidden'));
      await t.app.evidence.liftHold(p, 'fiscalia', 'CASO-1', hold.id, { reason: 'sentencia firme' });
      await assert.rejects(t.app.evidence.destroy(o, 'fiscalia', itemId, { reason: 'x y z' }), code('forbidden'));
      await t.app.evidence.destroy(p, 'fiscalia', itemId, { reason: 'orden de destrucción 1' });
      const item = await t.app.evidence.get(p, 'fiscalia', itemId);
      assert.equal(item.state, 'destroyed');
      await assert.rejects(t.app.evidence.download(p, 'fiscalia', itemId, 'again'), code('evidence.destroyed'));
      // The twin in CASO-2 shares the content: its blob must survive.
      const twin = (await t.app.evidence.list(p, 'fiscalia', 'CASO-2'))[0];
      assert.ok(twin);
      const { stream } = await t.app.evidence.download(p, 'fiscalia', twin.id, 'still there');
      assert.equal(sha256(await buffer(stream)), sha256(content));
      // Retention over: the item's entries are crypto-shredded, its destruction included; the case keeps
      // one ledger.shredded entry saying how many and why.
      assert.deepEqual(await t.app.ledger.findEntries({ subjects: [`evidence:${itemId}`], limit: 50 }), []);
      const kase = await t.app.cases.byReference(p, 'fiscalia', 'CASO-1');
      const [record] = await t.app.ledger.findEntries({ subjects: [`case:${kase.id}`], typePrefix: 'ledger.shredded', limit: 5 });
      assert.ok(record);
      assert.equal(record.entry.data.reason, 'retention');
      const shredded = [];
      for (let i = 0; i < record.index; i++) {
        const stored = await t.app.ledger.entry(i);
        if (stored.shredded) shredded.push(stored);
      }
      assert.equal(shredded.length, Number(record.entry.data.count));
      const types = shredded.map((s) => (s.leaf.kind === 'blinded' ? s.leaf.leaf.type : ''));
      assert.ok(types.includes('evidence.destroyed') && types.includes('evidence.legal_hold_set') && types.includes('evidence.legal_hold_lifted'));
      for (const s of shredded) {
        assert.equal(s.entry, undefined);
        assert.equal(s.salt, undefined);
        assert.equal(s.shredded?.by, record.index);
      }
      // The log stays consistent and says which entries were shredded rather than lost.
      await t.app.ledger.settle();
      const audit = await t.app.ledger.audit();
      assert.equal(audit.ok, true, audit.finding?.message ?? '');
      assert.equal(audit.shredded, shredded.length);
    });
  });
}

async function countBlobs(t: TestApp): Promise<number> {
  let n = 0;
  const list = t.app.blobs.list;
  if (!list) return 0;
  for await (const _ of list.call(t.app.blobs, '')) n++;
  return n;
}
