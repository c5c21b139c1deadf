import type { Command } from 'commander';
import type { App } from '../app.ts';
import { operatorEnvironment } from '../config/config.ts';
import { type Locale, negotiateLocale } from '../i18n/index.ts';
import { localizeField, problemTitle } from '../i18n/problems.ts';
import { type ExitCode, exitCodeFor, statusFor } from '../lib/error-codes.ts';
import { AppError, isAppError, normaliseError } from '../lib/errors.ts';

export interface Output {
  json: boolean;
  locale: Locale;
}

export function print(out: Output, value: unknown, human: () => string): void {
  process.stdout.write(out.json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

/**
 * The same problem the API would answer: code, title, every invalid field. Returns the code's exit
 * code from the registry (lib/error-codes.ts): 2 invalid input, 3 not found, 4 conflict,
 * 5 verification failed, 10 internal.
 */
export function reportError(out: Output, error: unknown): ExitCode {
  const normalised = normaliseError(error);
  const appError =
    normalised.code === 'internal' ? new AppError('internal', { message: (error as Error)?.message ?? String(error), cause: error }) : normalised;
  const title = problemTitle(out.locale, appError, 'cli') ?? appError.message;
  const errors = appError.fields.map((f) => ({ path: f.path, code: f.code, message: localizeField(out.locale, f) }));
  if (out.json) {
    process.stdout.write(
      `${JSON.stringify({ type: `urn:custodia:problem:${appError.code}`, title, status: statusFor(appError.code), detail: appError.message, code: appError.code, errors }, null, 2)}\n`,
    );
  } else {
    process.stderr.write(`${title}\n${appError.message !== title ? `${appError.message}\n` : ''}`);
    for (const e of errors) process.stderr.write(`  - ${e.path}: ${e.message}\n`);
  }
  return exitCodeFor(appError.code);
}

/**
 * A failure no command reported (e.g. `serve` refused to start: invalid configuration, a changed log
 * origin): an AppError as its problem, in the operator's language, with its registered exit code;
 * anything else with its stack, exit 10.
 */
export function reportUncaught(error: unknown): ExitCode {
  if (!isAppError(error)) {
    process.stderr.write(`${(error as Error | undefined)?.stack ?? String(error)}\n`);
    return 10;
  }
  return reportError({ json: false, locale: negotiateLocale(undefined, operatorEnvironment().language?.replace('_', '-')) }, error);
}

/** The options every command takes; `org`, where a command has it, must name an existing organisation. */
export type CommonOptions = { json?: boolean; lang?: string; org?: string };
/** Opens the node, runs a command against it, closes it; errors become the exit codes above. */
export type WithApp = (options: CommonOptions, run: (app: App, out: Output) => Promise<void>) => Promise<void>;

/** Adds `--json` and `--lang` to a command. */
export const withOutputOptions = (c: Command) => c.option('--json', 'print the answer as JSON').option('--lang <lang>', 'language (es, en)');

/** Commander collector for a repeatable option. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];
