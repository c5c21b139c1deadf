import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../lib/errors.ts';
import { LOGIN_COOKIE, SESSION_COOKIE } from './auth/cookies.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Nothing inline, nothing from another origin: the UI is server-rendered with one stylesheet. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/** Computed once: these answers never vary per request, so building them per request is waste. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  // Not no-referrer: with it, browsers send `Origin: null` on same-site form posts, which the
  // cross-site guard must refuse. same-origin still tells other sites nothing.
  'referrer-policy': 'same-origin',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

/**
 * Whether an answer is for someone in particular: the request carries credentials (a bearer token, a
 * session or sign-in cookie) or its route is not public. Such answers are never stored by a cache.
 */
function isPersonal(request: FastifyRequest): boolean {
  if (request.headers.authorization !== undefined) return true;
  const cookies = request.headers.cookie;
  if (typeof cookies === 'string' && (cookies.includes(`${SESSION_COOKIE}=`) || cookies.includes(`${LOGIN_COOKIE}=`))) return true;
  const policy = request.is404 ? undefined : request.routeOptions.config?.policy;
  return policy !== undefined && policy !== 'public';
}

/**
 * Strict CSP and hardening headers on every answer, and a cross-site request guard: a
 * state-changing request must come from our own origin (Sec-Fetch-Site / Origin). Every answer to
 * an authenticated request is `no-store` unless its route chose its own caching.
 */
export function registerSecurity(server: FastifyInstance): void {
  server.addHook('onSend', async (request, reply) => {
    if (!reply.hasHeader('cache-control') && isPersonal(request)) reply.header('cache-control', 'no-store');
  });
  server.addHook('onRequest', async (request, reply) => {
    reply.headers(SECURITY_HEADERS);
    if (SAFE_METHODS.has(request.method)) return;
    // On the API a foreign origin is simply forbidden; on the site it is a form that did not come from
    // here, which the CSRF check would refuse too, so it is refused as that check refuses it.
    const refused = (message: string) => new AppError(request.url.startsWith('/api/') ? 'forbidden' : 'csrf.invalid', { message });
    const site = request.headers['sec-fetch-site'];
    if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') {
      throw refused(`cross-site ${request.method} refused (Sec-Fetch-Site: ${site})`);
    }
    const origin = request.headers.origin;
    if (origin === 'null') throw refused('opaque origin refused');
    if (typeof origin === 'string') {
      let host: string | undefined;
      try {
        host = new URL(origin).host;
      } catch {
        host = undefined;
      }
      if (host !== request.headers.host) throw refused(`cross-origin ${request.method} refused (Origin: ${origin})`);
    }
  });
}
