import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../app.ts';
import { AppError } from '../../lib/errors.ts';
import { asActor } from '../../modules/identity/index.ts';
import type { RoutePolicy } from '../context.ts';
import { ANON_CSRF_COOKIE, SESSION_COOKIE } from './cookies.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const isApi = (request: FastifyRequest) => request.url.startsWith('/api/');

function sameSecret(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A relative path on this site only: anything else (//host, https://…, \\host) becomes the home page. */
export function safeNext(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || value.length > 500) return fallback;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || /[\r\n\t]/.test(value)) return fallback;
  return value;
}

/**
 * Who is asking (a bearer API token, or the session cookie), then, before any input is validated,
 * whether the route's policy lets them, and whether a state-changing browser request carries its
 * CSRF token. Refusals of signed-in principals, and API tokens that do not work, are audit events
 * (summarised by the minute: see recordDenied). Each request counts against the rate limit first.
 */
export function registerAuthentication(server: FastifyInstance, app: App): void {
  server.decorateRequest('principal', undefined);

  server.addHook('onRequest', async (request) => {
    // Every request counts against the general rate limit (per credential, or per address without
    // one) except health and readiness probes: a refused probe would get a working node restarted.
    const limited = request.is404 || request.routeOptions.config?.policy !== 'operations';
    const authorization = request.headers.authorization;
    if (typeof authorization === 'string') {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      const principal = match ? await app.identity.tokens.authenticate(match[1] as string) : undefined;
      if (!principal) {
        if (limited) await app.identity.rateLimiter.hit({ ip: request.ip });
        // A credential that does not work (guessed, expired, revoked) is a refusal worth auditing;
        // without a principal it is counted by address, and the ledger never sees the address.
        await app.identity
          .recordDenied({ kind: 'anonymous', ip: request.ip }, { method: request.method, route: routeOf(request), permission: 'credential:api-token' })
          .catch((error: unknown) => request.log.error({ err: error }, 'could not record a denied access'));
        throw new AppError('unauthenticated', { message: 'the API token is unknown, expired or revoked' });
      }
      request.principal = principal;
    } else {
      const token = request.cookies?.[SESSION_COOKIE];
      if (token) request.principal = await app.identity.sessions.authenticate(token);
    }
    if (limited) await app.identity.rateLimiter.hit({ principal: request.principal, ip: request.ip });
  });

  server.addHook('preValidation', async (request, reply) => {
    // Only the not-found handler has no policy (every route must declare one, or the server refuses it).
    if (request.is404) return;
    const policy = request.routeOptions.config.policy as RoutePolicy;
    await authorise(app, request, reply, policy);
    if (SAFE_METHODS.has(request.method) || request.routeOptions.config.csrf === false || request.principal?.via === 'token') return;
    const body = request.body as Record<string, unknown> | undefined;
    const provided = (typeof body?._csrf === 'string' ? body._csrf : undefined) ?? (request.headers['x-csrf-token'] as string | undefined);
    const expected = request.principal?.csrfToken ?? request.cookies?.[ANON_CSRF_COOKIE];
    if (!sameSecret(provided, expected))
      throw new AppError('csrf.invalid', { message: 'the form has expired or did not come from this site; reload it and try again' });
  });
}

async function authorise(app: App, request: FastifyRequest, reply: FastifyReply, policy: RoutePolicy): Promise<void> {
  if (policy === 'public' || policy === 'operations') return;
  const principal = request.principal;
  if (!principal) {
    // A person following a link is sent to sign in and brought back; programs get a 401.
    if (!isApi(request) && request.method === 'GET') {
      const next = encodeURIComponent(safeNext(request.url));
      await reply.redirect(`/login?next=${next}`, 303);
      return;
    }
    throw new AppError('unauthenticated', { message: 'sign in first' });
  }
  // Whatever the policy, a path naming an organisation is only for those acting in it.
  const org = (request.params as Record<string, unknown> | undefined)?.org;
  if (typeof org === 'string' && org !== principal.orgId) {
    await recordDenied(app, request, `organisation:${org}`);
    throw new AppError('forbidden', { message: `you act in ${principal.orgId}, not in ${org}` });
  }
  if (policy === 'signed-in') return;
  if (policy === 'person') {
    if (principal.via === 'session') return;
    throw new AppError('forbidden', { message: 'only a person signed in with a browser session may do this' });
  }
  if (!principal.permissions.has(policy.permission)) {
    await recordDenied(app, request, policy.permission);
    throw new AppError('forbidden', {
      message: `this needs the permission ${policy.permission} in ${principal.orgId}`,
      params: { permission: policy.permission },
    });
  }
}

/** The route's pattern (never the concrete path: it may carry ids), or the path when no route matched. */
const routeOf = (request: FastifyRequest): string => (request.is404 ? '(no route)' : (request.routeOptions.url ?? request.url.split('?')[0] ?? ''));

/** A refused signed-in principal is a security event: recorded for their organisation's auditors. */
async function recordDenied(app: App, request: FastifyRequest, permission: string): Promise<void> {
  const principal = request.principal;
  if (!principal) return;
  await app.identity
    .recordDenied(asActor(principal), { method: request.method, route: routeOf(request), permission })
    .catch((error: unknown) => request.log.error({ err: error }, 'could not record a denied access'));
}
