// Cooperation benchmark (issue #6): the deadline dashboard with 100,000 requests and 1 million
// ledger events, p50/p99 over repeated calls by a prosecutor on the access list of half the cases
// (the need-to-know filter is part of the query), printed beside a primary-key lookup of one
// request measured in the same run on the same database (the ratio is what travels between machines).
// BENCH_REQUESTS (100000), BENCH_LEDGER_EVENTS (1000000), BENCH_CASES (2000), BENCH_CALLS (300),
// BENCH_DIALECTS (sqlite,postgres when the local server answers) scale it.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/lib/log.ts';
import { asActor, type Principal } from '../src/modules/identity/index.ts';
import type { DialectName } from '../src/storage/db/dialect.ts';
import { createTestDatabase } from '../test/support/app.ts';
import { PG_ADMIN_URL } from '../test/support/dialects.ts';
import { enrolUser, login, ManualClock } from '../test/support/identity.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100_000);
const EVENTS = Number(process.env.BENCH_LEDGER_EVENTS ?? 1_000_000);
const CASES = Number(process.env.BENCH_CASES ?? 2_000);
const CALLS = Number(process.env.BENCH_CALLS ?? 300);
const DAY = 86_400_000;

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
const round = (x: number) => Math.round(x * 100) / 100;

async function pgAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

async function run(dialect: DialectName) {
  const database = await createTestDatabase(dialect);
  const clock = new ManualClock(new Date().toISOString());
  const config = loadConfig({ ...database.overrides, logLevel: 'silent' }, {});
  const app = await createApp(config, { log: createLogger('silent'), clock });
  try {
    await app.knowledge.ensureLoaded(config.kbDir, 'bench');
    const user = await enrolUser(app, clock, { email: 'fiscal@bench.example', orgId: 'fiscalia', roles: ['officer'] });
    const actor = asActor((await app.identity.sessions.authenticate(await login(app, clock, user))) as Principal);
    const db = app.db.kysely;

    // 1 million ledger events, appended as the services do (group commit).
    const t0 = performance.now();
    const batch = 1024;
    for (let done = 0; done < EVENTS; done += batch * 8) {
      await Promise.all(
        Array.from({ length: 8 }, (_, w) =>
          app.ledger.append(
            Array.from({ length: Math.min(batch, Math.max(0, EVENTS - done - w * batch)) }, (_, i) => ({
              type: 'cooperation.request.sent',
              subjects: [`request:${done + w * batch + i}`],
              actor: 'user:bench',
              data: { n: done + w * batch + i },
            })),
          ),
        ),
      );
    }
    const ledgerSeconds = (performance.now() - t0) / 1000;

    // 100,000 requests over the cases, each with its deadlines, due from 120 days ago to 120 days ahead.
    const now = clock.now().getTime();
    const at = clock.now().toISOString();
    const cases = Array.from({ length: CASES }, (_, i) => ({
      id: randomUUID(),
      reference: `BENCH-${i}`,
      org_id: 'fiscalia',
      title: '',
      created_at: at,
      created_by: 'user:bench',
    }));
    for (let i = 0; i < cases.length; i += 500)
      await db
        .insertInto('cases')
        .values(cases.slice(i, i + 500))
        .execute();
    const access = cases
      .filter((_, i) => i % 2 === 0)
      .map((c) => ({
        id: randomUUID(),
        case_id: c.id,
        org_id: 'fiscalia',
        user_id: user.userId,
        reason: 'bench',
        granted_by: 'user:bench',
        granted_at: at,
        revoked_at: null,
        revoked_by: null,
      }));
    for (let i = 0; i < access.length; i += 500)
      await db
        .insertInto('case_access')
        .values(access.slice(i, i + 500))
        .execute();
    const t1 = performance.now();
    const ids: string[] = [];
    for (let start = 0; start < REQUESTS; start += 400) {
      const requests = [];
      const deadlines = [];
      for (let n = start; n < Math.min(REQUESTS, start + 400); n++) {
        const id = randomUUID();
        ids.push(id);
        const c = cases[n % CASES] as (typeof cases)[number];
        requests.push({
          id,
          org_id: 'fiscalia',
          case_id: c.id,
          reference: `SOL-B-${String(n).padStart(6, '0')}`,
          direction: n % 3 === 0 ? 'incoming' : 'outgoing',
          measure: n % 2 === 0 ? 'preservation' : 'mutual-legal-assistance',
          instrument: 'ETS185',
          requesting_state: 'PE',
          requested_state: 'ES',
          requesting_authority: null,
          requested_authority: null,
          basis: null,
          kb_version: null,
          content: '{}',
          urgency: 'normal',
          confidential: 0,
          no_notification: 0,
          languages: '["es"]',
          due_at: null,
          state: n % 5 === 0 ? 'closed' : 'executed',
          version: 1,
          parent_id: null,
          link_kind: null,
          drafted_by: 'user:bench',
          created_at: at,
          updated_at: at,
          sent_at: at,
          answered_at: null,
          closed_at: null,
        });
        const due = new Date(now + ((n * 7919) % (240 * 24)) * 3_600_000 - 120 * DAY).toISOString();
        deadlines.push({
          id: `${id}:minimum-preservation`,
          request_id: id,
          org_id: 'fiscalia',
          case_id: c.id,
          rule: 'minimum-preservation',
          kind: 'minimum',
          source: 'instrument',
          article: '29(7)',
          label: JSON.stringify({ es: 'Conservación', en: 'Preservation' }),
          due_at: due,
          estimated: 0,
          status: n % 5 === 0 ? 'met' : 'running',
        });
      }
      await db.insertInto('coop_requests').values(requests).execute();
      await db.insertInto('coop_deadlines').values(deadlines).execute();
    }
    const loadSeconds = (performance.now() - t1) / 1000;
    // Statistics as autovacuum would leave them after a bulk load.
    if (dialect === 'postgres') await sql`ANALYZE`.execute(db);

    const dashboard: number[] = [];
    const lookup: number[] = [];
    let shown = 0;
    for (let i = 0; i < CALLS; i++) {
      const a = performance.now();
      const board = await app.cooperation.dashboard.due(actor, 'fiscalia');
      dashboard.push(performance.now() - a);
      shown = board.overdue.length + board.day.length + board.week.length;
      const b = performance.now();
      await db
        .selectFrom('coop_requests')
        .selectAll()
        .where('id', '=', ids[(i * 7919) % ids.length] as string)
        .executeTakeFirst();
      lookup.push(performance.now() - b);
    }
    return {
      dialect,
      requests: REQUESTS,
      ledgerEvents: await app.ledger.size(),
      ledgerAppendSeconds: round(ledgerSeconds),
      requestLoadSeconds: round(loadSeconds),
      dashboardRows: shown,
      dashboardP50Ms: round(percentile(dashboard, 50)),
      dashboardP99Ms: round(percentile(dashboard, 99)),
      pkLookupP50Ms: round(percentile(lookup, 50)),
      dashboardP99OverLookupP50: round(percentile(dashboard, 99) / percentile(lookup, 50)),
      targetP99Ms: 200,
    };
  } finally {
    await app.close();
    await database.drop();
  }
}

const dialects = (process.env.BENCH_DIALECTS ?? `sqlite${(await pgAvailable()) ? ',postgres' : ''}`).split(',') as DialectName[];
for (const dialect of dialects) process.stdout.write(`${JSON.stringify(await run(dialect))}\n`);
