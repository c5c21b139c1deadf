import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { routeTable } from '../../src/http/context.ts';
import { buildServer } from '../../src/http/server.ts';
import { asActor, type Principal, permissionsOf, ROLES, type Role } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { enrolUser, login, ManualClock } from '../support/identity.ts';

/**
 * Generated from the server's own route table: every route × every role (plus anonymous and an API
 * token) × own or another organisation. The expected answer comes from the route's declared policy
 * and the permission table, so a new route is covered the day it is added, and one without a policy
 * stops the server from building at all.
 */
type SignedIn = { label: string; kind: 'session' | 'token'; principal: Principal; secret: string };
type Caller = { label: string; kind: 'anonymous' } | SignedIn;

const OWN = 'org-own';
const OTHER = 'org-other';
const ANON_CSRF = 'a'.repeat(43);

function concretePath(url: string, org: string): string {
  return url
    .replace(/:org\b/g, org)
    .replace(/:(\w+)/g, (_, name: string) => (name === 'token' ? 'cte_none' : `x${name}`))
    .replace(/\*$/, '0/000');
}

function expectedAllowed(policy: unknown, caller: Caller, hasOrgParam: boolean, orgOfPath: string): boolean {
  if (policy === 'public' || policy === 'operations') return true;
  if (caller.kind === 'anonymous') return false;
  if (hasOrgParam && orgOfPath !== caller.principal.orgId) return false;
  if (policy === 'signed-in') return true;
  if (policy === 'person') return caller.kind === 'session';
  const { permission } = policy as { permission: Parameters<Principal['permissions']['has']>[0] };
  return caller.principal.permissions.has(permission);
}

describe('authorisation matrix (every route × role × organisation)', () => {
  let t: TestApp;
  let server: FastifyInstance;
  const clock = new ManualClock();
  const callers: Caller[] = [{ label: 'anonymous', kind: 'anonymous' }];

  before(async () => {
    t = await createTestApp({ clock, load: false });
    server = await buildServer(t.app, { logRequests: false });
    await enrolUser(t.app, clock, { email: 'someone@other.example', orgId: OTHER, roles: ['admin'] });
    for (const role of ROLES) {
      const user = await enrolUser(t.app, clock, { email: `${role}@own.example`, orgId: OWN, roles: [role as Role] });
      const secret = await login(t.app, clock, user);
      const principal = (await t.app.identity.sessions.authenticate(secret)) as Principal;
      callers.push({ label: `${role} (session)`, kind: 'session', principal, secret });
    }
    const admin = callers.find((c) => c.label === 'admin (session)') as SignedIn;
    const scopes = [...admin.principal.permissions];
    const { token } = await t.app.identity.tokens.create(admin.principal, { name: 'matrix', scopes });
    const principal = (await t.app.identity.tokens.authenticate(token)) as Principal;
    callers.push({ label: 'admin (API token)', kind: 'token', principal, secret: token });
    // The operator organisation's admin is the only one who may create organisations.
    await t.app.identity.directory.createOrganisation(asActor(admin.principal), { id: 'nope', name: 'Nope' }).then(
      () => assert.fail('an ordinary admin created an organisation'),
      () => undefined,
    );
  });
  after(async () => {
    await server.close();
    await t.cleanup();
  });

  it('covers every route, and the permission table gives each role what PRODUCT.md C4 says', () => {
    const routes = routeTable(server);
    assert.ok(routes.length > 40, `only ${routes.length} routes`);
    assert.ok(routes.some((r) => typeof r.policy === 'object'));
    // Auditors see the audit trail and the request statistics (counts and times), never a case's content.
    assert.deepEqual([...permissionsOf(['auditor'], false)], ['users.read', 'audit.read', 'cases.access.read', 'requests.statistics']);
    assert.equal(permissionsOf(['admin'], false).has('organisations.create'), false);
    assert.equal(permissionsOf(['admin'], true).has('organisations.create'), true);
  });

  it('allows exactly what each policy allows, and refuses the rest with 401, 403 or a redirect to sign in', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const route of routeTable(server)) {
      // Signing out would end the caller's session for the routes after it; it is tested on its own.
      if (route.method === 'HEAD' || route.url === '/logout') continue;
      const hasOrgParam = route.url.includes(':org');
      for (const org of hasOrgParam ? [OWN, OTHER] : [OWN]) {
        const url = concretePath(route.url, org);
        for (const caller of callers) {
          const headers: Record<string, string> = { 'content-type': 'application/json', host: 'localhost' };
          if (caller.kind === 'session') {
            headers.cookie = `__Host-custodia_session=${caller.secret}`;
            headers['x-csrf-token'] = caller.principal.csrfToken as string;
          } else if (caller.kind === 'token') headers.authorization = `Bearer ${caller.secret}`;
          else {
            headers.cookie = `__Host-custodia_csrf=${ANON_CSRF}`;
            headers['x-csrf-token'] = ANON_CSRF;
          }
          const res = await server.inject({ method: route.method as 'GET', url, headers, ...(route.method === 'GET' ? {} : { payload: '{}' }) });
          const denied =
            res.statusCode === 401 || res.statusCode === 403 || (res.statusCode === 303 && String(res.headers.location).startsWith('/login?next='));
          const allowed = expectedAllowed(route.policy, caller, hasOrgParam, org);
          checked++;
          // Allowed requests may still fail validation or find nothing (422, 404…), but never with an
          // authorisation refusal: a 403 for another reason (the witness protocol's own) is told apart by its code.
          // Public routes pass the policy whoever asks; their own refusals (a wrong password) are not authorisation.
          if (allowed && denied && route.policy !== 'public') {
            const code = String(res.headers['content-type']).includes('json') ? (res.json() as { code?: string }).code : `${res.statusCode} page`;
            if (code !== 'tlog.bad_request') failures.push(`${route.method} ${url} as ${caller.label}: expected allowed, got ${res.statusCode} ${code}`);
          }
          if (!allowed && !denied) failures.push(`${route.method} ${url} as ${caller.label}: expected denied, got ${res.statusCode}`);
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(checked > 400, `only ${checked} combinations`);
  });
});
