import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../src/config/config.ts';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const src = join(PROJECT_ROOT, 'src');
const rel = (path: string) => relative(PROJECT_ROOT, path).split(sep).join('/');

/** Every module specifier a file names: static imports and re-exports, and dynamic `import('…')`. */
export function specifiers(text: string): string[] {
  const found = [...text.matchAll(/\bfrom\s+'([^']+)'/g), ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g), ...text.matchAll(/^import\s+'([^']+)'/gm)];
  return found.map((m) => m[1] ?? '');
}

/** The project files a file imports, as paths relative to the project (packages and node: left out). */
function localImports(file: string): string[] {
  return specifiers(readFileSync(file, 'utf8'))
    .filter((s) => s.startsWith('.') || s.startsWith('#src/'))
    .map((s) => rel(s.startsWith('#src/') ? join(src, s.slice('#src/'.length)) : resolve(dirname(file), s)));
}

/** `src/modules/<name>/…` → name; anything else → undefined. */
const moduleOf = (path: string) => /^src\/modules\/([^/]+)\//.exec(path)?.[1];

/**
 * The adapters: each is a thin shell over the modules and never imports another. The HTTP host
 * (`src/http/*.ts`: server, security, problem details) serves both the API and the web UI, which
 * share it but not each other's files.
 */
function adapterOf(path: string): string | undefined {
  if (path.startsWith('src/cli/')) return 'cli';
  if (path.startsWith('src/mail/')) return 'mail';
  if (path.startsWith('src/http/api/')) return 'http/api';
  if (path.startsWith('src/http/web/')) return 'http/web';
  if (path.startsWith('src/http/')) return 'http';
  return undefined;
}

/** Whether `from` (an adapter) may import `to` (another adapter's file). Only the HTTP host composes api and web. */
const adapterMayImport = (from: string, to: string) =>
  from === to || (from === 'http' && to.startsWith('http/')) || (from.startsWith('http/') && to === 'http');

/** The boundary violations of one file: imports that reach into a module's internals or into another adapter. */
export function boundaryViolations(file: string, imports: string[]): string[] {
  const problems: string[] = [];
  const own = moduleOf(file);
  const adapter = adapterOf(file);
  for (const target of imports) {
    const module = moduleOf(target);
    if (module && module !== own && target !== `src/modules/${module}/index.ts`) {
      problems.push(`${file} imports ${target}: outside the ${module} module, import only src/modules/${module}/index.ts`);
    }
    const other = adapterOf(target);
    if (adapter && other && !adapterMayImport(adapter, other))
      problems.push(`${file} (${adapter}) imports ${target} (${other}): adapters never import each other`);
    if (own && other) problems.push(`${file} imports ${target}: a domain module never imports an adapter`);
    if (/^src\/(lib|storage|config|i18n)\//.test(file) && (module || other))
      problems.push(`${file} imports ${target}: shared code imports neither modules nor adapters`);
  }
  return problems;
}

// Benchmarks measure a module's internals on purpose (the tile store, the intake pipeline), so the
// boundary rule covers the product and its tests: src/ and test/.
const checked = [...files(src), ...files(join(PROJECT_ROOT, 'test'))].filter((f) => !f.includes(`${sep}vectors${sep}`));

describe('layering', () => {
  it('code outside a module imports only its index.ts; adapters never import each other; modules never import adapters', () => {
    const problems = checked.flatMap((file) => boundaryViolations(rel(file), localImports(file)));
    assert.deepEqual(problems, []);
  });

  it('the boundary check catches a reach into a module, an adapter importing another, and a dynamic import', () => {
    assert.deepEqual(boundaryViolations('src/http/web/pages/x.ts', ['src/modules/cooperation/lifecycle.ts']).length, 1);
    assert.deepEqual(boundaryViolations('src/modules/evidence/x.ts', ['src/modules/ledger/entry.ts']).length, 1);
    assert.deepEqual(boundaryViolations('test/integration/x.test.ts', ['src/modules/ledger/keys.ts']).length, 1);
    assert.deepEqual(boundaryViolations('src/cli/output.ts', ['src/http/problem.ts']).length, 1);
    assert.deepEqual(boundaryViolations('src/http/api/x.ts', ['src/http/web/pages/common.ts']).length, 1);
    assert.deepEqual(boundaryViolations('src/modules/ledger/x.ts', ['src/http/server.ts']).length, 1);
    assert.deepEqual(boundaryViolations('src/lib/x.ts', ['src/modules/cases/index.ts']).length, 1);
    assert.deepEqual(specifiers("const { buildServer } = await import('../http/server.ts');"), ['../http/server.ts']);
    // What is allowed stays allowed.
    assert.deepEqual(boundaryViolations('src/modules/evidence/x.ts', ['src/modules/evidence/package/verifier.ts', 'src/modules/ledger/index.ts']), []);
    assert.deepEqual(boundaryViolations('src/http/server.ts', ['src/http/api/routes.ts', 'src/http/web/routes.ts']), []);
    assert.deepEqual(boundaryViolations('src/http/web/pages/x.ts', ['src/http/html.ts', 'src/modules/cases/index.ts']), []);
  });

  it('every module states its public face as a written type in index.ts, not ReturnType<typeof …>', () => {
    for (const name of readdirSync(join(src, 'modules'))) {
      const index = readFileSync(join(src, 'modules', name, 'index.ts'), 'utf8');
      assert.match(index, /^\/\*\*[\s\S]*?\*\/\s*export interface /m, `src/modules/${name}/index.ts: a commented interface is the module's public face`);
      assert.doesNotMatch(index, /ReturnType<typeof/, `src/modules/${name}/index.ts`);
    }
  });

  it('domain modules never import HTTP, UI, CLI or their frameworks', () => {
    for (const file of files(join(src, 'modules'))) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        assert.doesNotMatch(spec, /\/(http|cli)\//, `${rel(file)} imports ${spec}`);
        assert.ok(!['fastify', 'commander', '@fastify/helmet'].includes(spec) && !spec.startsWith('@fastify/'), `${rel(file)} imports ${spec}`);
      }
    }
  });

  it('reads configuration in one place', () => {
    for (const file of files(src)) {
      const r = relative(src, file);
      if (r === join('config', 'config.ts')) continue;
      assert.doesNotMatch(readFileSync(file, 'utf8'), /process\.env/, `${r} reads process.env`);
    }
  });

  it('logs through the logger, never console', () => {
    for (const file of files(src)) assert.doesNotMatch(readFileSync(file, 'utf8'), /console\.(log|error|warn|info)\(/, relative(src, file));
  });
});
