import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Locale, negotiateLocale } from '../i18n/index.ts';
import type { Permission, Principal } from '../modules/identity/index.ts';

/**
 * Who may call a route. Every route must declare one (deny by default):
 * - `public`: anyone, signed in or not (the knowledge base, the log's checkpoints and tiles);
 * - `operations`: health and readiness probes;
 * - `person`: a person signed in with a browser session (their own account; never an API token);
 * - `signed-in`: any authenticated principal, session or token;
 * - `{ permission }`: a principal holding that permission in the organisation it acts in.
 */
export type RoutePolicy = 'public' | 'operations' | 'person' | 'signed-in' | { permission: Permission };

declare module 'fastify' {
  interface FastifyContextConfig {
    policy?: RoutePolicy;
    /** False only for machine endpoints that take no cookies (the witness protocol). */
    csrf?: boolean;
  }
  interface FastifyRequest {
    locale: Locale;
    principal: Principal | undefined;
  }
}

/** The principal of a request whose route policy required one. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`route ${request.routeOptions.url} used principalOf without an authenticated policy`);
  return request.principal;
}

export function requestLocale(request: FastifyRequest): Locale {
  const query = request.query as Record<string, unknown> | undefined;
  const explicit = typeof query?.lang === 'string' ? query.lang : request.cookies?.lang;
  return negotiateLocale(explicit, request.headers['accept-language']);
}

export interface RouteEntry {
  method: string;
  url: string;
  policy: RoutePolicy;
}

const ROUTE_TABLES = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Every route the server registered with its policy: the authorisation matrix test is generated from it. */
export function routeTable(server: FastifyInstance): readonly RouteEntry[] {
  return ROUTE_TABLES.get(server) ?? [];
}

/** Deny by default: a route that declares no policy cannot be registered, so the server will not start. */
export function enforceRoutePolicies(server: FastifyInstance): void {
  const table: RouteEntry[] = [];
  ROUTE_TABLES.set(server, table);
  server.addHook('onRoute', (route) => {
    const policy = route.config?.policy;
    if (!policy) throw new Error(`route ${route.method} ${route.url} declares no policy`);
    for (const method of [route.method].flat()) table.push({ method, url: route.url, policy });
  });
}
