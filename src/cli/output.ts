import type { Command } from 'commander';
import type { App } from '../app.ts';
import { localizeField, statusFor, toAppError } from '../http/problem.ts';
import { isMessageKey, type Locale, t } from '../i18n/index.ts';
import { AppError, isAppError } from '../lib/errors.ts';

/** Exit codes: 1 usage, 2 invalid input, 3 not found, 4 conflict, 10 internal. */
export function exitCodeFor(error: AppError): number {
  const status = statusFor(error.code);
  if (status === 404) return 3;
  if (status === 409) return 4;
  if (status >= 400 && status < 500) return 2;
  return 10;
}

export interface Output {
  json: boolean;
  locale: Locale;
}

export function print(out: Output, value: unknown, human: () => string): void {
  process.stdout.write(out.json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

/** The same problem the API would answer: code, title, every invalid field. */
export function reportError(out: Output, error: unknown): number {
  const normalised = isAppError(error) ? error : toAppError(error);
  const appError =
    normalised.code === 'internal' ? new AppError('internal', { message: (error as Error)?.message ?? String(error), cause: error }) : normalised;
  const titleKey = `problem.${appError.code}`;
  const title = isMessageKey(titleKey) ? t(out.locale, titleKey, { ...appError.params, id: 'cli' }) : appError.message;
  const errors = appError.fields.map((f) => ({ path: f.path, code: f.code, message: localizeField(out.locale, f) }));
  if (out.json) {
    process.stdout.write(
      `${JSON.stringify({ type: `urn:custodia:problem:${appError.code}`, title, status: statusFor(appError.code), detail: appError.message, code: appError.code, errors }, null, 2)}\n`,
    );
  } else {
    process.stderr.write(`${title}\n${appError.message !== title ? `${appError.message}\n` : ''}`);
    for (const e of errors) process.stderr.write(`  - ${e.path}: ${e.message}\n`);
  }
  return exitCodeFor(appError);
}

/** The options every command takes. */
export type CommonOptions = { json?: boolean; lang?: string };
/** Opens the node, runs a command against it, closes it; errors become the exit codes above. */
export type WithApp = (options: CommonOptions, run: (app: App, out: Output) => Promise<void>) => Promise<void>;

/** Adds `--json` and `--lang` to a command. */
export const withOutputOptions = (c: Command) => c.option('--json', 'print the answer as JSON').option('--lang <lang>', 'language (es, en)');

/** Commander collector for a repeatable option. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];
