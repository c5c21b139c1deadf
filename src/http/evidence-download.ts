import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { EvidenceItem } from '../modules/evidence/index.ts';

/** `attachment` with an ASCII fallback and the RFC 8187 UTF-8 name. */
export function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_') || 'evidence.bin';
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * An item's content as the API and the pages send it: bytes only, as an attachment the browser
 * saves, never rendered, sniffed or cached, with the recorded SHA-256 for the receiver to check.
 */
export function sendEvidenceContent(reply: FastifyReply, item: EvidenceItem, stream: Readable): FastifyReply {
  return reply
    .header('content-type', 'application/octet-stream')
    .header('content-disposition', attachment(item.fileName || `${item.exhibit}.bin`))
    .header('content-length', String(item.bytes))
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'no-store')
    .header('custodia-sha256', item.sha256)
    .send(stream);
}
