import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Locale, negotiateLocale } from '../i18n/index.ts';

/** Who may call a route. Every route must declare one; issue #4 adds authenticated policies. */
export type RoutePolicy = 'public' | 'operations';

declare module 'fastify' {
  interface FastifyContextConfig {
    policy?: RoutePolicy;
  }
  interface FastifyRequest {
    locale: Locale;
  }
}

export function requestLocale(request: FastifyRequest): Locale {
  const query = request.query as Record<string, unknown> | undefined;
  const explicit = typeof query?.lang === 'string' ? query.lang : request.cookies?.lang;
  return negotiateLocale(explicit, request.headers['accept-language']);
}

/** Deny by default: a route that declares no policy cannot be registered, so the server will not start. */
export function enforceRoutePolicies(server: FastifyInstance): void {
  server.addHook('onRoute', (route) => {
    if (!route.config?.policy) throw new Error(`route ${route.method} ${route.url} declares no policy`);
  });
}
