import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { systemActor } from '../../src/modules/identity/index.ts';
import { S3BlobStore } from '../../src/storage/blobs/s3.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { ensureOrganisation } from '../support/identity.ts';

type S3rverInstance = { run(): Promise<{ port: number }>; close(): Promise<void> };
let S3rver: (new (options: Record<string, unknown>) => S3rverInstance) | undefined;
try {
  S3rver = createRequire(import.meta.url)('s3rver');
} catch {
  S3rver = undefined;
}

/** The vault on an S3-compatible store (s3rver, started here): multipart intake, reads, fixity, export. */
describe('evidence vault on an S3-compatible blob store', { skip: S3rver ? false : 's3rver is not installed' }, () => {
  let server: S3rverInstance;
  let directory: string;
  let t: TestApp;
  const operator = systemActor('test');
  // Larger than one 5 MiB part, so the multipart path is taken.
  const content = randomBytes(12 * 1024 * 1024 + 123);

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'custodia-s3rver-'));
    server = new (S3rver as NonNullable<typeof S3rver>)({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: 'vault' }] });
    const { port } = await server.run();
    const blobs = new S3BlobStore({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      bucket: 'vault',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      prefix: 'custodia/',
      partSize: 5 * 1024 * 1024,
    });
    t = await createTestApp({ load: false, blobs });
    await ensureOrganisation(t.app, 'fiscalia');
    const custodian = await t.app.identity.directory.createUser(operator, {
      email: 'c@pe.example',
      name: 'C',
      orgId: 'fiscalia',
      roles: ['evidence_custodian'],
    });
    await t.app.cases.create(operator, { reference: 'S3-1', orgId: 'fiscalia', members: [custodian.userId] });
  });
  after(async () => {
    await t.cleanup();
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('takes a file in, reads it back, checks fixity and exports it', async () => {
    const item = await t.app.evidence.add(
      operator,
      'fiscalia',
      { caseReference: 'S3-1', exhibit: 'EV-1', fileName: 'x.bin', acquisition: { by: 'p', at: '2026-11-24T10:00:00-05:00' } },
      Readable.from([content]),
    );
    assert.equal(item.sha256, createHash('sha256').update(content).digest('hex'));
    const { stream } = await t.app.evidence.download(operator, 'fiscalia', item.id, 'check');
    assert.ok((await buffer(stream)).equals(content));
    assert.equal((await t.app.evidence.verify(operator, 'fiscalia', item.id)).ok, true);
    const out = join(directory, 'package');
    const written = await t.app.evidence.exportCase(operator, 'fiscalia', 'S3-1', { outDir: out });
    assert.equal(written.payloadBytes, content.length);
    const { verifyEvidencePackage } = await import('../../src/modules/evidence/index.ts');
    const verified = await verifyEvidencePackage(out);
    assert.equal(verified.ok, true, JSON.stringify(verified.problems));
  });
});
