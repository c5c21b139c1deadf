// Runs every test file with Node's own runner. Node 26 expands the globs itself.
import { spawnSync } from 'node:child_process';

const patterns = process.argv.length > 2 ? process.argv.slice(2) : ['src/**/*.test.ts', 'test/**/*.test.ts'];
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=300000', ...patterns], { stdio: 'inherit' });
process.exit(result.status ?? 1);
