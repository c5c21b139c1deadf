// Knowledge-base reads over HTTP at 64 connections, beside a bare Fastify route measured in the same
// run on the same machine as the ceiling. The server runs in its own process; the load generator
// (autocannon) in this one, so each gets one of the two cores. Loopback only; bounded in time.
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';

const CONNECTIONS = 64;
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const here = import.meta.dirname;

async function start(script: string, port: number): Promise<ChildProcess> {
  const child = fork(join(here, 'support', script), [String(port)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return child;
}

async function load(url: string): Promise<{ requestsPerSecond: number; p50Ms: number; p99Ms: number; errors: number; non2xx: number }> {
  await autocannon({ url, connections: CONNECTIONS, duration: 2 }); // warm-up
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

const bare = await start('serve-bare.ts', 18181);
const ceiling = await load('http://127.0.0.1:18181/bare');
bare.kill('SIGTERM');

const node = await start('serve-custodia.ts', 18182);
const routes = {
  conducts: '/api/v1/kb/conducts',
  instrument: '/api/v1/kb/instruments/ETS185',
  profile: '/api/v1/kb/states/PE',
  legalBases: '/api/v1/legal/bases?measure=preservation&requesting=PE&requested=ES',
};
const results: Record<string, unknown> = { bareFastify: ceiling };
for (const [name, path] of Object.entries(routes)) {
  const r = await load(`http://127.0.0.1:18182${path}`);
  results[name] = {
    path,
    ...r,
    ratioToBare: Number((r.requestsPerSecond / ceiling.requestsPerSecond).toFixed(2)),
    meetsTarget: r.requestsPerSecond >= 5000 && r.p99Ms < 25,
  };
}
node.kill('SIGTERM');
process.stdout.write(`${JSON.stringify({ connections: CONNECTIONS, seconds: DURATION, target: '>= 5000 req/s, p99 < 25 ms', results }, null, 2)}\n`);
