import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Browser suites skip, saying why, where Chromium is not installed. */
export const skipWithoutChromium: string | false = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} not found: install it (apt-get install -y chromium) to run the browser tests`;
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown; failureSummary?: string }>;
}

/** WCAG 2.2 A/AA violations axe-core finds on the page as it is now, one readable line each. */
export async function axeViolations(page: Page, label: string): Promise<string[]> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  // page.evaluate is not subject to the page's CSP, unlike an injected <script>.
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(() =>
    (globalThis as unknown as { axe: { run(options: unknown): Promise<{ violations: unknown[] }> } }).axe
      .run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
      .then((r) => r.violations),
  )) as AxeViolation[];
  return violations.map(
    (v) => `${label}: [${v.impact}] ${v.id} — ${v.help}\n${v.nodes.map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`).join('\n')}`,
  );
}
