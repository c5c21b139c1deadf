import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../html.ts';
import { ANON_CSRF_COOKIE, setCookie } from './cookies.ts';

/**
 * The CSRF token a form must send back: the session's own (synchronizer token), or before sign-in
 * a random value also set as a cookie (double submit), since there is no session to hold it.
 */
export function csrfToken(request: FastifyRequest, reply: FastifyReply): string {
  if (request.principal?.csrfToken) return request.principal.csrfToken;
  // A request refused before its cookies were read (the cross-site guard) has no cookie jar.
  let token = request.cookies?.[ANON_CSRF_COOKIE];
  if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) {
    token = randomBytes(32).toString('base64url');
    setCookie(reply, ANON_CSRF_COOKIE, token);
    if (request.cookies) request.cookies[ANON_CSRF_COOKIE] = token;
  }
  return token;
}

export function csrfField(request: FastifyRequest, reply: FastifyReply): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${csrfToken(request, reply)}">`;
}
