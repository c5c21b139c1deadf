import { type Locale, t } from '../i18n/index.ts';
import type { Citation, Explained } from '../modules/knowledge/index.ts';

/** Where a citation points, "<law>, art. <n>" or "<instrument>, art. <n>", once, then " — "; or nothing. */
function citedAt(locale: Locale, c: Citation): string {
  if (c.law) return `${c.article ? t(locale, 'legal.citation.law', { law: c.law, article: c.article }) : c.law} — `;
  if (c.instrument) return `${c.article ? t(locale, 'legal.citation.instrument', { instrument: c.instrument, article: c.article }) : c.instrument} — `;
  return '';
}

/** A curators' note is named as one, not by its working title. */
const sourceTitle = (locale: Locale, c: Citation): string => (c.tier === 'curator' ? t(locale, 'legal.source.curator') : c.sourceTitle);

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
      lines.push(
        `${indent}  [${t(locale, `confidence.${c.confidence}`)}] ${citedAt(locale, c)}${sourceTitle(locale, c)}${c.url ? ` <${c.url}>` : ''} (${c.asOf})`,
      );
    }
  }
  return lines.join('\n');
}
