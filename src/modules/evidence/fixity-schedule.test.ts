import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import type { Logger } from 'pino';
import { scheduleFixity } from './fixity-schedule.ts';

describe('background fixity schedule', () => {
  it('runs a round each interval and reports mismatches at error level', async () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const errors: unknown[] = [];
      const log = { error: (o: unknown, m: string) => errors.push([o, m]), info: () => undefined } as unknown as Logger;
      let rounds = 0;
      const stop = scheduleFixity(
        async () => {
          rounds++;
          return [
            { ok: true, itemId: 'a' },
            { ok: false, itemId: 'b' },
          ];
        },
        log,
        60,
      );
      mock.timers.tick(60 * 60_000);
      await new Promise((r) => setImmediate(r));
      assert.equal(rounds, 1);
      assert.deepEqual(errors, [[{ checked: 2, mismatches: ['b'] }, 'EVIDENCE FIXITY ROUND FOUND MISMATCHES']]);
      stop();
      mock.timers.tick(120 * 60_000);
      await new Promise((r) => setImmediate(r));
      assert.equal(rounds, 1, 'stopped');
    } finally {
      mock.timers.reset();
    }
  });

  it('does nothing when turned off', () => {
    let rounds = 0;
    const stop = scheduleFixity(
      async () => {
        rounds++;
        return [];
      },
      {} as Logger,
      0,
    );
    stop();
    assert.equal(rounds, 0);
  });
});
