import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeadlineRule } from '../knowledge/index.ts';
import { dueBucket, requestDeadlines } from './deadlines.ts';
import type { RequestState } from './lifecycle.ts';
import type { RequestRecord, RequestStep } from './model.ts';

const preservation: DeadlineRule = {
  id: 'minimum-preservation',
  kind: 'minimum',
  from: 'executed',
  provisionalFrom: 'sent',
  days: 60,
  label: { es: '60 días', en: '60 days' },
  article: '29(7)',
};
const answerIn: DeadlineRule = { id: 'answer', kind: 'maximum', from: 'received', hours: 72, label: { es: '72 h', en: '72 h' }, article: '9' };

const request = (state: RequestState, extra: Partial<RequestRecord> = {}) => ({ state, dueAt: null, answeredAt: null, ...extra }) as RequestRecord;
const steps = (...pairs: Array<[RequestState, string]>): RequestStep[] =>
  pairs.map(([to, at], i) => ({ seq: i + 1, from: null, to, actor: 'user:x', at, reason: '', grounds: [] }));

describe('request deadlines', () => {
  it('wait until their step, run provisionally from an earlier one, then from the real anchor', () => {
    assert.equal(requestDeadlines(request('draft'), [preservation], steps(['draft', '2026-01-01T00:00:00Z']), [])[0]?.status, 'waiting');
    const sent = requestDeadlines(request('sent'), [preservation], steps(['draft', '2026-01-01T00:00:00Z'], ['sent', '2026-01-02T00:00:00Z']), [])[0];
    assert.equal(sent?.dueAt, '2026-03-03T00:00:00.000Z');
    assert.equal(sent?.estimated, true);
    const executed = requestDeadlines(
      request('executed'),
      [preservation],
      steps(['draft', '2026-01-01T00:00:00Z'], ['sent', '2026-01-02T00:00:00Z'], ['executed', '2026-01-10T12:00:00Z']),
      [],
    )[0];
    assert.equal(executed?.dueAt, '2026-03-11T12:00:00.000Z');
    assert.equal(executed?.estimated, false);
    assert.equal(executed?.status, 'running');
  });

  it('count hours, and a time to answer is met once answered', () => {
    const s = steps(['received', '2026-01-01T08:00:00-05:00']);
    assert.equal(requestDeadlines(request('received'), [answerIn], s, [])[0]?.dueAt, '2026-01-04T13:00:00.000Z');
    assert.equal(requestDeadlines(request('executed'), [answerIn], s, [])[0]?.status, 'met');
  });

  it('a preservation is met by a sent follow-up, handed on by an extension, void once refused', () => {
    const s = steps(['sent', '2026-01-02T00:00:00Z']);
    assert.equal(requestDeadlines(request('sent'), [preservation], s, [{ linkKind: 'follow-up', state: 'draft', sentAt: null }])[0]?.status, 'running');
    assert.equal(
      requestDeadlines(request('sent'), [preservation], s, [{ linkKind: 'follow-up', state: 'sent', sentAt: '2026-02-01T00:00:00Z' }])[0]?.status,
      'met',
    );
    assert.equal(
      requestDeadlines(request('sent'), [preservation], s, [{ linkKind: 'extension', state: 'sent', sentAt: '2026-02-01T00:00:00Z' }])[0]?.status,
      'extended',
    );
    assert.equal(
      requestDeadlines(request('refused'), [preservation], steps(['sent', '2026-01-02T00:00:00Z'], ['refused', '2026-01-03T00:00:00Z']), [])[0]?.status,
      'void',
    );
  });

  it('count from the first entry into execution: a postponement neither stops nor restarts the clock (CETS 224 Art. 8)', () => {
    const subscriber: DeadlineRule = {
      id: 'return-subscriber-information',
      kind: 'target',
      from: 'in_execution',
      provisionalFrom: 'received',
      days: 20,
      label: { es: '20 días', en: '20 days' },
      article: '8',
    };
    const history: Array<[RequestState, string]> = [
      ['received', '2026-01-01T00:00:00Z'],
      ['in_execution', '2026-01-05T00:00:00Z'],
      ['postponed', '2026-01-10T00:00:00Z'],
      ['in_execution', '2026-02-01T00:00:00Z'],
    ];
    const first = '2026-01-25T00:00:00.000Z';
    // Each moment of the history: in execution, postponed (the clock runs on), resumed after its due date.
    for (const [n, state, status] of [
      [2, 'in_execution', 'running'],
      [3, 'postponed', 'running'],
      [4, 'in_execution', 'running'],
    ] as const) {
      const d = requestDeadlines(request(state), [subscriber], steps(...history.slice(0, n)), [])[0];
      assert.deepEqual([d?.dueAt, d?.estimated, d?.status], [first, false, status], `after ${history[n - 1]?.join(' at ')}`);
    }
    // Overdue while postponed, and still overdue after resuming: the resumption gives no new 20 days.
    assert.equal(dueBucket(first, new Date('2026-02-01T00:00:00Z')), 'overdue');
    // Answered after the resumption: met, whatever the postponement.
    const done = requestDeadlines(request('executed'), [subscriber], steps(...history, ['executed', '2026-02-03T00:00:00Z']), [])[0];
    assert.deepEqual([done?.dueAt, done?.status], [first, 'met']);
  });

  it('a user-set date runs until the request is answered', () => {
    const d = requestDeadlines(request('sent', { dueAt: '2026-01-05T10:00:00-05:00' }), [], [], []);
    assert.deepEqual([d[0]?.rule, d[0]?.dueAt, d[0]?.status], ['user-due-date', '2026-01-05T15:00:00.000Z', 'running']);
  });

  it('sorts what is due into overdue, 24 hours and 7 days', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    assert.equal(dueBucket('2025-12-31T23:59:59Z', now), 'overdue');
    assert.equal(dueBucket('2026-01-02T00:00:00Z', now), 'day');
    assert.equal(dueBucket('2026-01-08T00:00:00Z', now), 'week');
    assert.equal(dueBucket('2026-01-08T00:00:01Z', now), 'later');
  });
});
