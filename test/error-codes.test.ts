// The error registry (src/lib/error-codes.ts) against the source: every code the source raises is
// registered with a status, an exit code and a title in both languages, and every registered code is
// raised somewhere. The types already refuse an unregistered code; this also catches one that slips
// past them (a cast, a code built at run time) and entries nothing raises any more.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../src/config/config.ts';
import { en } from '../src/i18n/en.ts';
import { es } from '../src/i18n/es.ts';
import { ERRORS, exitCodeFor, isErrorCode, statusFor } from '../src/lib/error-codes.ts';

const SRC = join(PROJECT_ROOT, 'src');
const STATUSES = new Set([400, 401, 403, 404, 408, 409, 410, 412, 413, 414, 415, 416, 422, 423, 429, 431, 460, 500, 503, 507]);
const EXITS = new Set([2, 3, 4, 5, 10]);
/** The types that hold error codes: a parameter of one of them passes a code on to an error. */
const CODE_TYPES = /^(?:ErrorCode|TlogCode)$/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

/** Code without its comment lines and doc comments (which name codes in prose). */
function stripComments(text: string): string {
  return text.replace(/^\s*\/\*[\s\S]*?\*\//gm, '').replace(/^\s*\/\/.*$/gm, '');
}

/** The top-level arguments of the call or parameter list whose `(` is at `open`, as source text. */
function argumentsAt(text: string, open: number): { args: string[]; end: number } {
  const args: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = open + 1;
  for (let i = open; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) {
        args.push(text.slice(start, i));
        return { args: args.map((a) => a.trim()).filter((a, n) => a !== '' || n < args.length - 1), end: i };
      }
    } else if (c === ',' && depth === 1) {
      args.push(text.slice(start, i));
      start = i + 1;
    }
  }
  return { args, end: text.length };
}

/** Every string literal shaped like an error code in a piece of source (both arms of a ternary, say). */
const codeLiterals = (source: string) => [...source.matchAll(/'([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)?)'/g)].map((m) => m[1] as string);

interface Helper {
  file: string;
  name: string;
  index: number;
}

/** Where each code is raised: `new AppError(…)`, `new TlogError(…)`, and calls of helpers taking a code. */
function raisedCodes(): Map<string, string[]> {
  const files = new Map(sources(SRC).map((f) => [f, stripComments(readFileSync(f, 'utf8'))]));
  const raised = new Map<string, string[]>();
  const note = (code: string, file: string) => raised.set(code, [...(raised.get(code) ?? []), relative(PROJECT_ROOT, file)]);

  // Helpers: a function or method with a parameter typed as a code, e.g. `fail(code: ErrorCode, …)`.
  const helpers: Helper[] = [];
  for (const [file, text] of files) {
    for (const m of text.matchAll(/(#?[A-Za-z_$][\w$]*)\s*\(/g)) {
      const { args, end } = argumentsAt(text, (m.index ?? 0) + m[0].length - 1);
      if (!/^\)\s*(?::[^;={]*)?[{]/.test(text.slice(end, end + 200)) && !/^\)\s*=>/.test(text.slice(end, end + 10))) continue;
      args.forEach((param, index) => {
        const type = /^[\w$]+\??\s*:\s*([\w$]+)\s*(?:=.*)?$/s.exec(param)?.[1];
        if (type && CODE_TYPES.test(type)) helpers.push({ file, name: m[1] as string, index });
      });
    }
  }
  for (const [file, text] of files) {
    for (const m of text.matchAll(/new\s+(?:AppError|TlogError)\s*\(/g)) {
      const [first = ''] = argumentsAt(text, (m.index ?? 0) + m[0].length - 1).args;
      for (const code of codeLiterals(first)) note(code, file);
    }
    for (const helper of helpers) {
      // Its own file calls it by name; others through an import of it, perhaps renamed.
      const names = new Set(file === helper.file ? [helper.name] : []);
      for (const imp of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'([^']+)'/g)) {
        if (resolve(dirname(file), imp[2] as string) !== helper.file) continue;
        for (const spec of (imp[1] as string).split(',')) {
          const [imported, local] = spec.trim().split(/\s+as\s+/);
          if (imported === helper.name) names.add(local ?? imported);
        }
      }
      for (const name of names) {
        const call = new RegExp(`(?<![\\w$])${name.replace('$', '\\$')}\\s*\\(`, 'g');
        for (const c of text.matchAll(call)) {
          const arg = argumentsAt(text, (c.index ?? 0) + c[0].length - 1).args[helper.index];
          if (arg !== undefined) for (const code of codeLiterals(arg)) note(code, file);
        }
      }
    }
  }
  return raised;
}

const RAISED = raisedCodes();

describe('error registry', () => {
  it('finds the codes raised directly, through helpers and through imported, renamed helpers', () => {
    assert.ok(RAISED.get('evidence.destroyed')?.length, 'new AppError(…)');
    assert.ok(RAISED.get('tlog.bad_bundle')?.length, 'new TlogError(…)');
    assert.ok(RAISED.get('bagit.writer_closed')?.length, 'fail(code: ErrorCode, …) in its own file');
    assert.ok(
      RAISED.get('blob.delete_failed')?.some((f) => f.endsWith('s3.ts')),
      'a method taking a code: #sendOr(what, code: ErrorCode, …)',
    );
    assert.ok(RAISED.get('ledger.key_unsealable')?.length, 'unseal(…, code: ErrorCode) imported as unsealSecret');
    assert.ok(RAISED.get('not_found')?.includes(join('src', 'lib', 'errors.ts')), 'either arm of a ternary');
  });

  it('has every raised code registered, with an allowed HTTP status and exit code and a title in both languages', () => {
    for (const [code, where] of RAISED) {
      assert.ok(isErrorCode(code), `${code} (raised in ${where.join(', ')}) is not in src/lib/error-codes.ts`);
      const { status, exit } = ERRORS[code];
      assert.ok(STATUSES.has(status), `${code}: status ${status}`);
      assert.ok(EXITS.has(exit), `${code}: exit code ${exit}`);
      const key = `problem.${code}` as keyof typeof es;
      assert.ok(es[key]?.trim(), `${code} has no Spanish title (${key} in src/i18n)`);
      assert.ok(en[key]?.trim(), `${code} has no English title (${key} in src/i18n)`);
    }
  });

  it('has no dead entries: every registered code is raised somewhere, and every problem title belongs to one', () => {
    for (const code of Object.keys(ERRORS)) assert.ok(RAISED.has(code), `${code} is registered but nothing raises it`);
    for (const key of Object.keys(es).filter((k) => k.startsWith('problem.'))) {
      assert.ok(isErrorCode(key.slice('problem.'.length)), `${key} is the title of no registered code`);
    }
  });

  it('keeps the README exit codes: 3 exactly for not found, 10 only for server failures, which exit 10 or 5', () => {
    for (const [code, { status, exit }] of Object.entries(ERRORS)) {
      assert.equal(exit === 3, status === 404, `${code}: ${status} / exit ${exit}`);
      if (exit === 10) assert.ok(status >= 500, `${code}: exit 10 is an internal error, yet status ${status}`);
      if (status >= 500) assert.ok(exit === 10 || exit === 5, `${code}: status ${status}, yet exit ${exit}`);
    }
    assert.equal(exitCodeFor('evidence.fixity_mismatch'), 5);
    assert.equal(exitCodeFor('age.identity_invalid'), 2);
    // A code that reached an adapter untyped and unregistered is an internal error.
    assert.equal(statusFor('no.such_code'), 500);
    assert.equal(exitCodeFor('no.such_code'), 10);
  });
});
