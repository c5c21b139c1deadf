import { type KeysUnder, messagesUnder } from '../../i18n/index.ts';
import { fillPlaceholders } from '../../lib/placeholders.ts';

/**
 * The words of a cooperation request's formal document, Spanish (source) and English, from the
 * catalogue (src/i18n/document.{es,en}.ts, keys `coop.document.*`, checked for completeness with the
 * rest by test/i18n.test.ts). `{name}` marks a value filled in by the renderer. What the measure and
 * the instrument are called comes from the knowledge base, not from here.
 */
const PREFIX = 'coop.document.';

export type DocumentTextKey = KeysUnder<typeof PREFIX>;

export const DOCUMENT_TEXT: Record<'es' | 'en', Record<DocumentTextKey, string>> = { es: messagesUnder('es', PREFIX), en: messagesUnder('en', PREFIX) };

/** The text for `key` with its `{name}` placeholders filled. */
export function documentText(locale: 'es' | 'en', key: DocumentTextKey, values: Record<string, string | number> = {}): string {
  return fillPlaceholders(DOCUMENT_TEXT[locale][key], values);
}
