// Custody ledger benchmarks, each printed beside the machine's raw SHA-256 rate measured in this run:
//  1. durable appends/s with 2048 concurrent callers appending one entry at a time (group commit),
//     on SQLite and on PostgreSQL
//     (PostgreSQL when CUSTODIA_TEST_PG_URL or the local trust-auth server answers);
//  2. p50/p99 time from calling append to the first signed checkpoint that includes the entry;
//  3. inclusion proofs from tiles at 10 million entries (cold and warm tile cache);
//  4. a full audit of a 1-million-entry log.
// BENCH_APPENDS (default 200000), BENCH_AUDIT_ENTRIES (1000000), BENCH_PROOF_SIZE (10000000) scale it.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/lib/log.ts';
import { inclusionProof } from '../src/lib/tlog/merkle.ts';
import { TILE_WIDTH } from '../src/lib/tlog/tiles.ts';
import { extendTiles, TileStore, tileHashSource } from '../src/modules/ledger/tiles.ts';
import type { DialectName } from '../src/storage/db/dialect.ts';
import { createTestDatabase } from '../test/support/app.ts';
import { PG_ADMIN_URL } from '../test/support/dialects.ts';

const APPENDS = Number(process.env.BENCH_APPENDS ?? 200_000);
const AUDIT_ENTRIES = Number(process.env.BENCH_AUDIT_ENTRIES ?? 1_000_000);
const PROOF_SIZE = Number(process.env.BENCH_PROOF_SIZE ?? 10_000_000);
const CALLERS = Number(process.env.BENCH_CALLERS ?? 2048);
/** Which parts to run (comma-separated): appends, postgres, proofs, audit. */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'appends,postgres,proofs,audit').split(','));

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;

/** Raw single-core SHA-256 rate over ledger-entry-sized inputs (250 bytes), hashes per second. */
function sha256Rate(): number {
  const input = Buffer.alloc(250, 7);
  const n = 300_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) createHash('sha256').update(input).digest();
  return n / ((performance.now() - t0) / 1000);
}

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

async function withLedger<T>(dialect: DialectName, run: (app: Awaited<ReturnType<typeof createApp>>) => Promise<T>): Promise<T> {
  const database = await createTestDatabase(dialect);
  const app = await createApp(loadConfig({ ...database.overrides, logLevel: 'silent' }, {}), { log: createLogger('silent') });
  try {
    return await run(app);
  } finally {
    await app.close();
    await database.drop();
  }
}

const entry = (caller: number, n: number) => ({
  type: 'evidence.accessed',
  subjects: [`case:2026-${caller}`, `exhibit:${caller}-${n}`],
  actor: `officer-${caller}@example.pe`,
  hashes: { content: `sha256:${'ab'.repeat(32)}` },
  data: { reason: 'analysis', n },
});

/** Appends and integration latency: every caller appends one entry at a time, as services do. */
async function appendBench(dialect: DialectName, total: number) {
  return withLedger(dialect, async (app) => {
    const perCaller = Math.ceil(total / CALLERS);
    const base = await app.ledger.size();
    // When each index was asked for, and how long until a signed checkpoint covered it.
    const calledAt = new Float64Array(base + perCaller * CALLERS + 1);
    const acknowledged = new Uint8Array(calledAt.length);
    const integrated: number[] = [];
    let covered = base;
    app.ledger.events.on('checkpoint', (cp: { size: number }) => {
      const now = performance.now();
      for (let i = covered; i < cp.size; i++) if (acknowledged[i]) integrated.push(now - (calledAt[i] as number));
      covered = Math.max(covered, cp.size);
    });
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CALLERS }, async (_, caller) => {
        for (let n = 0; n < perCaller; n++) {
          const at = performance.now();
          const [appended] = await app.ledger.append([entry(caller, n)]);
          const index = appended?.index as number;
          calledAt[index] = at;
          acknowledged[index] = 1;
          // Acknowledged after the checkpoint that covers it was signed: integrated on acknowledgement.
          if (index < covered) integrated.push(performance.now() - at);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const appended = perCaller * CALLERS;
    await app.ledger.publish();
    return {
      dialect,
      callers: CALLERS,
      appends: appended,
      appendsPerSecond: Math.round(appended / seconds),
      integrated: integrated.length,
      integrationP50Ms: Math.round(percentile(integrated, 50)),
      integrationP99Ms: Math.round(percentile(integrated, 99)),
    };
  });
}

/** Builds the tiles of a log of `size` synthetic leaves directly (no entries), then times proofs from them. */
async function proofBench(size: number) {
  return withLedger('sqlite', async (app) => {
    const db = app.db.kysely;
    const tiles = new TileStore();
    const t0 = performance.now();
    const chunk = TILE_WIDTH * 256;
    for (let start = 0; start < size; start += chunk) {
      const count = Math.min(chunk, size - start);
      const leaves = Array.from({ length: count }, (_, i) =>
        createHash('sha256')
          .update(`leaf ${start + i}`)
          .digest(),
      );
      await db.transaction().execute((trx) => extendTiles(trx, tiles, start, leaves));
    }
    const buildSeconds = (performance.now() - t0) / 1000;
    const measure = async (store: TileStore, n: number) => {
      // n different positions spread over the whole log.
      const source = tileHashSource(db, store);
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const index = Math.floor(((i * 7919) % n) * (size / n));
        const s = performance.now();
        await inclusionProof(source, index, size);
        times.push(performance.now() - s);
      }
      return times;
    };
    // Cold: a new cache, each proof about a different region of the log. Warm: the same proofs again.
    const coldStore = new TileStore();
    const cold = await measure(coldStore, 500);
    const warm = await measure(coldStore, 500);
    const proof = await inclusionProof(tileHashSource(db, coldStore), 1234567 % size, size);
    return {
      size,
      tilesBuiltSeconds: Number(buildSeconds.toFixed(1)),
      proofHashes: proof.length,
      coldP50Ms: Number(percentile(cold, 50).toFixed(3)),
      coldP99Ms: Number(percentile(cold, 99).toFixed(3)),
      warmP50Ms: Number(percentile(warm, 50).toFixed(3)),
      warmP99Ms: Number(percentile(warm, 99).toFixed(3)),
    };
  });
}

async function auditBench(size: number) {
  return withLedger('sqlite', async (app) => {
    const batch = 5000;
    for (let start = 0; start < size; start += batch) {
      await app.ledger.append(Array.from({ length: Math.min(batch, size - start) }, (_, i) => entry(start % 97, start + i)));
    }
    await app.ledger.publish();
    const t0 = performance.now();
    const report = await app.ledger.audit();
    const seconds = (performance.now() - t0) / 1000;
    return { entries: report.entries, ok: report.ok, auditSeconds: Number(seconds.toFixed(2)), entriesPerSecond: Math.round(report.entries / seconds) };
  });
}

const sha = sha256Rate();
const results: Record<string, unknown> = { sha256PerSecond: Math.round(sha) };
if (PHASES.has('appends')) {
  const sqlite = await appendBench('sqlite', APPENDS);
  results.appendsSqlite = {
    ...sqlite,
    ratioToSha256: Number((sqlite.appendsPerSecond / sha).toFixed(3)),
    meetsTarget: sqlite.appendsPerSecond >= 50_000 && sqlite.integrationP99Ms <= 1000,
  };
}
if (!PHASES.has('postgres')) {
  results.appendsPostgres = 'skipped: BENCH_PHASES';
} else if (await pgAvailable()) {
  const postgres = await appendBench('postgres', Math.min(APPENDS, 100_000));
  results.appendsPostgres = { ...postgres, ratioToSha256: Number((postgres.appendsPerSecond / sha).toFixed(3)) };
} else {
  results.appendsPostgres = 'skipped: no PostgreSQL at CUSTODIA_TEST_PG_URL';
}
if (PHASES.has('proofs')) {
  const proofs = await proofBench(PROOF_SIZE);
  results.inclusionProofs = { ...proofs, meetsTarget: proofs.coldP50Ms < 1 && proofs.warmP99Ms < 1 };
}
if (PHASES.has('audit')) {
  const audit = await auditBench(AUDIT_ENTRIES);
  results.audit = { ...audit, ratioToSha256: Number((audit.entriesPerSecond / sha).toFixed(3)) };
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
