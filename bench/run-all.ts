// Runs every benchmark in turn and prints their JSON results. `npm run bench`.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

for (const script of ['legal-engine.ts', 'http-reads.ts', 'ledger.ts', 'login.ts', 'cooperation.ts', 'cooperation-documents.ts']) {
  process.stdout.write(`\n## ${script}\n`);
  const result = spawnSync(process.execPath, [join(import.meta.dirname, script)], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
