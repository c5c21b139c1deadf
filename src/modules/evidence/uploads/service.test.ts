import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { decrypt, generateIdentity } from '../../../lib/age/age.ts';
import { AppError } from '../../../lib/errors.ts';
import { connectDatabase, type Db, migrateToLatest } from '../../../storage/db/connect.ts';
import type { Actor, Principal } from '../../identity/index.ts';
import { type EvidenceIntake, type EvidenceItem, NewEvidence, type StagedUpload } from '../model.ts';
import { createUploads, type Uploads } from './service.ts';

class Clock {
  ms = Date.parse('2026-11-24T15:00:00.000Z');
  now(): Date {
    return new Date(this.ms);
  }
}

const actor = (userId: string, orgId = 'org-a'): Actor => ({
  kind: 'principal',
  principal: { via: 'token', userId, orgId, email: `${userId}@x`, name: userId, locale: 'es' } as unknown as Principal,
});

/** Records what the vault was asked; decrypts staged files with the vault identity as the real one would. */
class FakeIntake implements EvidenceIntake {
  readonly vault = generateIdentity();
  adopted: Array<{ orgId: string; input: NewEvidence; plaintext: Buffer; digests: StagedUpload['digests'] }> = [];
  failNext: Error | undefined;
  async vaultRecipients() {
    return [this.vault.recipient];
  }
  async checkIntake(_actor: Actor, _orgId: string, input: unknown) {
    const parsed = NewEvidence.safeParse(input);
    if (!parsed.success) {
      throw new AppError('validation.failed', { fields: parsed.error.issues.map((i) => ({ path: i.path.join('.'), code: 'validation.invalid' })) });
    }
    if (parsed.data.caseReference === 'UNKNOWN') throw new AppError('not_found', { message: 'no such case' });
    return parsed.data;
  }
  async adoptStaged(_actor: Actor, orgId: string, input: NewEvidence, staged: StagedUpload) {
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) throw failure;
    const parts: Buffer[] = [];
    for await (const part of staged.open()) parts.push(part as Buffer);
    const plaintext = decrypt(Buffer.concat(parts), [this.vault.identity]);
    assert.equal(plaintext.length, staged.bytes);
    this.adopted.push({ orgId, input, plaintext, digests: staged.digests });
    return { id: `item-${this.adopted.length}` } as EvidenceItem;
  }
}

const META = { case: 'CASO-1', exhibit: 'E-1', acquiredBy: 'PNP DIVINDAT', acquiredAt: '2026-11-24T10:00:00-05:00', filename: 'disk.img' };
const header = (meta: Record<string, string>) =>
  Object.entries(meta)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');
const hex = (algorithm: string, data: Buffer) => createHash(algorithm).update(data).digest('hex');
const sha256 = (data: Buffer) => ({ algorithm: 'sha256' as const, digest: createHash('sha256').update(data).digest() });

/** A body arriving in pieces; `failAfter` drops the connection after that many bytes. */
async function* body(data: Buffer, piece = 50_000, failAfter?: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += piece) {
    if (failAfter !== undefined && at >= failAfter) throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    yield data.subarray(at, at + piece);
  }
}

describe('uploads service', () => {
  const dir = mkdtempSync(join(tmpdir(), 'custodia-uploads-'));
  const uploadDir = join(dir, 'uploads');
  const clock = new Clock();
  const intake = new FakeIntake();
  const alice = actor('alice');
  let db: Db;
  let uploads: Uploads;
  let uploadsDeps: Parameters<typeof createUploads>[0];

  before(async () => {
    db = connectDatabase({ sqlitePath: join(dir, 'db.sqlite'), dataDir: dir });
    await migrateToLatest(db);
    uploadsDeps = {
      db: db.kysely,
      clock,
      log: pino({ level: 'silent' }),
      kek: randomBytes(32),
      intake,
      uploadDir,
      expiryHours: 24,
      maxBytes: 10_000_000,
      lockWaitMs: 100,
      commitEveryBytes: 256 * 1024,
    };
    uploads = createUploads(uploadsDeps);
  });
  after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const create = (length: number, meta: Record<string, string> = { ...META, exhibit: `E-${randomBytes(4).toString('hex')}` }, who = alice) =>
    uploads.create(who, { length, metadata: meta, metadataHeader: header(meta) });

  it('takes checksummed PATCHes of any size, completes into the vault, then forgets the staging', async () => {
    const data = randomBytes(700_001);
    const created = await create(data.length, { ...META, md5: '', description: 'imagen' });
    assert.equal(created.offset, 0);
    assert.equal(created.expiresAt, '2026-11-25T15:00:00.000Z');
    assert.ok(existsSync(join(uploadDir, created.id)));
    let offset = 0;
    for (const size of [1, 65_535, 300_000, 100]) {
      const piece = data.subarray(offset, offset + size);
      offset = (await uploads.append(alice, created.id, { offset, contentLength: size, checksum: sha256(piece), body: body(piece) })).offset;
    }
    assert.equal((await uploads.status(alice, created.id)).offset, offset);
    const rest = data.subarray(offset);
    const done = await uploads.append(alice, created.id, { offset, body: body(rest, 77_777) });
    assert.equal(done.offset, data.length);
    assert.ok(done.itemId);
    assert.equal(done.expiresAt, undefined);
    const adopted = intake.adopted.at(-1)!;
    assert.ok(adopted.plaintext.equals(data));
    // Hashed as the bytes arrived, across PATCHes, with the MD5 the metadata asked for.
    assert.deepEqual(adopted.digests, { sha256: hex('sha256', data), md5: hex('md5', data) });
    assert.equal(adopted.input.md5, true);
    assert.equal(adopted.input.sha1, false);
    assert.equal(adopted.input.fileName, 'disk.img');
    assert.equal(adopted.input.acquisition.by, 'PNP DIVINDAT');
    assert.equal(existsSync(join(uploadDir, created.id)), false);
    const later = await uploads.status(alice, created.id);
    assert.deepEqual([later.offset, later.itemId, later.metadata], [data.length, done.itemId, header({ ...META, md5: '', description: 'imagen' })]);
    // The last PATCH repeated (its answer was lost): told where things stand, nothing happens.
    assert.equal((await uploads.append(alice, created.id, { offset: data.length, contentLength: 0 })).itemId, done.itemId);
    await assert.rejects(uploads.append(alice, created.id, { offset: 0, contentLength: 5 }), { code: 'upload.offset_mismatch' });
  });

  it('checks the description with the vault before creating anything, naming fields as metadata keys', async () => {
    const before = readdirSync(uploadDir).length;
    await assert.rejects(create(10, { case: 'CASO-1', exhibit: 'bad exhibit!' }), (error: AppError) => {
      assert.equal(error.code, 'validation.failed');
      assert.deepEqual(error.fields.map((f) => f.path).sort(), ['metadata.acquiredAt', 'metadata.acquiredBy', 'metadata.exhibit']);
      return true;
    });
    await assert.rejects(create(10, { ...META, case: 'UNKNOWN' }), { code: 'not_found' });
    await assert.rejects(create(10_000_001), { code: 'upload.too_large' });
    assert.equal(readdirSync(uploadDir).length, before);
  });

  it('shows an upload to its creator only, in the organisation they acted in', async () => {
    const created = await create(100);
    for (const stranger of [actor('bob'), actor('alice', 'org-b')]) {
      await assert.rejects(uploads.status(stranger, created.id), { code: 'upload.not_found' });
      await assert.rejects(uploads.append(stranger, created.id, { offset: 0, body: body(Buffer.alloc(10)) }), { code: 'upload.not_found' });
      await assert.rejects(uploads.terminate(stranger, created.id), { code: 'upload.not_found' });
    }
    await assert.rejects(uploads.status(alice, 'not-a-uuid'), { code: 'upload.not_found' });
    await assert.rejects(uploads.status({ kind: 'system', name: 'cli' }, created.id), { code: 'forbidden' });
  });

  it('keeps nothing of a PATCH whose checksum does not match, nor of one longer than declared', async () => {
    const data = randomBytes(300_000);
    const created = await create(data.length);
    await uploads.append(alice, created.id, { offset: 0, body: body(data.subarray(0, 1000)) });
    const bad = { algorithm: 'sha1' as const, digest: createHash('sha1').update('something else').digest() };
    await assert.rejects(uploads.append(alice, created.id, { offset: 1000, checksum: bad, body: body(data.subarray(1000, 250_000)) }), {
      code: 'upload.checksum_mismatch',
    });
    assert.equal((await uploads.status(alice, created.id)).offset, 1000);
    await assert.rejects(uploads.append(alice, created.id, { offset: 1000, contentLength: data.length, body: body(data) }), { code: 'upload.too_large' });
    await assert.rejects(uploads.append(alice, created.id, { offset: 1000, body: body(Buffer.concat([data.subarray(1000), Buffer.alloc(1)])) }), {
      code: 'upload.too_large',
    });
    assert.equal((await uploads.status(alice, created.id)).offset, 1000);
    await assert.rejects(uploads.append(alice, created.id, { offset: 999, body: body(data.subarray(999)) }), (e: AppError) => e.params.offset === 1000);
    const done = await uploads.append(alice, created.id, { offset: 1000, checksum: sha256(data.subarray(1000)), body: body(data.subarray(1000)) });
    assert.ok(done.itemId);
    assert.ok(intake.adopted.at(-1)!.plaintext.equals(data));
    // What was refused never reached the running digest either.
    assert.deepEqual(intake.adopted.at(-1)!.digests, { sha256: hex('sha256', data) });
  });

  it('answers the offset of a body that ends on a commit point, and completes an upload whose last byte it was', async () => {
    const data = randomBytes(4 * 256 * 1024);
    const created = await create(data.length);
    const first = await uploads.append(alice, created.id, { offset: 0, body: body(data.subarray(0, 256 * 1024), 65_536) });
    assert.equal(first.offset, 256 * 1024);
    const done = await uploads.append(alice, created.id, { offset: first.offset, body: body(data.subarray(first.offset), 65_536) });
    assert.equal(done.offset, data.length);
    assert.ok(done.itemId);
    assert.ok(intake.adopted.at(-1)!.plaintext.equals(data));
    assert.deepEqual(intake.adopted.at(-1)!.digests, { sha256: hex('sha256', data) });
  });

  it('leaves the hashing to the vault when earlier bytes were taken by another process (after a restart)', async () => {
    const data = randomBytes(300_000);
    const created = await create(data.length);
    await uploads.append(alice, created.id, { offset: 0, body: body(data.subarray(0, 100_000)) });
    const restarted = createUploads({ ...uploadsDeps, intake });
    const done = await restarted.append(alice, created.id, { offset: 100_000, body: body(data.subarray(100_000)) });
    assert.ok(done.itemId);
    assert.ok(intake.adopted.at(-1)!.plaintext.equals(data));
    assert.equal(intake.adopted.at(-1)!.digests, undefined);
  });

  it('keeps what arrived before a dropped connection, unless the PATCH had a checksum', async () => {
    const data = randomBytes(600_000);
    const created = await create(data.length);
    await assert.rejects(uploads.append(alice, created.id, { offset: 0, checksum: sha256(data), body: body(data, 50_000, 400_000) }), {
      code: 'upload.interrupted',
    });
    assert.equal((await uploads.status(alice, created.id)).offset, 0);
    await assert.rejects(uploads.append(alice, created.id, { offset: 0, body: body(data, 50_000, 450_000) }), { code: 'upload.interrupted' });
    const kept = (await uploads.status(alice, created.id)).offset;
    assert.equal(kept, 450_000);
    const done = await uploads.append(alice, created.id, { offset: kept, body: body(data.subarray(kept)) });
    assert.ok(done.itemId);
    assert.ok(intake.adopted.at(-1)!.plaintext.equals(data));
  });

  it('lets one request write to an upload at a time', async () => {
    const created = await create(1000);
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => {
      release = resolve;
    });
    async function* slow(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(10);
      await stalled;
      yield Buffer.alloc(10);
    }
    const first = uploads.append(alice, created.id, { offset: 0, body: slow() });
    await assert.rejects(uploads.append(alice, created.id, { offset: 0, body: body(Buffer.alloc(5)) }), { code: 'upload.locked' });
    // HEAD does not wait: it reports what is committed.
    assert.equal((await uploads.status(alice, created.id)).offset, 0);
    release();
    assert.equal((await first).offset, 20);
  });

  it('completes an empty file on creation', async () => {
    const created = await create(0);
    assert.ok(created.itemId);
    assert.equal(intake.adopted.at(-1)!.plaintext.length, 0);
  });

  it('fails and keeps nothing when the vault refuses the upload, and keeps it for a retry when the vault breaks', async () => {
    const data = randomBytes(70_000);
    const refused = await create(data.length);
    intake.failNext = new AppError('evidence.exhibit_exists', { message: 'taken' });
    await assert.rejects(uploads.append(alice, refused.id, { offset: 0, body: body(data) }), { code: 'evidence.exhibit_exists' });
    assert.equal(existsSync(join(uploadDir, refused.id)), false);
    await assert.rejects(uploads.status(alice, refused.id), { code: 'upload.not_found' });

    const broken = await create(data.length);
    intake.failNext = new Error('database went away');
    await assert.rejects(uploads.append(alice, broken.id, { offset: 0, body: body(data) }), /database went away/);
    assert.ok(existsSync(join(uploadDir, broken.id)));
    // The next HEAD finds every byte in and finishes the adoption.
    const status = await uploads.status(alice, broken.id);
    assert.ok(status.itemId);
    assert.ok(intake.adopted.at(-1)!.plaintext.equals(data));
  });

  it('terminates an upload: its staging goes at once, and so does it', async () => {
    const created = await create(1000);
    await uploads.append(alice, created.id, { offset: 0, body: body(Buffer.alloc(100)) });
    await uploads.terminate(alice, created.id);
    assert.equal(existsSync(join(uploadDir, created.id)), false);
    await assert.rejects(uploads.status(alice, created.id), { code: 'upload.not_found' });
    await assert.rejects(uploads.terminate(alice, created.id), { code: 'upload.not_found' });
  });

  it('expires unfinished uploads (gone, not just missing), sweeps their staging and orphans, and forgets old records', async () => {
    const created = await create(1000);
    const orphan = join(uploadDir, '11111111-2222-4333-8444-555555555555');
    mkdirSync(orphan);
    utimesSync(orphan, new Date(clock.ms - 2 * 3_600_000), new Date(clock.ms - 2 * 3_600_000));
    clock.ms += 24 * 3_600_000;
    await assert.rejects(uploads.status(alice, created.id), { code: 'upload.expired' });
    await assert.rejects(uploads.append(alice, created.id, { offset: 0, body: body(Buffer.alloc(10)) }), { code: 'upload.expired' });
    const swept = await uploads.sweepExpired();
    assert.ok(swept.expired >= 1);
    assert.equal(swept.orphans, 1);
    assert.equal(existsSync(join(uploadDir, created.id)), false);
    assert.equal(existsSync(orphan), false);
    await assert.rejects(uploads.status(alice, created.id), { code: 'upload.expired' });
    clock.ms += 31 * 24 * 3_600_000;
    assert.ok((await uploads.sweepExpired()).forgotten >= 1);
    await assert.rejects(uploads.status(alice, created.id), { code: 'upload.not_found' });
    // Nothing open is left behind on disk.
    assert.deepEqual(readdirSync(uploadDir), []);
  });
});
