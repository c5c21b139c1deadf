// s3rver (the S3 imitation the tests use) in its own process, for the S3 phase of bench/evidence.ts:
// the CLI it serves runs under spawnSync, which would freeze a server in the benchmark's own event
// loop. Serves the bucket `vault` from <directory> on 127.0.0.1 and prints the port. s3rver writes
// objects to that directory through the page cache and never fsyncs.
// Usage: node bench/support/s3rver.ts <directory>
import { createRequire } from 'node:module';

const directory = process.argv[2];
if (!directory) {
  process.stderr.write('usage: s3rver.ts <directory>\n');
  process.exit(2);
}
type S3rver = new (options: Record<string, unknown>) => { run(): Promise<{ port: number }> };
const S3rver = createRequire(import.meta.url)('s3rver') as S3rver;
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: 'vault' }] });
const { port } = await server.run();
process.stdout.write(`${port}\n`);
