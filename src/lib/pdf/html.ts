/**
 * The same blocks a PDF is made of, as one standalone HTML page: semantic headings, lists and tables
 * with scoped headers, inline CSS only, no scripts and nothing fetched. A document rendered both ways
 * says the same thing in both. Colours meet WCAG 2.2 AA (text ≥ 4.5:1, borders ≥ 3:1).
 */
import type { PdfBlock, PdfCell } from './layout.ts';

// Escaping is repeated here rather than imported from src/http/html.ts: domain modules render
// documents through this file and may not depend on the HTTP layer (test/architecture.test.ts).
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);

const STYLE = `
body{font-family:"DejaVu Sans",system-ui,sans-serif;color:#1a1a1a;background:#fff;max-width:62rem;margin:0 auto;padding:1.5rem;line-height:1.5}
h1{font-size:1.6rem;margin:0 0 1rem}h2{font-size:1.25rem;margin:2rem 0 .5rem;padding-bottom:.2rem;border-bottom:1px solid #767676}h3{font-size:1.05rem;margin:1.25rem 0 .4rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #767676;padding:.3rem .45rem;text-align:left;vertical-align:top}
thead th{background:#e6e6e6}tbody th{background:#f2f2f2;font-weight:600;width:28%}
code,pre{font-family:"DejaVu Sans Mono",ui-monospace,monospace;font-size:.85rem;overflow-wrap:anywhere;word-break:break-all}
pre{white-space:pre-wrap;background:#f5f5f5;border:1px solid #767676;padding:.5rem .6rem}
@media print{body{max-width:none;padding:0}h2,h3{break-after:avoid}tr{break-inside:avoid}}
`.trim();

function cell(value: PdfCell | undefined, mono: boolean): string {
  const text = typeof value === 'object' ? value.text : (value ?? '');
  const isMono = typeof value === 'object' && value.mono !== undefined ? value.mono : mono;
  return isMono && text !== '' ? `<code>${escapeHtml(text)}</code>` : escapeHtml(text);
}

function block(b: PdfBlock): string {
  switch (b.kind) {
    case 'h1':
    case 'h2':
    case 'h3':
      return `<${b.kind}>${escapeHtml(b.text)}</${b.kind}>`;
    case 'p':
      return `<p>${escapeHtml(b.text).replace(/\n/g, '<br>')}</p>`;
    case 'mono':
      return `<pre><code>${escapeHtml(b.text)}</code></pre>`;
    case 'list': {
      const tag = b.ordered ? 'ol' : 'ul';
      return `<${tag}>${b.items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</${tag}>`;
    }
    case 'table': {
      const head = (b.headerRow ?? true) ? `<thead><tr>${b.columns.map((c) => `<th scope="col">${escapeHtml(c.header)}</th>`).join('')}</tr></thead>` : '';
      const rows = b.rows.map(
        (row) =>
          `<tr>${b.columns
            .map((c, i) => (i === 0 && b.rowHeaders ? `<th scope="row">${cell(row[i], c.mono ?? false)}</th>` : `<td>${cell(row[i], c.mono ?? false)}</td>`))
            .join('')}</tr>`,
      );
      return `<table>${head}<tbody>${rows.join('\n')}</tbody></table>`;
    }
  }
}

export function renderHtml(doc: { lang: string; title: string; blocks: PdfBlock[] }): string {
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(doc.lang)}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(doc.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    ...doc.blocks.map(block),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
