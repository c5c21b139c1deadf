import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isoWithOffset } from './time.ts';

describe('instants with time zones', () => {
  it('shows the local wall-clock time with its offset, denoting the same instant', () => {
    const at = new Date('2026-11-25T03:30:05.042Z');
    assert.equal(isoWithOffset(at, 'America/Lima'), '2026-11-24T22:30:05.042-05:00');
    assert.equal(isoWithOffset(at, 'Europe/Madrid'), '2026-11-25T04:30:05.042+01:00');
    assert.equal(isoWithOffset(at, 'UTC'), '2026-11-25T03:30:05.042Z');
    assert.equal(new Date(isoWithOffset(at, 'America/Lima')).getTime(), at.getTime());
  });
});
