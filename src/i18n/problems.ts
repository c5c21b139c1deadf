import type { ErrorCode } from '../lib/error-codes.ts';
import type { AppError } from '../lib/errors.ts';
import { isMessageKey, type Locale, type MessageKey, t } from './index.ts';

/**
 * Every registered error code has a `problem.<code>` title in the Spanish catalogue, and English has
 * the same keys (en.ts `satisfies Catalog`): a code without a title names itself in the compile error.
 */
export const EVERY_CODE_HAS_A_TITLE: [Exclude<`problem.${ErrorCode}`, MessageKey>] extends [never] ? true : Exclude<`problem.${ErrorCode}`, MessageKey> = true;

/** The title of an error in the caller's language; undefined only for a code that bypassed the types. */
export function problemTitle(locale: Locale, error: AppError, id: string): string | undefined {
  const key = `problem.${error.code}`;
  return isMessageKey(key) ? t(locale, key, { ...error.params, id }) : undefined;
}

/** One field problem in the caller's language (`field.<code>`), else its English detail. */
export { fieldMessage as localizeField } from './index.ts';
