// Evidence vault benchmarks on one file of BENCH_EVIDENCE_GIB GiB (default 4), in one run, each as a
// ratio to `openssl dgst -sha256` of the same file measured in this run:
//  1. CLI ingest (`custodia evidence add`: SHA-256 + age encryption + blob store), target ≥ 0.8×;
//     its peak memory (max RSS), target < 256 MiB and the same for a 1 GiB file;
//  2. a tus upload over loopback HTTP from a client in its own process (POST, then the file in one
//     PATCH sent by curl, as tus-js-client does by default; BENCH_TUS_PART_MIB for parts), target ≥ 0.5×;
//  3. export of the case's package and its offline verification (CLI), and the fixity check of each
//     item (`custodia evidence verify`: decrypt and re-hash);
//  4. the intake pipeline alone (hash + encryption, the bytes then dropped) in this process;
//  5. peers: `age -e` piped through `sha256sum`; `dd conv=fsync` (the same bytes made durable on
//     the data disk: what any intake that keeps the evidence is bounded by); and, for the tus
//     upload, curl sending the file to a bare Node server (bench/support/http-sink.ts) that only
//     hashes it or only makes it durable;
//  6. S3 (BENCH_PHASES=s3, on the 1 GiB file): the CLI intake and fixity check with the S3 store
//     against s3rver started here in its own process (bench/support/s3rver.ts), and the store alone
//     (S3BlobStore.put of the plain file, no hash or encryption). BENCH_S3_BASELINE=<checkout> runs
//     the same measures with that checkout's CLI and store, alternating with this one
//     (BENCH_S3_RUNS rounds, default 1), so that two versions are compared in one run.
// Files live in a temporary directory on the same disk as the data directory; `sync` runs before
// each durable measure so that none pays for the write-back of the one before.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../src/app.ts';
import { loadConfig, PROJECT_ROOT } from '../src/config/config.ts';
import { generateIdentity } from '../src/lib/age/age.ts';
import { systemClock } from '../src/lib/clock.ts';
import { createLogger } from '../src/lib/log.ts';
import { ingestFile } from '../src/modules/evidence/ingest.ts';
import { systemActor } from '../src/modules/identity/index.ts';
import type { BlobStore } from '../src/storage/blobs/port.ts';
import type { S3BlobStore } from '../src/storage/blobs/s3.ts';
import { enrolUser } from '../test/support/identity.ts';

const GIB = 1024 ** 3;
const SIZE_GIB = Number(process.env.BENCH_EVIDENCE_GIB ?? 4);
const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'custodia-bench-evidence-'));
// The CLI as people run it (`custodia`, an npm bin).
const MAIN = join(PROJECT_ROOT, 'bin', 'custodia.js');
/**
 * PATCH size of the tus client (BENCH_TUS_PART_MIB): by default 0, the whole file in one PATCH as
 * tus-js-client does by default, sent by curl; otherwise parts of that many MiB sent by Node's fetch.
 */
const TUS_PART_BYTES = Number(process.env.BENCH_TUS_PART_MIB ?? 0) * 1024 * 1024 || Number.MAX_SAFE_INTEGER;
/** Which measures to take (BENCH_PHASES, comma-separated): intake, pipeline, peers, export, tus, s3. */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'intake,pipeline,peers,export,tus').split(','));

async function makeFile(path: string, bytes: number): Promise<void> {
  const block = randomBytes(64 * 1024 * 1024);
  const out = createWriteStream(path);
  for (let written = 0; written < bytes; written += block.length) {
    if (!out.write(block.subarray(0, Math.min(block.length, bytes - written)))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

interface Timed {
  seconds: number;
  maxRssMiB: number;
  /** CPU seconds of the command and its children, in user space and in the kernel. */
  userSeconds: number;
  kernelSeconds: number;
  stdout: string;
}

function timed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Timed {
  // GNU time reports the child's peak resident set size (KiB) and its CPU seconds on stderr with -f.
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'maxrss=%M user=%U sys=%S', command, ...args], { env, maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - t0) / 1000;
  const stderr = r.stderr.toString();
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${stderr}`);
  const field = (name: string) => Number(new RegExp(`${name}=([\\d.]+)`).exec(stderr)?.[1] ?? 0);
  return { seconds, maxRssMiB: field('maxrss') / 1024, userSeconds: field('user'), kernelSeconds: field('sys'), stdout: r.stdout.toString() };
}

const rate = (bytes: number, seconds: number) => bytes / seconds / 1024 ** 2;

/** A blob store that takes every byte and keeps none (the 'pipeline' measure). */
const discardingStore: BlobStore = {
  async put(key, source, options = {}) {
    let bytes = 0;
    for await (const chunk of source as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      options.release?.(chunk);
    }
    return { key, bytes };
  },
  get: () => Promise.reject(new Error('discarded')),
  stat: async () => undefined,
  delete: async () => undefined,
};

/** A data directory with the case BENCH and its custodian; the environment for the CLI on it. */
async function prepareDataDir(dataDir: string): Promise<NodeJS.ProcessEnv> {
  const setup = await createApp(loadConfig({ dataDir, logLevel: 'silent' }, {}), { log: createLogger('silent') });
  // An enrolled (active) person: the tus upload uses an API token they make.
  const person = await enrolUser(setup, systemClock, { email: 'bench@pe.example', orgId: 'fiscalia', roles: ['evidence_custodian', 'supervisor'] });
  await setup.cases.create(systemActor('bench'), { reference: 'BENCH', orgId: 'fiscalia', members: [person.userId] });
  await setup.close();
  return { ...process.env, CUSTODIA_DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn', CUSTODIA_FIXITY_INTERVAL_MINUTES: '0' };
}

async function main() {
  const dataDir = join(work, 'data');
  const env = await prepareDataDir(dataDir);

  const results: Record<string, unknown> = { sizeGiB: SIZE_GIB };
  const sizes = [...new Set([1, SIZE_GIB])];
  for (const gib of sizes) {
    const file = join(work, `image-${gib}g.bin`);
    await makeFile(file, gib * GIB);
    const bytes = statSync(file).size;
    // Warm the page cache equally for everyone: each tool reads the file once before being timed.
    execFileSync('/usr/bin/openssl', ['dgst', '-sha256', file]);
    const openssl = timed('/usr/bin/openssl', ['dgst', '-sha256', file]);
    const row: Record<string, unknown> = { opensslMiBs: rate(bytes, openssl.seconds), opensslSeconds: openssl.seconds };
    // Every durable measure starts with nothing left to write back from the one before.
    const settle = () => spawnSync('sync');
    let durableSeconds: number | undefined;
    if (PHASES.has('peers') || PHASES.has('s3')) {
      // The storage-bound peer: the same bytes copied and made durable (fsync) on the data disk.
      settle();
      const dd = timed('/bin/dd', [`if=${file}`, `of=${join(work, 'dd.bin')}`, 'bs=1M', 'conv=fsync', 'status=none']);
      durableSeconds = dd.seconds;
      rmSync(join(work, 'dd.bin'), { force: true });
      row.durableCopyMiBs = rate(bytes, durableSeconds);
      // Copying the bytes into the page cache and writing them back is kernel work on these cores.
      row.durableCopyKernelSeconds = dd.kernelSeconds;
      row.durableCopyRatio = openssl.seconds / durableSeconds;
    }
    if (PHASES.has('intake')) {
      settle();
      const ingest = timed(process.execPath, [MAIN, 'evidence', 'add', file, '--case', 'BENCH', '--exhibit', `E-${gib}`, '--json'], env);
      row.ingestMiBs = rate(bytes, ingest.seconds);
      row.ingestRatio = openssl.seconds / ingest.seconds;
      if (durableSeconds !== undefined) row.ingestVsDurableCopy = durableSeconds / ingest.seconds;
      row.ingestMaxRssMiB = ingest.maxRssMiB;
      row.ingestUserSeconds = ingest.userSeconds;
      row.ingestKernelSeconds = ingest.kernelSeconds;
      // Fixity of the item just stored: decrypt and re-hash (`custodia evidence verify`).
      const itemId = (JSON.parse(ingest.stdout) as { id: string }).id;
      const fixity = timed(process.execPath, [MAIN, 'evidence', 'verify', itemId, '--json'], env);
      row.fixitySeconds = fixity.seconds;
      row.fixityRatio = openssl.seconds / fixity.seconds;
      row.fixityMaxRssMiB = fixity.maxRssMiB;
    }

    if (PHASES.has('s3') && gib === 1) Object.assign(row, await s3Measures(file, bytes, openssl.seconds, durableSeconds));

    if (PHASES.has('pipeline')) {
      // The CLI's intake code (the file read into the sealing blocks, hashed here, sealed by the
      // pool) into a store that keeps nothing, in this process: what the CPU work allows once the
      // disk and start-up are out of the way.
      const t0 = performance.now();
      await ingestFile(file, { store: discardingStore, recipients: [generateIdentity().recipient], blobKey: 'bench' });
      const seconds = (performance.now() - t0) / 1000;
      row.pipelineMiBs = rate(bytes, seconds);
      row.pipelineRatio = openssl.seconds / seconds;
    }
    if (gib === SIZE_GIB) {
      if (PHASES.has('peers')) {
        const keys = spawnSync('age-keygen', [], { encoding: 'utf8' }).stdout;
        const recipient =
          /public key: (age1\w+)/.exec(keys)?.[1] ?? /^(age1\w+)/m.exec(spawnSync('age-keygen', ['-y'], { input: keys, encoding: 'utf8' }).stdout)?.[1];
        if (recipient) {
          const peer = timed('/bin/sh', ['-c', `age -e -r ${recipient} < '${file}' | sha256sum`]);
          row.agePeerMiBs = rate(bytes, peer.seconds);
          row.agePeerRatio = openssl.seconds / peer.seconds;
        }
        // The tus upload's peers: the same file sent by curl to a bare Node server in its own
        // process that only hashes the body, or only makes it durable.
        settle();
        for (const mode of ['hash', 'durable'] as const) {
          const seconds = await httpSinkUpload(mode, file);
          row[`http${mode === 'hash' ? 'Hash' : 'Durable'}PeerMiBs`] = rate(bytes, seconds);
          row[`http${mode === 'hash' ? 'Hash' : 'Durable'}PeerRatio`] = openssl.seconds / seconds;
          settle();
        }
      }
      if (PHASES.has('export') && PHASES.has('intake')) {
        const out = join(work, 'package');
        settle();
        const exported = timed(process.execPath, [MAIN, 'evidence', 'export', '--case', 'BENCH', '--out', out, '--json'], env);
        row.exportSeconds = exported.seconds;
        row.exportRatio = openssl.seconds / exported.seconds;
        row.exportMaxRssMiB = exported.maxRssMiB;
        const verified = timed(process.execPath, [MAIN, 'evidence', 'verify-package', out, '--json'], env);
        row.verifyPackageSeconds = verified.seconds;
        row.verifyPackageRatio = openssl.seconds / verified.seconds;
        rmSync(out, { recursive: true, force: true });
      }
      if (PHASES.has('tus')) {
        settle();
        const tus = await tusUpload(dataDir, file, bytes);
        if (tus) {
          row.tusMiBs = rate(bytes, tus);
          row.tusRatio = openssl.seconds / tus;
          if (durableSeconds !== undefined) row.tusVsDurableCopy = durableSeconds / tus;
        }
      }
    }
    results[`${gib}GiB`] = row;
    rmSync(file, { force: true });
  }
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

/**
 * The S3 phase: s3rver in its own process on the data disk, a data directory of its own, then
 * BENCH_S3_RUNS rounds of (CLI intake, CLI fixity, store alone) for this checkout and, with
 * BENCH_S3_BASELINE, for that checkout too, one after the other. Ratios as for the local store:
 * `openssl dgst -sha256` over the measure's time, and `dd conv=fsync` over it.
 */
async function s3Measures(file: string, bytes: number, opensslSeconds: number, durableSeconds: number | undefined): Promise<Record<string, unknown>> {
  const directory = join(work, 's3rver');
  const server = spawn(process.execPath, [join(PROJECT_ROOT, 'bench', 'support', 's3rver.ts'), directory], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [port] = (await once(server.stdout, 'data')) as [Buffer];
    const endpoint = `http://127.0.0.1:${port.toString().trim()}`;
    const s3 = { endpoint, region: 'us-east-1', bucket: 'vault', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', prefix: 'bench/' };
    const env = {
      ...(await prepareDataDir(join(work, 's3-data'))),
      CUSTODIA_BLOB_STORE: 's3',
      CUSTODIA_S3_ENDPOINT: s3.endpoint,
      CUSTODIA_S3_REGION: s3.region,
      CUSTODIA_S3_BUCKET: s3.bucket,
      CUSTODIA_S3_ACCESS_KEY_ID: s3.accessKeyId,
      CUSTODIA_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      CUSTODIA_S3_PREFIX: s3.prefix,
    };
    const checkouts: Array<[string, string]> = [['s3', PROJECT_ROOT]];
    if (process.env.BENCH_S3_BASELINE) checkouts.push(['s3Baseline', process.env.BENCH_S3_BASELINE]);
    const runs: Record<string, Array<Record<string, number>>> = {};
    for (let round = 1; round <= Number(process.env.BENCH_S3_RUNS ?? 1); round++) {
      for (const [label, root] of checkouts) {
        const cli = join(root, 'bin', 'custodia.js');
        const run: Record<string, number> = {};
        spawnSync('sync');
        const intake = timed(process.execPath, [cli, 'evidence', 'add', file, '--case', 'BENCH', '--exhibit', `${label}-${round}`, '--json'], env);
        Object.assign(run, {
          intakeMiBs: rate(bytes, intake.seconds),
          intakeRatio: opensslSeconds / intake.seconds,
          intakeMaxRssMiB: intake.maxRssMiB,
          intakeUserSeconds: intake.userSeconds,
          intakeKernelSeconds: intake.kernelSeconds,
        });
        if (durableSeconds !== undefined) run.intakeVsDurableCopy = durableSeconds / intake.seconds;
        // Fixity reads the item back from S3: GetObject, decrypt, re-hash.
        const itemId = (JSON.parse(intake.stdout) as { id: string }).id;
        const fixity = timed(process.execPath, [cli, 'evidence', 'verify', itemId, '--json'], env);
        Object.assign(run, { fixitySeconds: fixity.seconds, fixityRatio: opensslSeconds / fixity.seconds, fixityMaxRssMiB: fixity.maxRssMiB });
        // The store alone: the plain file streamed into S3 by this checkout's store.
        const { S3BlobStore: Store } = (await import(join(root, 'src', 'storage', 'blobs', 's3.ts'))) as { S3BlobStore: typeof S3BlobStore };
        spawnSync('sync');
        const t0 = performance.now();
        await new Store(s3).put(`plain/${label}-${round}`, createReadStream(file, { highWaterMark: 1024 * 1024 }));
        const storeSeconds = (performance.now() - t0) / 1000;
        Object.assign(run, { storeAloneMiBs: rate(bytes, storeSeconds), storeAloneRatio: opensslSeconds / storeSeconds });
        if (durableSeconds !== undefined) run.storeAloneVsDurableCopy = durableSeconds / storeSeconds;
        runs[label] = [...(runs[label] ?? []), run];
        // The next measure starts from an empty bucket (s3rver keeps each object as a file).
        for (const dir of ['bench', 'plain']) rmSync(join(directory, 'vault', dir), { recursive: true, force: true });
      }
    }
    return runs;
  } finally {
    server.kill();
    await once(server, 'exit');
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Seconds for curl to send the file in one request to `bench/support/http-sink.ts` and have its answer. */
async function httpSinkUpload(mode: 'hash' | 'durable', file: string): Promise<number> {
  const target = join(work, 'sink.bin');
  const sink = spawn(process.execPath, [join(PROJECT_ROOT, 'bench', 'support', 'http-sink.ts'), mode, target], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [port] = (await once(sink.stdout, 'data')) as [Buffer];
    const t0 = performance.now();
    const r = spawnSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-T', file, `http://127.0.0.1:${port.toString().trim()}/`]);
    const seconds = (performance.now() - t0) / 1000;
    if (r.stdout.toString() !== '200') throw new Error(`the ${mode} sink answered ${r.stdout} ${r.stderr}`);
    return seconds;
  } finally {
    sink.kill();
    await once(sink, 'exit');
    rmSync(target, { force: true });
  }
}

/** A tus upload of the file to a node serving on loopback; seconds from POST to the final answer. */
async function tusUpload(dataDir: string, file: string, bytes: number): Promise<number | undefined> {
  const app = await createApp(loadConfig({ dataDir, logLevel: 'silent', fixityIntervalMinutes: 0 }, {}), { log: createLogger('silent') });
  try {
    const { buildServer } = await import('../src/http/server.ts');
    const server = await buildServer(app, { logRequests: false });
    const hasTus = server.hasRoute({ method: 'POST', url: '/api/v1/uploads' });
    if (!hasTus) {
      await server.close();
      return undefined;
    }
    await server.listen({ host: '127.0.0.1', port: 0 });
    const address = server.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const token = await benchToken(app);
    // The client is its own process, as a real one is: it must not share this event loop.
    const client = spawn(
      process.execPath,
      [
        join(PROJECT_ROOT, 'bench', 'support', 'tus-client.ts'),
        base,
        token,
        file,
        String(TUS_PART_BYTES),
        JSON.stringify({ case: 'BENCH', exhibit: `TUS-${bytes}`, acquiredBy: 'bench', acquiredAt: '2026-11-25T10:00:00-05:00' }),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let printed = '';
    client.stdout.on('data', (d: Buffer) => {
      printed += d.toString();
    });
    const [code] = (await once(client, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`the tus client failed (${code})`);
    const seconds = Number(printed.trim());
    await server.close();
    return seconds;
  } finally {
    await app.close();
  }
}

async function benchToken(app: Awaited<ReturnType<typeof createApp>>): Promise<string> {
  const { seedToken } = await import('./support/token.ts');
  return seedToken(app, 'bench@pe.example', 'fiscalia');
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
