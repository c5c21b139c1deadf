import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../app.ts';
import { AppError, isAppError } from '../../lib/errors.ts';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm, type UploadStatus, type Uploads } from '../../modules/evidence/index.ts';
import { asActor } from '../../modules/identity/index.ts';
import { principalOf } from '../context.ts';

/**
 * Evidence uploads over tus 1.0.0 (https://tus.io/protocols/resumable-upload): the core protocol
 * and the creation, expiration, checksum and termination extensions. Not offered, and so not
 * advertised: creation-defer-length (the length must be known to set the last-chunk flag of the
 * staged age file), creation-with-upload, checksum-trailer and concatenation.
 *
 * The protocol adapter only: headers are parsed and answered here, everything else is the uploads
 * service's. Every route needs `evidence.add` (checked before any input is read); browser sessions
 * send the CSRF token on POST, PATCH and DELETE, API tokens do not. An upload is visible only to
 * the person who created it, in the organisation they acted in; to anyone else it is 404.
 *
 * Bodies are never buffered: this plugin's only content-type parser hands the raw request stream
 * to the handler, so the server's body limit does not apply and a PATCH is encrypted as it arrives.
 */
export const TUS_VERSION = '1.0.0';
export const TUS_EXTENSIONS = ['creation', 'expiration', 'checksum', 'termination'] as const;
/** The evidence item a completed upload became: on the final PATCH answer and on HEAD afterwards. */
export const EVIDENCE_ITEM_HEADER = 'Custodia-Evidence-Item';
export const UPLOADS_PATH = '/api/v1/uploads';

const OFFSET_STREAM = 'application/offset+octet-stream';
const POLICY = { permission: 'evidence.add' } as const;
const SECURITY: Array<Record<string, string[]>> = [{ bearerToken: [] }, { sessionCookie: [] }];
const TAGS = ['uploads'];
const DIGITS = /^\d{1,16}$/;
const METHODS_BY_OVERRIDE = new Set(['HEAD', 'PATCH', 'DELETE']);

const headerInvalid = (header: string, message: string) =>
  new AppError('upload.header_invalid', { message: `${header}: ${message}`, fields: [{ path: header, code: 'upload.header_invalid', message }] });

function single(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(',') : value;
}

function integerHeader(request: FastifyRequest, name: string): number | undefined {
  const value = single(request, name);
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!DIGITS.test(trimmed) || !Number.isSafeInteger(Number(trimmed))) throw headerInvalid(name, 'a non-negative integer');
  return Number(trimmed);
}

/** Canonical-enough standard base64 (padding optional), or undefined. */
function decodeBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64').replace(/=+$/, '') === text.replace(/=+$/, '') ? bytes : undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Upload-Metadata (tus creation): comma-separated `key base64value` pairs; keys non-empty, without
 * spaces or commas, unique; the value may be left out. Values must be UTF-8. Every problem is listed.
 */
export function parseUploadMetadata(header: string | undefined): Record<string, string> {
  const pairs: Record<string, string> = {};
  if (header === undefined || header.trim() === '') return pairs;
  const problems: string[] = [];
  for (const raw of header.split(',')) {
    const pair = raw.trim();
    const space = pair.indexOf(' ');
    const key = space === -1 ? pair : pair.slice(0, space);
    const encoded = space === -1 ? '' : pair.slice(space + 1).trim();
    if (!/^[\x21-\x2b\x2d-\x7e]+$/.test(key)) {
      problems.push(`"${key.slice(0, 40)}" is not a key (ASCII, no spaces or commas)`);
      continue;
    }
    if (Object.hasOwn(pairs, key)) {
      problems.push(`${key} appears twice`);
      continue;
    }
    const bytes = decodeBase64(encoded);
    if (bytes === undefined) {
      problems.push(`${key}: the value is not base64`);
      continue;
    }
    try {
      pairs[key] = utf8.decode(bytes);
    } catch {
      problems.push(`${key}: the value is not UTF-8 text`);
    }
  }
  if (problems.length > 0) {
    throw new AppError('validation.failed', {
      message: `Upload-Metadata: ${problems.join('; ')}`,
      fields: problems.map((message) => ({ path: 'Upload-Metadata', code: 'upload.metadata_invalid', message })),
    });
  }
  return pairs;
}

/** Upload-Checksum: `<algorithm> <base64 digest>`; an algorithm we do not offer is 400 (tus checksum). */
export function parseUploadChecksum(header: string | undefined): { algorithm: ChecksumAlgorithm; digest: Buffer } | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(\S+) +(\S+)\s*$/.exec(header);
  if (!match) throw headerInvalid('Upload-Checksum', '<algorithm> <base64 digest>');
  const algorithm = match[1] as string;
  if (!(CHECKSUM_ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw new AppError('upload.checksum_unsupported', {
      message: `checksum algorithm ${algorithm.slice(0, 20)} is not supported (${CHECKSUM_ALGORITHMS.join(', ')})`,
      params: { algorithms: CHECKSUM_ALGORITHMS.join(', ') },
    });
  }
  const digest = decodeBase64(match[2] as string);
  if (digest === undefined) throw headerInvalid('Upload-Checksum', 'the digest is not base64');
  return { algorithm: algorithm as ChecksumAlgorithm, digest };
}

/** RFC 9110 §5.6.7 IMF-fixdate, as Upload-Expires wants. */
const httpDate = (iso: string) => new Date(iso).toUTCString();

function progressHeaders(reply: FastifyReply, status: UploadStatus): void {
  reply.header('Upload-Offset', String(status.offset));
  if (status.expiresAt) reply.header('Upload-Expires', httpDate(status.expiresAt));
  if (status.itemId) reply.header(EVIDENCE_ITEM_HEADER, status.itemId);
}

/** The tus status codes for our failures that Fastify or the body reader raise in their own terms. */
function inTusTerms(error: Error): Error {
  if (isAppError(error)) return error;
  const code = (error as { code?: unknown }).code;
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new AppError('upload.unsupported_media', { message: `a PATCH body must be ${OFFSET_STREAM}` });
  }
  return error;
}

/**
 * Registers the tus routes under /api/v1/uploads, in their own plugin scope (their body parser
 * and headers apply to nothing else).
 *
 * @example
 * registerUploadRoutes(server, app, app.uploads);
 * // OPTIONS /api/v1/uploads            → 204 Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm
 * // POST    /api/v1/uploads            → 201 Location: /api/v1/uploads/<id>, Upload-Expires
 * // HEAD    /api/v1/uploads/<id>       → 200 Upload-Offset, Upload-Length, Upload-Metadata, Upload-Expires
 * // PATCH   /api/v1/uploads/<id>       → 204 Upload-Offset (+ Custodia-Evidence-Item when complete)
 * // DELETE  /api/v1/uploads/<id>       → 204
 */
export function registerUploadRoutes(server: FastifyInstance, _app: App, uploads: Uploads): void {
  server.register(async (scope) => {
    // The raw request stream is the body, whatever the type: PATCH checks its own, the rest ignore theirs.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    scope.setErrorHandler((error) => {
      throw inTusTerms(error as Error);
    });

    // tus core: Tus-Resumable on every answer; 412 with Tus-Version to a request without our version
    // (after the route policy, so that callers without the right are told 401/403 first).
    scope.addHook('preHandler', async (request, reply) => {
      if (request.method === 'OPTIONS') return;
      const version = single(request, 'Tus-Resumable');
      if (version !== TUS_VERSION) {
        reply.header('Tus-Version', TUS_VERSION);
        throw new AppError('upload.version_unsupported', {
          message: version === undefined ? 'Tus-Resumable: 1.0.0 is required' : `tus ${version.slice(0, 20)} is not supported; use ${TUS_VERSION}`,
          params: { version: TUS_VERSION },
        });
      }
    });
    scope.addHook('onSend', async (request, reply, payload) => {
      reply.header('Tus-Resumable', TUS_VERSION);
      reply.header('Cache-Control', 'no-store');
      if (reply.statusCode === 460) reply.raw.statusMessage = 'Checksum Mismatch';
      // The body of a refused PATCH is left unread: close rather than read gigabytes for nothing.
      if (reply.statusCode >= 400 && request.method !== 'HEAD' && request.routeOptions.url !== UPLOADS_PATH) reply.header('Connection', 'close');
      return payload;
    });

    const actorOf = (request: FastifyRequest) => asActor(principalOf(request));
    const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

    async function head(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const status = await uploads.status(actorOf(request), idOf(request));
      reply.header('Upload-Offset', String(status.offset));
      reply.header('Upload-Length', String(status.length));
      if (status.metadata !== '') reply.header('Upload-Metadata', status.metadata);
      if (status.expiresAt) reply.header('Upload-Expires', httpDate(status.expiresAt));
      if (status.itemId) reply.header(EVIDENCE_ITEM_HEADER, status.itemId);
      await reply.code(200).send();
    }

    async function patch(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const type = (single(request, 'Content-Type') ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== OFFSET_STREAM) throw new AppError('upload.unsupported_media', { message: `a PATCH body must be ${OFFSET_STREAM}` });
      const offset = integerHeader(request, 'Upload-Offset');
      if (offset === undefined) throw headerInvalid('Upload-Offset', 'required');
      const checksum = parseUploadChecksum(single(request, 'Upload-Checksum'));
      const status = await uploads.append(actorOf(request), idOf(request), {
        offset,
        contentLength: integerHeader(request, 'Content-Length'),
        checksum,
        body: request.body as AsyncIterable<Uint8Array> | undefined,
      });
      progressHeaders(reply, status);
      await reply.code(204).send();
    }

    async function terminate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      await uploads.terminate(actorOf(request), idOf(request));
      await reply.code(204).send();
    }

    scope.options(
      UPLOADS_PATH,
      {
        config: { policy: POLICY },
        schema: {
          tags: TAGS,
          operationId: 'evidence.uploadCapabilities',
          summary: 'What this tus server offers',
          description: 'tus 1.0.0 discovery: Tus-Version, Tus-Extension, Tus-Max-Size and Tus-Checksum-Algorithm headers. No Tus-Resumable needed.',
          security: SECURITY,
        },
      },
      async (_request, reply) => {
        reply.header('Tus-Version', TUS_VERSION);
        reply.header('Tus-Extension', TUS_EXTENSIONS.join(','));
        reply.header('Tus-Max-Size', String(uploads.maxBytes));
        reply.header('Tus-Checksum-Algorithm', CHECKSUM_ALGORITHMS.join(','));
        await reply.code(204).send();
      },
    );

    scope.post(
      UPLOADS_PATH,
      {
        config: { policy: POLICY },
        schema: {
          tags: TAGS,
          operationId: 'evidence.createUpload',
          summary: 'Start a resumable evidence upload (tus creation)',
          description:
            'Headers: Tus-Resumable: 1.0.0, Upload-Length (required; deferred length is not supported), Upload-Metadata with base64 values for the keys ' +
            'case, exhibit, filename, description, acquiredBy, acquiredAt, acquiredWhere, tool, toolVersion, method, source, authority, and md5 / sha1 ' +
            '(present: compute that digest too). The description is checked before anything is created (422 listing every field as metadata.<key>; ' +
            '404 for a case you cannot see). 201 with Location and Upload-Expires. The bytes are staged encrypted to the vault and never stored in clear.',
          security: SECURITY,
        },
      },
      async (request, reply) => {
        if (single(request, 'Upload-Defer-Length') !== undefined) {
          throw new AppError('upload.length_required', { message: 'deferred length is not supported: send Upload-Length' });
        }
        const length = integerHeader(request, 'Upload-Length');
        if (length === undefined) throw new AppError('upload.length_required', { message: 'Upload-Length is required' });
        const metadataHeader = (single(request, 'Upload-Metadata') ?? '').trim();
        const status = await uploads.create(actorOf(request), { length, metadata: parseUploadMetadata(metadataHeader), metadataHeader });
        reply.header('Location', `${UPLOADS_PATH}/${status.id}`);
        if (status.expiresAt) reply.header('Upload-Expires', httpDate(status.expiresAt));
        if (status.itemId) {
          reply.header('Upload-Offset', String(status.offset));
          reply.header(EVIDENCE_ITEM_HEADER, status.itemId);
        }
        await reply.code(201).send();
      },
    );

    scope.head(
      `${UPLOADS_PATH}/:id`,
      {
        config: { policy: POLICY },
        schema: {
          tags: TAGS,
          operationId: 'evidence.uploadStatus',
          summary: 'Where an upload stands (tus core)',
          description:
            'Upload-Offset (derived from what is durably staged), Upload-Length, Upload-Metadata, Upload-Expires; once complete, Custodia-Evidence-Item. 404 for an upload that is not yours or was terminated, 410 once expired.',
          security: SECURITY,
        },
      },
      head,
    );

    scope.patch(
      `${UPLOADS_PATH}/:id`,
      {
        config: { policy: POLICY },
        schema: {
          tags: TAGS,
          operationId: 'evidence.appendUpload',
          summary: 'Send the next bytes (tus core, checksum)',
          description:
            'Content-Type: application/offset+octet-stream; Upload-Offset must equal the current offset (409 otherwise). Optional Upload-Checksum: ' +
            '<sha1|sha256|md5> <base64> over this request’s bytes: on a mismatch, 460 and nothing kept. Bytes beyond Upload-Length: 413. If the connection ' +
            'drops, what arrived is kept (unless a checksum was sent); ask HEAD and resume. The request that completes the upload answers with Custodia-Evidence-Item.',
          security: SECURITY,
        },
      },
      patch,
    );

    scope.delete(
      `${UPLOADS_PATH}/:id`,
      {
        config: { policy: POLICY },
        schema: {
          tags: TAGS,
          operationId: 'evidence.terminateUpload',
          summary: 'Abandon an upload (tus termination)',
          description: 'Its staged bytes are removed at once; later requests get 404. A completed upload’s evidence item is not affected.',
          security: SECURITY,
        },
      },
      terminate,
    );

    // tus core: X-HTTP-Method-Override for clients that cannot send PATCH, DELETE or HEAD.
    scope.post(
      `${UPLOADS_PATH}/:id`,
      {
        config: { policy: POLICY },
        schema: {
          tags: TAGS,
          operationId: 'evidence.overrideUpload',
          summary: 'PATCH, DELETE or HEAD for clients that can only POST',
          description: 'X-HTTP-Method-Override: PATCH | DELETE | HEAD, with that method’s headers.',
          security: SECURITY,
        },
      },
      async (request, reply) => {
        const method = single(request, 'X-HTTP-Method-Override')?.trim().toUpperCase();
        if (method === undefined || !METHODS_BY_OVERRIDE.has(method)) throw headerInvalid('X-HTTP-Method-Override', 'PATCH, DELETE or HEAD');
        if (method === 'PATCH') return patch(request, reply);
        if (method === 'DELETE') return terminate(request, reply);
        return head(request, reply);
      },
    );
  });
}
