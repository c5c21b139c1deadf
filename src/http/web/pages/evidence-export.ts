/**
 * A case's export package as a download: the vault writes the package (BagIt, CASE/UCO custody,
 * ledger proofs, verification report) into a fresh temporary folder, which is streamed as one .tar
 * and deleted once the answer ends, however it ends.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { tarDirectory } from '../../../lib/tar/index.ts';
import { one } from './common.ts';
import { casePage, refusal, renameFields, who } from './evidence.ts';
import { bodyOf } from './identity-common.ts';

/** The package's name from a case reference (which may hold `/` and `:`). */
export const packageName = (reference: string) => `${reference.replace(/[^A-Za-z0-9._-]/g, '_')}-package`;

export function registerEvidenceExport(server: FastifyInstance, app: App): void {
  server.post('/cases/:ref/evidence/export', { config: { policy: { permission: 'evidence.export' } } }, async (request: FastifyRequest, reply) => {
    const { actor, orgId } = who(request);
    const reference = (request.params as { ref: string }).ref;
    const body = bodyOf(request);
    const to = one(body.to)?.trim() || undefined;
    const reason = one(body.reason) ?? '';
    // mkdtemp gives a private (0700) folder no one else can have made; the package goes inside it.
    const parent = await mkdtemp(join(tmpdir(), 'custodia-export-'));
    const dir = join(parent, 'package');
    const cleanup = () =>
      rm(parent, { recursive: true, force: true }).catch((err: unknown) => request.log.error({ err, dir: parent }, 'could not remove an export folder'));
    try {
      await app.evidence.exportCase(actor, orgId, reference, { outDir: dir, reason, ...(to ? { to } : {}) });
    } catch (error) {
      await cleanup();
      const { errors, status } = refusal(request, error, 'exportReason');
      return casePage(app, request, reply, reference, {
        errors: renameFields(errors, { to: 'exportTo', reason: 'exportReason' }, 'exportReason'),
        status,
        values: { exportTo: to, exportReason: reason },
      });
    }
    // One folder inside the archive, named like the file, so unpacking it never scatters files.
    const stream = tarDirectory(dir, { prefix: packageName(reference) });
    reply.raw.once('close', () => void cleanup());
    return reply
      .header('content-type', 'application/x-tar')
      .header('content-disposition', `attachment; filename="${packageName(reference)}.tar"`)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-store')
      .send(stream);
  });
}
