import { type KeysUnder, messagesUnder } from '../../../i18n/index.ts';
import { fillPlaceholders } from '../../../lib/placeholders.ts';

/**
 * The verification report's words, Spanish (source) and English, from the catalogue
 * (src/i18n/report.{es,en}.ts, keys `evidence.report.*`, checked for completeness with the rest by
 * test/i18n.test.ts). `{name}` marks a value filled in by the renderer.
 */
const PREFIX = 'evidence.report.';

export type ReportTextKey = KeysUnder<typeof PREFIX>;

export const REPORT_TEXT: Record<'es' | 'en', Record<ReportTextKey, string>> = { es: messagesUnder('es', PREFIX), en: messagesUnder('en', PREFIX) };

/** The text for `key` with its `{name}` placeholders filled. */
export function reportText(locale: 'es' | 'en', key: ReportTextKey, values: Record<string, string | number> = {}): string {
  return fillPlaceholders(REPORT_TEXT[locale][key], values);
}
