import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import { formatCheckpoint, parseCheckpoint } from './checkpoint.ts';
import { TlogError } from './merkle.ts';

const bad = (e: unknown) => e instanceof TlogError && e.code === 'tlog.checkpoint_malformed';
// golang.org/x/mod sumdb/tlog/note_test.go golden tree note, and the tlog-checkpoint spec example.
const GO_TREE = 'go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n';
const SPEC = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';

describe('checkpoint', () => {
  it('parses golden checkpoints and formats them back byte for byte', () => {
    const go = parseCheckpoint(GO_TREE);
    assert.equal(go.size, 123456789012);
    assert.equal(go.root.toString('base64'), 'TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=');
    assert.deepEqual(go.extensions, []);
    const spec = parseCheckpoint(SPEC);
    assert.equal(spec.origin, 'example.com/behind-the-sofa');
    assert.equal(formatCheckpoint(spec), SPEC);
    const ext = formatCheckpoint({ origin: 'a.example/log', size: 0, root: Buffer.alloc(32), extensions: ['ext one', 'two'] });
    assert.equal(ext, 'a.example/log\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\next one\ntwo\n');
    assert.deepEqual(parseCheckpoint(ext).extensions, ['ext one', 'two']);
    // Clients must not assume the origin format: spaces are parsed.
    assert.equal(parseCheckpoint('my log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n').origin, 'my log');
  });

  it('rejects malformed bodies', () => {
    const root = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    for (const t of [
      `o\n1\n${root}`, // no final newline
      `o\n1\n`,
      `\n1\n${root}\n`, // empty origin
      `o\n01\n${root}\n`,
      `o\n+1\n${root}\n`,
      `o\n-1\n${root}\n`,
      `o\n1e3\n${root}\n`,
      `o\n 1\n${root}\n`,
      `o\n\n${root}\n`,
      `o\n99999999999999999999\n${root}\n`,
      `o\n1\n${root.slice(0, -2)}=\n`, // 31 bytes
      `o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n`, // non-canonical base64
      `o\n1\n${root}AAAA\n`,
      `o\n1\n${root}\n\n`, // empty extension line
      `o\n1\n${root}\r\n`,
      `o\r\n1\n${root}\n`,
    ]) {
      assert.throws(() => parseCheckpoint(t), bad, JSON.stringify(t));
    }
  });

  it('refuses to format origins that break the spec recommendations', () => {
    for (const origin of ['', 'a b', 'a+b', 'a\nb', 'a\u00a0b']) {
      assert.throws(() => formatCheckpoint({ origin, size: 1, root: Buffer.alloc(32) }), bad, origin);
    }
    assert.throws(() => formatCheckpoint({ origin: 'o', size: -1, root: Buffer.alloc(32) }), bad);
    assert.throws(() => formatCheckpoint({ origin: 'o', size: 1.5, root: Buffer.alloc(32) }), bad);
    assert.throws(() => formatCheckpoint({ origin: 'o', size: 1, root: Buffer.alloc(31) }), bad);
    assert.throws(() => formatCheckpoint({ origin: 'o', size: 1, root: Buffer.alloc(32), extensions: [''] }), bad);
    assert.throws(() => formatCheckpoint({ origin: 'o', size: 1, root: Buffer.alloc(32), extensions: ['a\nb'] }), bad);
  });
});
