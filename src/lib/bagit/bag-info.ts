// bag-info.txt (RFC 8493 §2.2.2): ordered `Label: value` elements, labels may repeat, long values
// are folded onto continuation lines that start with linear whitespace.

export type BagInfoEntry = readonly [label: string, value: string];

/** Recommended maximum line length (RFC 8493 §2.2.2). */
export const BAG_INFO_LINE_WIDTH = 79;
const CONTINUATION = '  ';

/** Why `label` cannot be a bag-info label, or `undefined`. */
export function labelProblem(label: string): string | undefined {
  if (label.length === 0) return 'empty label';
  if (/[:\r\n]/.test(label)) return 'a label must not contain ":", CR or LF';
  if (/^[ \t]|[ \t]$/.test(label)) return 'a label must not start or end with whitespace';
  return undefined;
}

/** Why `value` cannot be written as a bag-info value, or `undefined`. */
export function valueProblem(value: string): string | undefined {
  if (/[\r\n]/.test(value)) return 'a value must not contain CR or LF';
  return undefined;
}

/**
 * One element, folded at single spaces so no line exceeds {@link BAG_INFO_LINE_WIDTH} where that is
 * possible. Folding replaces one space by LF plus indentation, so {@link parseBagInfo} (which joins
 * a continuation with one space) gives the value back exactly. Values with runs of whitespace,
 * tabs or leading/trailing spaces are not folded: folding would not round-trip them.
 */
export function formatBagInfoElement(label: string, value: string): string {
  const line = `${label}: ${value}`;
  if (line.length <= BAG_INFO_LINE_WIDTH || /\t| {2}|^ | $/.test(value)) return `${line}\n`;
  const words = value.split(' ');
  const lines: string[] = [];
  let current = `${label}:`;
  let first = true;
  for (const word of words) {
    const candidate = `${current} ${word}`;
    if (first || candidate.length <= BAG_INFO_LINE_WIDTH) {
      current = first ? `${label}: ${word}` : candidate;
    } else {
      lines.push(current);
      current = CONTINUATION + word;
    }
    first = false;
  }
  lines.push(current);
  return `${lines.join('\n')}\n`;
}

export function formatBagInfo(entries: readonly BagInfoEntry[]): string {
  return entries.map(([label, value]) => formatBagInfoElement(label, value)).join('');
}

export interface BagInfoParse {
  entries: Array<[string, string]>;
  problems: Array<{ line: number; detail: string }>;
}

/**
 * Reads bag-info text (lines end in LF, CR or CRLF). The value starts after the colon and one space
 * or tab; a continuation line's leading whitespace is dropped and it is joined with one space.
 * Blank lines are skipped.
 */
export function parseBagInfo(text: string): BagInfoParse {
  const entries: Array<[string, string]> = [];
  const problems: Array<{ line: number; detail: string }> = [];
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, index) => {
    const lineNo = index + 1;
    if (line.trim() === '') return;
    if (/^[ \t]/.test(line)) {
      const last = entries.at(-1);
      if (!last) {
        problems.push({ line: lineNo, detail: 'continuation line before any element' });
        return;
      }
      last[1] = `${last[1]} ${line.replace(/^[ \t]+/, '')}`;
      return;
    }
    const colon = line.indexOf(':');
    if (colon < 0) {
      problems.push({ line: lineNo, detail: 'no ":" separating label and value' });
      return;
    }
    const label = line.slice(0, colon);
    const rest = line.slice(colon + 1);
    const problem = labelProblem(label);
    if (problem) {
      problems.push({ line: lineNo, detail: problem });
      return;
    }
    if (rest !== '' && rest[0] !== ' ' && rest[0] !== '\t') {
      problems.push({ line: lineNo, detail: 'the ":" must be followed by a space or tab' });
      return;
    }
    entries.push([label, rest.slice(1)]);
  });
  return { entries, problems };
}
