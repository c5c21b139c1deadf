#!/usr/bin/env node
// The CLI needs Node 26 (node:sqlite, type stripping). When launched by an older system Node,
// re-run under the Node 26 binary that the `node` devDependency installs next to us.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src', 'main.ts');
const major = Number(process.versions.node.split('.')[0]);

if (major >= 26) {
  // Before the first TypeScript file: with the cache on, the stripped and compiled modules come
  // from disk and the type stripper itself is not even loaded (src/main.ts says more).
  (await import('node:module')).enableCompileCache?.();
  await import(entry);
} else {
  const pinned = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(pinned)) {
    process.stderr.write(`custodia needs Node.js 26; found ${process.version}. Run "npm ci" first.\n`);
    process.exit(1);
  }
  const result = spawnSync(pinned, [entry, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
