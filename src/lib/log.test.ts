import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, maskUrl } from './log.ts';

describe('logging', () => {
  it('never writes secrets, cookies or authorisation headers', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger('info', sink);
    log.info({ password: 'hunter2', user: { token: 'abc123' }, req: { headers: { authorization: 'Bearer s3cr3t', cookie: 'sid=42' } } }, 'login');
    const out = lines.join('');
    for (const secret of ['hunter2', 'abc123', 's3cr3t', 'sid=42']) assert.doesNotMatch(out, new RegExp(secret));
    assert.match(out, /\[redacted\]/);
  });

  it('masks the password of a database URL', () => {
    assert.equal(maskUrl('postgres://custodia:pa55@db:5432/custodia'), 'postgres://custodia:***@db:5432/custodia');
  });
});
