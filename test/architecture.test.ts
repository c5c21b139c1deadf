import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../src/config/config.ts';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const src = join(PROJECT_ROOT, 'src');
const imports = (file: string) => [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1] ?? '');

describe('layering', () => {
  it('domain modules never import HTTP, UI, CLI or their frameworks', () => {
    for (const file of files(join(src, 'modules'))) {
      for (const spec of imports(file)) {
        assert.doesNotMatch(spec, /\/(http|cli)\//, `${relative(PROJECT_ROOT, file)} imports ${spec}`);
        assert.ok(
          !['fastify', 'commander', '@fastify/helmet'].includes(spec) && !spec.startsWith('@fastify/'),
          `${relative(PROJECT_ROOT, file)} imports ${spec}`,
        );
      }
    }
  });

  it('reads configuration in one place', () => {
    for (const file of files(src)) {
      const rel = relative(src, file);
      if (rel === join('config', 'config.ts')) continue;
      assert.doesNotMatch(readFileSync(file, 'utf8'), /process\.env/, `${rel} reads process.env`);
    }
  });

  it('logs through the logger, never console', () => {
    for (const file of files(src)) assert.doesNotMatch(readFileSync(file, 'utf8'), /console\.(log|error|warn|info)\(/, relative(src, file));
  });
});
