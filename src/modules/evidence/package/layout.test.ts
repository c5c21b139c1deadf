import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relativePathProblem } from '../../../lib/bagit/format.ts';
import { disclosureIndexOf, disclosurePath, parseExhibitInfoValue, planPayloadPaths, proofIndexOf, proofPath, safeSegment } from './layout.ts';

describe('package layout', () => {
  it('turns names into safe single path segments', () => {
    const cases: Array<[string, string]> = [
      ['disk image.dd', 'disk image.dd'],
      ['PE:2026/002', 'PE_2026_002'],
      ['a\\b/c', 'a_b_c'],
      ['..', 'fallback'],
      ['../../etc/passwd', '_._etc_passwd'],
      ['.bashrc', 'bashrc'],
      ['...', 'fallback'],
      ['name. ', 'name'],
      ['  ', 'fallback'],
      ['CON', '_CON'],
      ['nul.txt', '_nul.txt'],
      ['inv\u202Etxt.exe', 'inv_txt.exe'],
      ['line\nbreak', 'line_break'],
      ['declaración.pdf', 'declaración.pdf'],
      ['e\u0301', 'é'],
    ];
    for (const [name, expected] of cases) {
      const got = safeSegment(name, 'fallback');
      assert.equal(got, expected, JSON.stringify(name));
      assert.equal(relativePathProblem(got), undefined, got);
      assert.ok(!got.includes('/') && !got.startsWith('.'), got);
    }
  });

  it('shortens long names on a character boundary, keeping the extension', () => {
    const got = safeSegment(`${'ñ'.repeat(200)}.img`, 'x');
    assert.ok(Buffer.byteLength(got) <= 150);
    assert.match(got, /^ñ+\.img$/);
  });

  it('plans unique payload paths, ignoring case, with .age when encrypted', () => {
    const items = [
      { exhibit: 'EXH-1', fileName: 'a.img' },
      { exhibit: 'exh-1', fileName: '' },
      { exhibit: 'EXH:1', fileName: '..' },
      { exhibit: 'EXH/1', fileName: 'b' },
    ];
    assert.deepEqual(planPayloadPaths(items, false), ['EXH-1/a.img', 'exh-1-2/exh-1.bin', 'EXH_1/EXH_1.bin', 'EXH_1-2/b']);
    assert.deepEqual(planPayloadPaths(items.slice(0, 1), true), ['EXH-1/a.img.age']);
  });

  it('names proofs by ledger index and reads exhibit lines back', () => {
    assert.equal(proofPath(42), 'custody/proofs/42.tlog-proof');
    assert.equal(proofIndexOf('custody/proofs/42.tlog-proof'), 42);
    for (const bad of ['custody/proofs/042.tlog-proof', 'custody/proofs/-1.tlog-proof', 'custody/proofs/1.txt', 'custody/1.tlog-proof']) {
      assert.equal(proofIndexOf(bad), undefined, bad);
    }
    assert.equal(disclosureIndexOf(disclosurePath(42)), 42);
    for (const bad of ['custody/disclosures/042.json', 'custody/disclosures/1.tlog-proof', 'custody/disclosures/x.json', 'custody/42.json']) {
      assert.equal(disclosureIndexOf(bad), undefined, bad);
    }
    const sha = 'ab'.repeat(32);
    assert.deepEqual(parseExhibitInfoValue(`PE:2026/002 sha256:${sha}`), { exhibit: 'PE:2026/002', sha256: sha });
    assert.equal(parseExhibitInfoValue(`EXH-1 sha256:${sha.toUpperCase()}`), undefined);
  });
});
