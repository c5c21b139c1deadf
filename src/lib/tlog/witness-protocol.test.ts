import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import { TlogError } from './merkle.ts';
import { formatAddCheckpoint, formatTlogSize, parseAddCheckpoint, parseTlogSize } from './witness-protocol.ts';

const bad = (e: unknown) => e instanceof TlogError && e.code === 'tlog.bad_request';
// The example request body of c2sp.org/tlog-witness.
const SPEC_BODY = `old 20852014
PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
— example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=
`;

describe('tlog-witness add-checkpoint', () => {
  it('parses the spec example and formats it back', () => {
    const req = parseAddCheckpoint(SPEC_BODY);
    assert.equal(req.oldSize, 20852014);
    assert.equal(req.proof.length, 4);
    assert.ok(req.checkpointNote.startsWith('example.com/behind-the-sofa\n20852163\n'));
    assert.equal(formatAddCheckpoint(req), SPEC_BODY);
  });

  it('round-trips 0 and 63 proof lines', () => {
    const note = 'o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— o AAAAAAA=\n';
    const zero = formatAddCheckpoint({ oldSize: 0, proof: [], checkpointNote: note });
    assert.equal(zero, `old 0\n\n${note}`);
    assert.deepEqual(parseAddCheckpoint(zero), { oldSize: 0, proof: [], checkpointNote: note });
    const proof = Array.from({ length: 63 }, (_, i) => Buffer.alloc(32, i));
    const body = formatAddCheckpoint({ oldSize: 5, proof, checkpointNote: note });
    assert.deepEqual(parseAddCheckpoint(body).proof, proof);
    assert.throws(() => formatAddCheckpoint({ oldSize: 5, proof: [...proof, Buffer.alloc(32)], checkpointNote: note }), bad);
    const tooMany = body.replace('\n\n', `\n${Buffer.alloc(32).toString('base64')}\n\n`);
    assert.throws(() => parseAddCheckpoint(tooMany), bad);
  });

  it('rejects malformed bodies', () => {
    const h = Buffer.alloc(32, 1).toString('base64');
    const note = 'o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— o AAAAAAA=\n';
    for (const b of [
      `old 1\n${h}\n${note}`, // no blank line
      `old 1\n${h}\n\n\n${note}`, // two blank lines
      `old 01\n${h}\n\n${note}`,
      `old -1\n\n${note}`,
      `old  1\n\n${note}`,
      `Old 1\n\n${note}`,
      `old 1`,
      `old 1\n${h}`,
      `old 1\n${h.slice(0, -2)}=\n\n${note}`, // 31 bytes... (43 chars base64 → invalid)
      `old 1\n${Buffer.alloc(33).toString('base64')}\n\n${note}`,
      `old 1\n${h} \n\n${note}`,
      `old 0\n${h}\n\n${note}`, // proof must be empty when old size is zero
      `old 1\n${h}\n\n`, // no checkpoint
      `old 1\n${h}\n\n${note.slice(0, -1)}`, // checkpoint without final newline
    ]) {
      assert.throws(() => parseAddCheckpoint(b), bad, JSON.stringify(b));
    }
  });

  it('formats and parses the 409 size body', () => {
    assert.equal(formatTlogSize(20852163), '20852163\n');
    assert.equal(parseTlogSize('0\n'), 0);
    for (const b of ['01\n', '1', ' 1\n', '\n']) assert.throws(() => parseTlogSize(b), bad);
  });
});
