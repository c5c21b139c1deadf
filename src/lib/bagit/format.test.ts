import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBagInfo, formatBagInfoElement, labelProblem, parseBagInfo, valueProblem } from './bag-info.ts';
import { compareUtf8, decodeManifestPath, encodeManifestPath, relativePathProblem } from './format.ts';

describe('BagIt manifest path encoding (RFC 8493 §2.1.3)', () => {
  it('percent-encodes CR, LF and % and nothing else', () => {
    assert.equal(encodeManifestPath('data/a\tb%c\rd\ne\r\n !é'), 'data/a\tb%25c%0Dd%0Ae%0D%0A !é');
    assert.equal(encodeManifestPath('data/100%0A.txt'), 'data/100%250A.txt');
    assert.equal(encodeManifestPath('data/plain name.txt'), 'data/plain name.txt');
  });

  it('decodes %0D %0A %25 in either case, and refuses any other %', () => {
    assert.equal(decodeManifestPath('data/a%25b%0dc%0Ad%0a'), 'data/a%b\rc\nd\n');
    assert.equal(decodeManifestPath('data/100%250A.txt'), 'data/100%0A.txt');
    assert.equal(decodeManifestPath('data/%2e%2e/x'), undefined);
    assert.equal(decodeManifestPath('data/100%.csv'), undefined);
    assert.equal(decodeManifestPath('data/trailing%2'), undefined);
    for (const name of ['x', 'a%b', '%%', '\r\n%0D', 'é%25']) assert.equal(decodeManifestPath(encodeManifestPath(name)), name);
  });
});

describe('BagIt relative paths', () => {
  it('accepts ordinary relative paths, with spaces and Unicode', () => {
    for (const ok of ['a', 'photos/scene 01.jpg', 'témoignage-証拠.txt', '..hidden', 'a..b/c', '~user/x', 'line\nbreak']) {
      assert.equal(relativePathProblem(ok), undefined, ok);
    }
  });

  it('rejects anything that could leave the directory it is resolved in', () => {
    for (const bad of ['', '/etc/passwd', '../x', 'a/../../x', 'a/..', './a', 'a/./b', 'a//b', 'a/', 'a\\b', '..\\..\\x', 'C:/x', 'c:x', 'a\0b']) {
      assert.ok(relativePathProblem(bad), JSON.stringify(bad));
    }
  });

  it('orders paths by UTF-8 bytes', () => {
    const sorted = ['data/é', 'data/z', 'data/Z', 'data/😀', 'data/\uffff'].sort(compareUtf8);
    assert.deepEqual(sorted, ['data/Z', 'data/z', 'data/é', 'data/\uffff', 'data/😀']);
  });
});

describe('bag-info.txt', () => {
  it('writes label: value lines in order, with repeated labels', () => {
    assert.equal(
      formatBagInfo([
        ['Source-Organization', 'Fiscalía'],
        ['Custodia-Exhibit', 'one'],
        ['Custodia-Exhibit', 'two'],
      ]),
      'Source-Organization: Fiscalía\nCustodia-Exhibit: one\nCustodia-Exhibit: two\n',
    );
  });

  it('folds long values at spaces onto indented continuation lines, and reads them back', () => {
    const value =
      'Disk images seized under warrant 2026/118 from the premises at 14 Calle Mayor, Madrid, with hash values recorded on site by the forensic team';
    const text = formatBagInfoElement('External-Description', value);
    const lines = text.split('\n').slice(0, -1);
    assert.ok(lines.length > 1);
    assert.ok(lines.every((l) => l.length <= 79));
    assert.ok(lines.slice(1).every((l) => l.startsWith('  ')));
    assert.ok(lines[0]!.startsWith('External-Description: Disk images'));
    assert.deepEqual(parseBagInfo(text), { entries: [['External-Description', value]], problems: [] });
  });

  it('leaves a long value unfolded when it has no single space to fold at, or folding would alter it', () => {
    const long = 'x'.repeat(120);
    assert.equal(formatBagInfoElement('Hash', long), `Hash: ${long}\n`);
    const spaced = `a  ${'y'.repeat(100)}`;
    assert.equal(formatBagInfoElement('Note', spaced), `Note: ${spaced}\n`);
  });

  it('parses CR, LF and CRLF lines, tab after the colon, continuation with tabs', () => {
    const parsed = parseBagInfo('A: 1\r\nB:\t2\rC: three\n\tfour\n\nD: \n');
    assert.deepEqual(parsed.entries, [
      ['A', '1'],
      ['B', '2'],
      ['C', 'three four'],
      ['D', ''],
    ]);
    assert.deepEqual(parsed.problems, []);
  });

  it('reports malformed lines', () => {
    const parsed = parseBagInfo('  orphan continuation\nno colon here\nLabel :x\nOk: yes\nBad:novalue-space\n');
    assert.deepEqual(
      parsed.problems.map((p) => p.line),
      [1, 2, 3, 5],
    );
    assert.deepEqual(parsed.entries, [['Ok', 'yes']]);
  });

  it('checks labels and values', () => {
    assert.equal(labelProblem('Custodia-Case'), undefined);
    assert.ok(labelProblem(''));
    assert.ok(labelProblem('A:B'));
    assert.ok(labelProblem(' Lead'));
    assert.ok(labelProblem('Trail '));
    assert.equal(valueProblem('ok: fine'), undefined);
    assert.ok(valueProblem('two\nlines'));
  });
});
