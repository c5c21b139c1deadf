// Issue 15: every operation of the served OpenAPI document, probed as an attacker would — malformed
// paths, queries and bodies — signed out, with an API token of someone holding every role, and with
// that person's browser session. Whatever is sent, the node never answers 5xx, and every refusal is
// an RFC 9457 problem (application/problem+json) whose code is in the registry. Deterministic: the
// cases come from a seeded PRNG, so a failure names a request that can be sent again. A request that
// gets no answer at all (a handler waiting on a stream that will never end) fails too.
//
// The pages for people (everything outside /api/ and the probes) answer a refused form with the form
// again, its problems listed in the error summary: that is an answer for a person, and is accepted
// as one. Everything else they refuse goes through the error handler as problem details.
// No operation is left out: the ledger routes pass as they are.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { isErrorCode } from '../../src/lib/error-codes.ts';
import { prng } from '../../src/lib/tlog/testing-prng.ts';
import { asActor, type Principal, ROLES, systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { preservationToSpain } from '../support/cooperation.ts';
import { type EnrolledUser, enrolUser, login, ManualClock } from '../support/identity.ts';

const SEED = 0x15_f022;
const OWN = 'fuzz-org';
const CASE = 'FUZZ/2026:1';
const BODY_LIMIT = 1024 * 1024;
const FORM_LIMIT = 64 * 1024;
const ANON_CSRF = 'a'.repeat(43);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: Json[];
  const?: Json;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minItems?: number;
  minLength?: number;
  minimum?: number;
  format?: string;
}
interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema?: JsonSchema;
}
interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body: JsonSchema | undefined;
}
interface Case {
  label: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  payload?: string | Buffer;
}

type Rng = ReturnType<typeof prng>;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)] as T;

/** Path segments an attacker tries: bad %-encodings, invalid UTF-8, traversal, numbers out of range, NUL, long. */
const PATH_ATTACKS = [
  '%E0%A4%A',
  '%',
  '%FF%FE',
  '%C0%AF',
  '%ED%A0%80',
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  '-1',
  '1.5',
  '1e400',
  '99999999999999999999999999',
  'NaN',
  'x'.repeat(100),
  'x'.repeat(101),
  '%20',
  "'%20OR%201=1--",
] as const;

/** Query values: the same, plus lengths, duplicates and bracket notation (built per parameter). */
const QUERY_ATTACKS = [
  '%FF',
  '%',
  '%E0%A4%A',
  '%00',
  '-1',
  '1.5',
  '-0',
  '1e400',
  '99999999999999999999999999',
  'Infinity',
  '',
  'x'.repeat(10_000),
  '2026-02-30',
  '0000-00-00T99:99',
] as const;

/** Real values for the query parameters that must name something (an instrument, two States, a date). */
const QUERY_VALUES: Record<string, string> = {
  instrument: 'ETS185',
  a: 'PE',
  b: 'ES',
  state: 'PE',
  requesting: 'PE',
  requested: 'ES',
  requestingState: 'PE',
  requestedState: 'ES',
  measure: 'preservation',
  type: 'preservation',
  conducts: 'computer-fraud',
  on: '2026-01-01',
  case: CASE,
  kind: 'instrument',
  key: 'ETS185',
  subject: 'case:x',
  index: '0',
};

const WRONG_TYPES = ['text/plain', 'application/xml', 'application/json; charset=ebcdic', 'application/json-patch+json', 'image/png', ';;;'] as const;

const b64 = (text: string) => Buffer.from(text).toString('base64');
/** The headers of a well-formed tus request, by method (POST /uploads/{id} stands for PATCH). */
const TUS_HEADERS: Record<string, Record<string, string>> = {
  POST: {
    'upload-length': '16',
    'upload-metadata': `case ${b64(CASE)},exhibit ${b64('F-3')},filename ${b64('c.bin')},acquiredBy ${b64('Perito')},acquiredAt ${b64('2026-11-20T09:15:00-05:00')}`,
    'content-type': 'application/offset+octet-stream',
    'upload-offset': '0',
    'x-http-method-override': 'PATCH',
  },
  PATCH: { 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' },
};

/** tus headers out of range or malformed (the upload routes read their input from headers). */
const TUS_HEADER_ATTACKS: Record<string, readonly string[]> = {
  'upload-length': ['-1', '1.5', '1e400', '99999999999999999999', ' ', 'x'],
  'upload-offset': ['-1', '1.5', '99999999999999999999', ''],
  'upload-metadata': ['case', 'case //79', 'case ====,case x', 'a b c d', `case ${'QUFB'.repeat(20_000)}`, ','],
  'upload-checksum': ['sha256', 'md4 AAAA', 'sha1 !!!', `sha256 ${'A'.repeat(10_000)}`],
  'x-http-method-override': ['GET', 'PATCH, DELETE', 'DELETE\tPATCH'],
  'upload-defer-length': ['1'],
  'content-type': ['application/offset+octet-stream; x=%FF', 'text/plain'],
};

/** Answers for programs: the API, the probes. Everything else is a page for people. */
const isProgramInterface = (path: string) => path.startsWith('/api/') || path === '/health' || path === '/ready';

const ANSWER_WITHIN_MS = 5000;

/** The answer, or undefined when none came in time (a handler waiting for a stream that never ends). */
async function answerOf<T>(pending: Promise<T>): Promise<T | undefined> {
  const done = new AbortController();
  const late = sleep(ANSWER_WITHIN_MS, undefined, { signal: done.signal }).catch(() => undefined);
  try {
    return await Promise.race([pending, late]);
  } finally {
    done.abort();
  }
}

function operationsOf(doc: {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: JsonSchema }> } }>>;
}) {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const content = op.requestBody?.content;
      const body = content ? (content['application/json'] ?? Object.values(content)[0])?.schema : undefined;
      ops.push({ method: method.toUpperCase(), path, parameters: op.parameters ?? [], body });
    }
  }
  return ops;
}

describe('fuzzing every OpenAPI operation', () => {
  const clock = new ManualClock();
  let t: TestApp;
  let server: FastifyInstance;
  let doc: { paths: Record<string, never>; components?: { schemas?: Record<string, JsonSchema> } };
  let user: EnrolledUser;
  let token: string;
  let session: { secret: string; csrf: string };
  const real: Record<string, string> = {};

  const resolve = (schema: JsonSchema | undefined): JsonSchema => {
    if (!schema) return {};
    if (schema.$ref) return resolve(doc.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')]);
    if (schema.allOf) return Object.assign({}, ...schema.allOf.map(resolve));
    return schema;
  };
  const typeOf = (schema: JsonSchema): string | undefined => {
    const s = resolve(schema);
    if (s.anyOf ?? s.oneOf) return typeOf((s.anyOf ?? s.oneOf)?.[0] as JsonSchema);
    return Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  };
  /** A value of the right shape for the schema: the base the mutations start from. */
  const skeleton = (schema: JsonSchema, depth = 0): Json => {
    const s = resolve(schema);
    if (s.const !== undefined) return s.const;
    if (s.enum) return s.enum[0] ?? null;
    if (s.anyOf ?? s.oneOf) return skeleton((s.anyOf ?? s.oneOf)?.[0] as JsonSchema, depth);
    switch (typeOf(s)) {
      case 'object':
        return depth > 4 ? {} : Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, skeleton(v, depth + 1)]));
      case 'array':
        return s.minItems && s.items ? [skeleton(s.items, depth + 1)] : [];
      case 'integer':
      case 'number':
        return s.minimum ?? 1;
      case 'boolean':
        return true;
      default:
        return s.format === 'date' ? '2026-11-24' : s.format === 'date-time' ? '2026-11-24T15:00:00Z' : 'x'.repeat(Math.max(1, s.minLength ?? 1));
    }
  };
  /** A value of another JSON type than the schema's. */
  const wrongType = (schema: JsonSchema, rng: Rng): Json => {
    switch (typeOf(schema)) {
      case 'object':
        return pick(rng, [[], 'x', 0, true]);
      case 'array':
        return pick(rng, [{ 0: 'x' }, 'x', 1]);
      case 'integer':
      case 'number':
        return pick(rng, ['1', 1e308, -1, 1.5, 2 ** 53 + 2, [], {}]);
      case 'boolean':
        return pick(rng, ['true', 1, null]);
      default:
        return pick(rng, [12345, [], { x: 'y' }, false, '\u0000', '\ud800']);
    }
  };

  /** Values that exist, so that bodies and queries reach the handlers behind the lookups. */
  const realPath = (op: Operation): string =>
    op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      if (name === 'ref')
        return encodeURIComponent(op.path.startsWith('/requests/') || op.path.startsWith('/api/v1/requests/') ? (real.request as string) : CASE);
      if (name === 'id' && op.path.includes('/evidence/')) return real.item as string;
      if (name === 'id' && op.path.includes('/uploads/')) return real.upload as string;
      if (name === 'id' && (op.path.includes('/instruments/') || op.path.includes('/treaties/'))) return 'ETS185';
      return real[name] ?? 'x1';
    });
  const realQuery = (param: Parameter): string => QUERY_VALUES[param.name] ?? String(skeleton(param.schema ?? {}));
  const query = (params: Parameter[], replace: Record<string, string> = {}): string =>
    params
      .filter((p) => p.required || p.name in QUERY_VALUES || p.name in replace)
      .map((p) => `${p.name}=${p.name in replace ? replace[p.name] : encodeURIComponent(realQuery(p))}`)
      .join('&');

  function casesOf(op: Operation, rng: Rng): Case[] {
    const cases: Case[] = [];
    const base = realPath(op);
    const params = op.parameters.filter((p) => p.in === 'query');
    const documented = `${base}?${query(params)}`;
    const hasBody = op.method === 'POST' || op.method === 'PUT' || op.method === 'PATCH';
    const add = (label: string, c: Omit<Case, 'label' | 'method'>) => cases.push({ label, method: op.method, ...c });
    const shape = op.body ? skeleton(op.body) : {};
    const text = JSON.stringify(shape);
    if (op.path.startsWith('/api/v1/uploads'))
      add('as documented', {
        url: documented,
        headers: TUS_HEADERS[op.method] ?? {},
        ...(op.method === 'GET' || op.method === 'OPTIONS' ? {} : { payload: 'abcd' }),
      });
    else add('as documented', { url: documented, ...(hasBody && op.body ? { headers: { 'content-type': 'application/json' }, payload: text } : {}) });
    // Path parameters: each replaced by attacks drawn from the list.
    for (const param of op.parameters.filter((p) => p.in === 'path')) {
      for (const attack of [pick(rng, PATH_ATTACKS), pick(rng, PATH_ATTACKS), pick(rng, PATH_ATTACKS)]) {
        const url = op.path.replace(/\{(\w+)\}/g, (whole, name: string) => (name === param.name ? attack : realPath({ ...op, path: whole })));
        add(`path ${param.name}=${attack.slice(0, 24)}`, { url: `${url}?${query(params)}` });
      }
    }
    // Query parameters: attacks, duplicates, brackets, and parameters nobody declared.
    for (const param of params) {
      const attack = pick(rng, QUERY_ATTACKS);
      add(`query ${param.name}=${attack.slice(0, 24)}`, { url: `${base}?${query(params, { [param.name]: attack })}` });
      const value = encodeURIComponent(realQuery(param));
      add(`query ${param.name} twice`, { url: `${base}?${query(params, { [param.name]: `${value}&${param.name}=${value}` })}` });
      add(`query ${param.name}[]`, { url: `${base}?${query(params, { [param.name]: `${value}&${param.name}[]=a&${param.name}[x]=b` })}` });
    }
    add('undeclared query', { url: `${documented}&%FF=%FF&lang=%FF&__proto__[x]=1&constructor[prototype][x]=1` });
    if (op.path.startsWith('/api/v1/uploads')) {
      for (const [name, values] of Object.entries(TUS_HEADER_ATTACKS)) {
        add(`header ${name}`, { url: base, headers: { ...TUS_HEADERS[op.method], [name]: pick(rng, values) }, payload: 'abcd' });
      }
      add('no Tus-Resumable', { url: base, headers: { 'tus-resumable': '' } });
    }
    if (!hasBody) return cases;
    const json = { 'content-type': 'application/json' };
    add('truncated JSON', { url: documented, headers: json, payload: text.slice(0, Math.max(1, rng.int(text.length))) });
    add('empty JSON body', { url: documented, headers: json, payload: '' });
    add('array for object', { url: documented, headers: json, payload: `[${text}]` });
    add('JSON null', { url: documented, headers: json, payload: 'null' });
    add('JSON scalar', { url: documented, headers: json, payload: pick(rng, ['1', '"x"', 'true', '1e400', '-0']) });
    add('invalid UTF-8', { url: documented, headers: json, payload: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0x22, 0x7d]) });
    add('prototype pollution', { url: documented, headers: json, payload: `{"__proto__":{"admin":true},${text.slice(1)}` });
    add('deep nesting', { url: documented, headers: json, payload: `${'['.repeat(5000)}${']'.repeat(5000)}` });
    add('oversized body', { url: documented, headers: json, payload: `"${'x'.repeat(BODY_LIMIT - 1)}"` });
    add('wrong content-type', { url: documented, headers: { 'content-type': pick(rng, WRONG_TYPES) }, payload: text });
    add('form', { url: documented, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=1&a=2&b[c]=3&%FF=%FF&_csrf=%00' });
    add('form, invalid UTF-8', {
      url: documented,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: Buffer.from([0x61, 0x3d, 0xff, 0xfe, 0x26, 0x62, 0x3d, 0xc0]),
    });
    add('form, huge field', { url: documented, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `code=${'9'.repeat(60_000)}` });
    add('form over its limit', { url: documented, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `a=${'x'.repeat(FORM_LIMIT)}` });
    add('multipart without boundary', { url: documented, headers: { 'content-type': 'multipart/form-data' }, payload: 'x' });
    add('multipart garbage', {
      url: documented,
      headers: { 'content-type': 'multipart/form-data; boundary=zz' },
      payload: '--zz\r\nContent-Disposition: form-data; name="file"; filename="\u0000"\r\n\r\nabc',
    });
    const properties = Object.entries(resolve(op.body).properties ?? {});
    if (properties.length > 0 && shape && typeof shape === 'object' && !Array.isArray(shape)) {
      const wrong = { ...shape };
      for (const [name, schema] of properties) wrong[name] = wrongType(schema, rng);
      add('every field of a wrong type', { url: documented, headers: json, payload: JSON.stringify(wrong) });
      const [one, schema] = pick(rng, properties);
      add(`field ${one} of a wrong type`, { url: documented, headers: json, payload: JSON.stringify({ ...shape, [one]: wrongType(schema, rng) }) });
      const huge = { ...shape };
      for (const [name, schema] of properties) {
        const type = typeOf(schema);
        huge[name] = type === 'string' || type === undefined ? 'x'.repeat(100_000) : type === 'integer' || type === 'number' ? 1e308 : (huge[name] ?? null);
      }
      add('huge values', { url: documented, headers: json, payload: JSON.stringify(huge).replaceAll('1e+308', '1e400') });
      add('extra fields', { url: documented, headers: json, payload: JSON.stringify({ ...shape, extra: 'x', constructor: { prototype: { x: 1 } } }) });
    }
    return cases;
  }

  before(async () => {
    // Thousands of requests in one frozen minute: the rate limit (tested in access-flood.test.ts) is off here.
    t = await createTestApp({ clock, config: { rateLimitPerCredential: 0, rateLimitPerSource: 0 } });
    server = await buildServer(t.app, { logRequests: false });
    doc = (await server.inject({ url: '/api/openapi.json' })).json();
    user = await enrolUser(t.app, clock, { email: 'todo@fuzz.example', orgId: OWN, roles: [...ROLES] });
    const other = await enrolUser(t.app, clock, { email: 'otro@fuzz.example', orgId: OWN, roles: ['officer'] });
    const secret = await login(t.app, clock, user);
    const principal = (await t.app.identity.sessions.authenticate(secret)) as Principal;
    session = { secret, csrf: principal.csrfToken as string };
    token = (await t.app.identity.tokens.create(principal, { name: 'fuzz', scopes: [...principal.permissions], expiresInDays: 30 })).token;
    const created = await t.app.cases.create(systemActor('test'), { reference: CASE, orgId: OWN, members: [user.userId] });
    const request = await t.app.cooperation.create(asActor(principal), OWN, preservationToSpain(CASE));
    const item = await t.app.evidence.add(
      asActor(principal),
      OWN,
      { caseReference: CASE, exhibit: 'F-1', fileName: 'a.bin', acquisition: { by: 'Perito', at: '2026-11-20T09:15:00-05:00' } },
      Readable.from([Buffer.from('evidence')]),
    );
    const upload = await server.inject({
      method: 'POST',
      url: '/api/v1/uploads',
      headers: {
        authorization: `Bearer ${token}`,
        'tus-resumable': '1.0.0',
        'upload-length': '16',
        'upload-metadata': `case ${b64(CASE)},exhibit ${b64('F-2')},filename ${b64('b.bin')},acquiredBy ${b64('Perito')},acquiredAt ${b64('2026-11-20T09:15:00-05:00')}`,
      },
    });
    assert.equal(upload.statusCode, 201, upload.body);
    Object.assign(real, {
      org: OWN,
      userId: other.userId,
      caseId: created.id,
      request: request.reference,
      item: item.id,
      upload: String(upload.headers.location).split('/').pop(),
      code: 'PE',
      index: '0',
    });
  });
  after(async () => {
    await server?.close();
    await t?.cleanup();
  });

  it('never answers 5xx, and refuses only with registered RFC 9457 problems', async () => {
    const ops = operationsOf(doc as never);
    assert.ok(ops.length > 100, `only ${ops.length} operations`);
    const rng = prng(SEED);
    const failures: string[] = [];
    let sent = 0;
    // Operations some request reached and got through (2xx) with the API token: the probes get past the lookups.
    const reached = new Set<string>();
    for (const op of ops) {
      const cases = casesOf(op, rng);
      for (const caller of ['anonymous', 'token', 'session'] as const) {
        for (const c of cases) {
          // A case may sign the session out (POST /logout as documented): sign in again.
          if (caller === 'session' && !(await t.app.identity.sessions.authenticate(session.secret))) {
            const secret = await login(t.app, clock, user);
            session = { secret, csrf: ((await t.app.identity.sessions.authenticate(secret)) as Principal).csrfToken as string };
          }
          const headers: Record<string, string> = { host: 'localhost', accept: 'application/json', ...c.headers };
          if (op.path.startsWith('/api/v1/uploads') && !('tus-resumable' in headers)) headers['tus-resumable'] = '1.0.0';
          if (caller === 'token') headers.authorization = `Bearer ${token}`;
          else if (caller === 'session') {
            headers.cookie = `__Host-custodia_session=${session.secret}`;
            headers['x-csrf-token'] = session.csrf;
          } else {
            headers.cookie = `__Host-custodia_csrf=${ANON_CSRF}`;
            headers['x-csrf-token'] = ANON_CSRF;
          }
          const res = await answerOf(
            server.inject({ method: c.method as InjectOptions['method'], url: c.url, headers, ...(c.payload === undefined ? {} : { payload: c.payload }) }),
          );
          const where = `${op.method} ${op.path} [${c.label}] as ${caller}`;
          if (!res) {
            failures.push(`${where}: no answer within ${ANSWER_WITHIN_MS} ms`);
            continue;
          }
          sent++;
          if (res.statusCode < 300 && caller === 'token') reached.add(`${op.method} ${op.path}`);
          if (res.statusCode >= 500) {
            failures.push(`${where}: ${res.statusCode} ${res.body.slice(0, 200)}`);
            continue;
          }
          if (res.statusCode < 400) continue;
          const type = String(res.headers['content-type'] ?? '');
          // The pages for people answer a refused form with the form again, its problems listed at the top.
          if (!isProgramInterface(op.path) && type.startsWith('text/html') && /<div class="error-summary"[^>]* role="alert"/.test(res.body)) continue;
          if (!type.startsWith('application/problem+json')) {
            failures.push(`${where}: ${res.statusCode} answered ${type}: ${res.body.slice(0, 120)}`);
            continue;
          }
          const problem = res.json() as { code?: unknown; status?: unknown; type?: unknown; title?: unknown; instance?: unknown };
          if (
            !isErrorCode(problem.code) ||
            problem.status !== res.statusCode ||
            problem.type !== `urn:custodia:problem:${problem.code}` ||
            typeof problem.title !== 'string' ||
            problem.title === '' ||
            !String(problem.instance).startsWith('urn:custodia:request:')
          ) {
            failures.push(`${where}: ${res.statusCode} problem ${JSON.stringify(problem).slice(0, 200)}`);
          }
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(sent > 4000, `only ${sent} requests`);
    assert.ok(reached.size > 60, `only ${reached.size} operations answered 2xx to the token: ${[...reached].join(', ')}`);
  });
});
