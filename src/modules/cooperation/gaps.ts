import { fieldMessage, type Locale } from '../../i18n/index.ts';
import type { FieldProblem } from '../../lib/errors.ts';
import type { Gap } from './model.ts';
import { gapProblems } from './steps.ts';

/** The field codes of completeness (completeness.ts): a step refused with these is refused for what the request lacks. */
export const GAP_CODES: ReadonlySet<string> = new Set([
  'cooperation.content_missing',
  'cooperation.content_too_short',
  'cooperation.instrument_required',
  'cooperation.instrument_unknown',
  'cooperation.type_not_provided',
  'cooperation.basis_unavailable',
  'cooperation.authority_required',
  'cooperation.justification_required',
  'cooperation.languages_required',
]);

/** A gap as the API and the CLI show it: with its message in the reader's language (which names the article). */
export interface PresentedGap {
  path: string;
  code: string;
  message: string;
  element?: string;
  label?: { es: string; en: string };
  article?: string;
  instrument?: string;
  /** For an answer too short: the fewest characters it needs. */
  min?: number;
}

/** Each gap with its message in the caller's language (which names the article). */
export function presentGaps(gaps: readonly Gap[], locale: Locale): PresentedGap[] {
  return gapsOfProblem(gapProblems(gaps), locale);
}

/** The gaps of a refused step, rebuilt from its field problems (each carries its article and instrument). */
export function gapsOfProblem(fields: readonly FieldProblem[], locale: Locale): PresentedGap[] {
  return fields.map((f) => {
    const p = f.params ?? {};
    return {
      path: f.path,
      code: f.code,
      message: fieldMessage(locale, f),
      ...(f.code === 'cooperation.content_missing' || f.code === 'cooperation.content_too_short' ? { element: f.path.replace(/^content\./, '') } : {}),
      ...(p.label_es !== undefined && p.label_en !== undefined ? { label: { es: String(p.label_es), en: String(p.label_en) } } : {}),
      ...(p.article !== undefined ? { article: String(p.article) } : {}),
      ...(p.instrument !== undefined ? { instrument: String(p.instrument) } : {}),
      ...(p.min !== undefined ? { min: Number(p.min) } : {}),
    };
  });
}
