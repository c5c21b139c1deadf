import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../lib/errors.ts';
import { prng } from '../../lib/tlog/testing-prng.ts';
import { allowedFrom, REQUEST_STATES, type RequestState, TRANSITIONS, transition } from './lifecycle.ts';

const GROUNDS = ['political_offence', 'sovereignty_security', 'dual_criminality'];
const code = (c: string) => (e: unknown) => e instanceof AppError && e.code === c;

describe('request lifecycle', () => {
  it('takes a request from draft to closed along the ordinary path', () => {
    let state: RequestState = 'draft';
    const path: RequestState[] = ['pending_approval', 'approved', 'sent', 'received', 'acknowledged', 'in_execution', 'executed', 'closed'];
    for (const to of path) state = transition({ from: state, to, actor: to === 'approved' ? 'user:supervisor' : 'user:fiscal', draftedBy: 'user:fiscal' });
    assert.equal(state, 'closed');
    assert.deepEqual(allowedFrom('closed'), []);
  });

  it('refuses a step the machine forbids with 409 and the allowed ones', () => {
    assert.throws(
      () => transition({ from: 'draft', to: 'sent', actor: 'user:a', draftedBy: 'user:a' }),
      (e: unknown) => e instanceof AppError && e.code === 'cooperation.transition_not_allowed' && String(e.params.allowed) === 'pending_approval, withdrawn',
    );
  });

  it('keeps four eyes: the drafter cannot approve', () => {
    assert.throws(() => transition({ from: 'pending_approval', to: 'approved', actor: 'user:a', draftedBy: 'user:a' }), code('cooperation.four_eyes'));
  });

  it('asks for reasons and for grounds the instrument provides', () => {
    assert.throws(
      () => transition({ from: 'in_execution', to: 'refused', actor: 'user:b', draftedBy: 'user:a', refusalGrounds: GROUNDS }),
      (e: unknown) => e instanceof AppError && ['reason', 'grounds'].every((p) => e.fields.some((f) => f.path === p)),
    );
    assert.throws(
      () =>
        transition({
          from: 'in_execution',
          to: 'refused',
          actor: 'user:b',
          draftedBy: 'user:a',
          reason: 'no procede',
          grounds: ['made_up'],
          refusalGrounds: GROUNDS,
        }),
      (e: unknown) => e instanceof AppError && e.fields.some((f) => f.code === 'cooperation.grounds_unknown'),
    );
    assert.equal(
      transition({
        from: 'in_execution',
        to: 'refused',
        actor: 'user:b',
        draftedBy: 'user:a',
        reason: 'no procede',
        grounds: ['dual_criminality'],
        refusalGrounds: GROUNDS,
      }),
      'refused',
    );
  });

  it('every state is reachable from draft, and closed from every state', () => {
    const reach = (from: RequestState) => {
      const seen = new Set<RequestState>([from]);
      const queue = [from];
      while (queue.length > 0) {
        for (const next of TRANSITIONS[queue.shift() as RequestState]) {
          if (seen.has(next)) continue;
          seen.add(next);
          queue.push(next);
        }
      }
      return seen;
    };
    assert.deepEqual([...reach('draft')].sort(), [...REQUEST_STATES].sort());
    for (const state of REQUEST_STATES) assert.ok(reach(state).has('closed'), `${state} can be closed`);
  });

  it('property: random sequences of attempted steps never reach a state the machine forbids', () => {
    const random = prng(20261125);
    const people = ['user:a', 'user:b', 'user:c'];
    for (let run = 0; run < 2000; run++) {
      let state: RequestState = 'draft';
      const draftedBy = people[random.int(people.length)] as string;
      const visited: RequestState[] = [state];
      for (let step = 0; step < 30; step++) {
        const to = REQUEST_STATES[random.int(REQUEST_STATES.length)] as RequestState;
        const actor = people[random.int(people.length)] as string;
        const withReason = random.next() < 0.7;
        const grounds = random.next() < 0.5 ? [GROUNDS[random.int(GROUNDS.length)] as string] : random.next() < 0.5 ? ['made_up'] : [];
        const before: RequestState = state;
        try {
          state = transition({ from: state, to, actor, draftedBy, ...(withReason ? { reason: 'motivo' } : {}), grounds, refusalGrounds: GROUNDS });
          assert.ok(TRANSITIONS[before].includes(state), `${before} → ${state} is in the table`);
          if (state === 'approved') assert.notEqual(actor, draftedBy, 'four eyes');
          if (state === 'refused') assert.ok(withReason && grounds.length > 0 && grounds.every((g) => GROUNDS.includes(g)));
          visited.push(state);
        } catch (error) {
          assert.ok(error instanceof AppError, String(error));
          assert.equal(state, before, 'a refused step changes nothing');
        }
      }
      // Checked against the rules as the product states them, not against the table itself:
      // nothing follows closed; a concluded request only closes; nothing is sent unapproved;
      // once sent, a request never returns to drafting or approval.
      const closedAt = visited.indexOf('closed');
      if (closedAt >= 0) assert.equal(closedAt, visited.length - 1);
      for (let i = 1; i < visited.length; i++) {
        const [prev, next] = [visited[i - 1] as RequestState, visited[i] as RequestState];
        if (['executed', 'partially_executed', 'refused', 'withdrawn'].includes(prev)) assert.equal(next, 'closed');
        if (next === 'sent') assert.equal(prev, 'approved');
        if (next === 'approved') assert.equal(prev, 'pending_approval');
      }
      const sentAt = visited.indexOf('sent');
      if (sentAt >= 0) assert.ok(visited.slice(sentAt).every((v) => !['draft', 'pending_approval', 'approved'].includes(v)));
    }
  });
});
