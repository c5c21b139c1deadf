import { type Locale, t } from '../i18n/index.ts';

/**
 * Adds the human sentence to every reasoning step and warning of an engine answer, in the caller's
 * language. The codes and parameters stay, so clients can translate themselves.
 */
export function localizeAnswer<T>(value: T, locale: Locale): WithText<T> {
  return walk(value, locale) as WithText<T>;
}

/** The type of an answer once every step and warning carries its `text`. */
export type WithText<T> = T extends readonly [infer A, infer B]
  ? [WithText<A>, WithText<B>]
  : T extends Array<infer U>
    ? WithText<U>[]
    : T extends object
      ? { [K in keyof T]: K extends 'explanation' | 'warnings' ? (T[K] extends Array<infer S> ? Array<WithText<S> & { text: string }> : T[K]) : WithText<T[K]> }
      : T;

function walk(value: unknown, locale: Locale): unknown {
  if (Array.isArray(value)) return value.map((v) => walk(v, locale));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if ((key === 'explanation' || key === 'warnings') && Array.isArray(v)) {
      const prefix = key === 'explanation' ? 'step' : 'warning';
      out[key] = v.map((item: { code: string; params: Record<string, string | number> }) => ({
        ...(walk(item, locale) as object),
        text: t(locale, `${prefix}.${item.code}`, item.params),
      }));
    } else out[key] = walk(v, locale);
  }
  return out;
}
