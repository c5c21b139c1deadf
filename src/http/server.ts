import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import Fastify, {
  type ConnectionError,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { App } from '../app.ts';
import { negotiateLocale } from '../i18n/index.ts';
import { AppError } from '../lib/errors.ts';
import { isPermission } from '../modules/identity/index.ts';
import { registerApiRoutes } from './api/routes.ts';
import { SECURITY_SCHEMES } from './api/schemas.ts';
import { registerAuthentication, safeNext } from './auth/authenticate.ts';
import { enforceRoutePolicies, requestLocale } from './context.ts';
import { registerOperationsRoutes } from './operations.ts';
import { problemOf, sendProblem, toAppError, toProblem } from './problem.ts';
import { registerSecurity, SECURITY_HEADERS } from './security.ts';
import { registerTlogRoutes } from './tlog.routes.ts';
import { renderErrorPage } from './web/error-page.ts';
import { registerWebRoutes } from './web/routes.ts';

export interface ServerOptions {
  /** Set to false in tests that count requests; on by default. */
  logRequests?: boolean;
}

/** Builds the HTTP adapter over an App: security, OpenAPI, API, UI, health. No business rules here. */
export async function buildServer(app: App, options: ServerOptions = {}): Promise<FastifyInstance> {
  const server: FastifyInstance = Fastify({
    loggerInstance: app.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: options.logRequests === false }),
    bodyLimit: 1024 * 1024,
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    return503OnClosing: true,
    genReqId: () => crypto.randomUUID(),
    frameworkErrors: frameworkError,
    clientErrorHandler: (error, socket) => clientError(app, error, socket),
  });
  server.setValidatorCompiler(validatorCompiler);
  server.setSerializerCompiler(serializerCompiler);
  server.decorateRequest('locale', 'es');

  enforceRoutePolicies(server);

  registerSecurity(server);
  await server.register(cookie);
  await server.register(formbody, { bodyLimit: 64 * 1024 });
  // The language first (after the cookies are read): a refusal by authentication or the rate limit speaks it too.
  server.addHook('onRequest', async (request) => {
    request.locale = requestLocale(request);
  });
  registerAuthentication(server, app);
  await server.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Custodia API',
        version: '1',
        description: 'Knowledge base and legal engine for cross-border cooperation against cybercrime. Errors are RFC 9457 problem details.',
      },
      tags: [
        { name: 'legal', description: 'Legal engine: in force, entry into force, legal bases, dual criminality' },
        { name: 'knowledge', description: 'Knowledge base: instruments, States, offences, profiles, versions' },
        { name: 'ledger', description: 'Custody ledger: checkpoints, entries, inclusion and consistency proofs' },
        { name: 'identity', description: 'Organisations, members and roles, sessions, API tokens, need-to-know access, audit' },
        { name: 'evidence', description: 'Evidence vault: items, custody history, downloads, fixity, retention, legal holds' },
        { name: 'cooperation', description: 'Cooperation requests: case facts, requests and their steps, documents, deadlines, statistics, notifications' },
        { name: 'uploads', description: 'tus 1.0 resumable uploads of evidence (creation, termination, checksum, expiration)' },
        { name: 'operations', description: 'Health and readiness' },
      ],
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transform: jsonSchemaTransform,
  });

  server.setErrorHandler(async (error, request, reply) => {
    const appError = toAppError(error);
    const problem = toProblem(appError, request, request.locale);
    // A failure of the node (a blob store that cannot be read, a database that is down) is an error
    // for the operator; a refusal of what was asked is only information.
    if (appError.code === 'internal') request.log.error({ err: error }, 'unhandled error');
    else if (problem.status >= 500) request.log.error({ code: appError.code, err: error }, 'request failed');
    else request.log.info({ code: appError.code }, 'request refused');
    const retryAfter = appError.details?.retryAfter;
    if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
    if (appError.code === 'unauthenticated') reply.header('www-authenticate', 'Bearer');
    // Programs (the API, probes, the log, page scripts posting JSON) get problem details; people get a page.
    const wantsJson =
      String(request.headers['content-type'] ?? '').startsWith('application/json') || String(request.headers.accept ?? '').startsWith('application/json');
    if (
      wantsJson ||
      request.url.startsWith('/api/') ||
      request.url.startsWith('/health') ||
      request.url.startsWith('/ready') ||
      request.url.startsWith('/ledger/')
    ) {
      return sendProblem(reply, problem);
    }
    if (appError.code === 'identity.reauthentication_required') {
      // Back to the page the form was on (a same-origin Referer), or the page asked for, once confirmed.
      const from = request.method === 'GET' ? request.url : refererPath(request.headers.referer, request.host);
      return reply.redirect(`/reauth?lang=${request.locale}&next=${encodeURIComponent(safeNext(from, '/account'))}`, 303);
    }
    // A person refused a permission is told which one, which roles give it and who holds it.
    const permission = appError.params?.permission;
    const holders =
      appError.code === 'forbidden' && request.principal && typeof permission === 'string' && isPermission(permission)
        ? await app.identity.directory.holdersOf(request.principal, permission).catch(() => undefined)
        : undefined;
    return reply
      .code(problem.status)
      .type('text/html; charset=utf-8')
      .send(renderErrorPage(request, problem, holders));
  });
  server.setNotFoundHandler((request, reply) => {
    const problem = toProblem(toAppError({ statusCode: 404, message: `no route ${request.method} ${request.url.split('?')[0]}` }), request, request.locale);
    if (request.url.startsWith('/api/') || request.url.startsWith('/ledger/')) return sendProblem(reply, problem);
    return reply.code(404).type('text/html; charset=utf-8').send(renderErrorPage(request, problem));
  });

  registerOperationsRoutes(server, app);
  registerApiRoutes(server, app);
  registerTlogRoutes(server, app);
  registerWebRoutes(server, app);

  server.get('/api/openapi.json', { config: { policy: 'public' }, schema: { hide: true } }, async () => server.swagger());
  return server;
}

/**
 * Refusals by the router before any route is chosen (a malformed %-encoding, a path segment over
 * the router's limit): RFC 9457 problem details like every other refusal, with the same headers.
 */
function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const appError =
    error.code === 'FST_ERR_BAD_URL'
      ? new AppError('http.url_invalid', { message: 'the URL has a malformed %-encoding' })
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new AppError('http.url_too_long', { message: 'a segment of the URL path is too long' })
        : toAppError(error);
  const locale = negotiateLocale(undefined, request.headers['accept-language']);
  request.log.info({ code: appError.code }, 'request refused');
  reply.headers(SECURITY_HEADERS).header('cache-control', 'no-store');
  sendProblem(reply, problemOf(appError, request.id, locale));
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (headers, or a request line, over
 * the size limit; a malformed request; a request not sent in time): problem details written on the
 * socket, since there is no request to answer. Nothing was parsed, so the language is the default.
 */
function clientError(app: App, error: ConnectionError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const appError =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new AppError('http.headers_too_large', { message: 'the request line and headers are over the size limit' })
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new AppError('http.request_timeout', { message: 'the request was not received in time' })
        : new AppError('http.request_malformed', { message: 'the HTTP request is malformed' });
  app.log.info({ code: appError.code, parser: error.code }, 'request refused');
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const problem = problemOf(appError, crypto.randomUUID(), negotiateLocale(undefined, undefined));
  const body = JSON.stringify(problem);
  const headers = {
    ...SECURITY_HEADERS,
    'cache-control': 'no-store',
    'content-type': 'application/problem+json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(`HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n${head.join('')}\r\n${body}`);
}

function refererPath(referer: string | undefined, host: string): string | undefined {
  if (!referer) return undefined;
  try {
    const url = new URL(referer);
    return url.host === host ? `${url.pathname}${url.search}` : undefined;
  } catch {
    return undefined;
  }
}
