import type { FastifyReply } from 'fastify';

/**
 * `__Host-` cookies: Secure, Path=/, no Domain, so no subdomain or plain-HTTP page can set or
 * read them (browsers treat http://localhost as secure for this).
 */
export const SESSION_COOKIE = '__Host-custodia_session';
/** The password step's challenge, waiting for the second factor. */
export const LOGIN_COOKIE = '__Host-custodia_login';
/** CSRF token for forms shown before anyone is signed in (double-submit). */
export const ANON_CSRF_COOKIE = '__Host-custodia_csrf';

const BASE = { path: '/', secure: true, httpOnly: true, sameSite: 'lax' as const };

export function setCookie(reply: FastifyReply, name: string, value: string, maxAgeSeconds?: number): void {
  reply.setCookie(name, value, { ...BASE, ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}) });
}

export function clearCookie(reply: FastifyReply, name: string): void {
  reply.clearCookie(name, BASE);
}
