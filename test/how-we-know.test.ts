import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BEGIN, DOC_PATH, END, readSources, renderSourceList, withSourceList } from '../scripts/how-we-know.ts';
import { schema } from '../src/modules/knowledge/index.ts';

/** The (tier, id) pairs the page lists, read back from its markdown: the tier of the heading each row sits under. */
function listedOnPage(doc: string): Array<{ tier: string; id: string }> {
  const section = doc.slice(doc.indexOf(BEGIN), doc.indexOf(END));
  const out: Array<{ tier: string; id: string }> = [];
  let tier = '';
  for (const line of section.split('\n')) {
    const heading = /^### .*\(`([a-z_]+)`, \d+\)$/.exec(line);
    if (heading) tier = heading[1] ?? '';
    const row = /^\| `([^`]+)` \|/.exec(line);
    if (row) out.push({ tier, id: row[1] ?? '' });
  }
  return out;
}

describe('docs/how-we-know.md', () => {
  const doc = readFileSync(DOC_PATH, 'utf8');
  const sources = readSources();

  it('is current: regenerating its source list from kb/sources changes nothing (run node scripts/how-we-know.ts)', () => {
    assert.equal(withSourceList(doc, sources), doc);
  });

  it('lists every source of kb/sources exactly once, under the heading of its tier', () => {
    const listed = listedOnPage(doc);
    assert.ok(sources.length > 0);
    assert.deepEqual(listed.map((l) => `${l.tier} ${l.id}`).sort(), sources.map((s) => `${s.tier} ${s.id}`).sort());
  });

  it('orders the tiers as the schema ranks them, strongest first', () => {
    const order = [...new Set(listedOnPage(doc).map((l) => l.tier))];
    const ranked = schema.SOURCE_TIERS.filter((t) => order.includes(t));
    assert.deepEqual(order, ranked);
  });

  it('renders a new source under its tier and refuses a malformed one instead of skipping it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'how-we-know-'));
    try {
      const extra = { id: 'test-gazette', tier: 'gazette', title: 'A | piped title', publisher: 'P', url: 'https://example.org/x', retrieved: '2026-12-07' };
      writeFileSync(join(dir, 'a.json'), JSON.stringify([extra]));
      const rendered = renderSourceList(readSources(dir));
      assert.match(rendered, /### Official gazette \(`gazette`, 1\)/);
      assert.ok(rendered.includes('| `test-gazette` | A \\| piped title | P | <https://example.org/x> |  |'));
      writeFileSync(join(dir, 'b.json'), JSON.stringify([{ id: 'no-url', tier: 'news', title: 'T', publisher: 'P', retrieved: '2026-12-07' }]));
      assert.throws(() => readSources(dir), /b\.json\[0\]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
