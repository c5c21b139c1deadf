import { type Locale, t } from '../i18n/index.ts';
import type { Explained } from '../modules/knowledge/index.ts';

/** Human rendering of an engine answer: the reasoning, then warnings, then the sources cited. */
export function formatExplained(locale: Locale, answer: Explained, indent = ''): string {
  const lines: string[] = [];
  for (const step of answer.explanation) lines.push(`${indent}- ${t(locale, `step.${step.code}`, step.params)}`);
  if (answer.warnings.length > 0) {
    lines.push(`${indent}${t(locale, 'answer.warnings')}:`);
    for (const w of answer.warnings) lines.push(`${indent}  ! ${t(locale, `warning.${w.code}`, w.params)}`);
  }
  if (answer.citations.length > 0) {
    lines.push(`${indent}${t(locale, 'answer.citations')}:`);
    for (const c of answer.citations) {
      const where = [c.instrument, c.article ? `art. ${c.article}` : ''].filter(Boolean).join(' ');
      lines.push(
        `${indent}  [${t(locale, `confidence.${c.confidence}`)}] ${where ? `${where} — ` : ''}${c.sourceTitle}${c.url ? ` <${c.url}>` : ''} (${c.asOf})`,
      );
    }
  }
  return lines.join('\n');
}
