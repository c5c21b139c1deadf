// Issue 15: the periods of CETS 224 Art. 8 run from the first execution of a request, not from its
// resumption. A request taken in_execution → postponed → in_execution through the real service keeps
// the due date of its first entry into execution, in the stored deadlines and in its reminders.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asActor, type Principal, systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { type EnrolledUser, enrolUser, login, ManualClock } from '../support/identity.ts';

const DAY = 86_400;
const CASE = 'CETS224-1';

for (const dialect of DIALECTS) {
  describe(`deadlines across a postponement on ${dialect}`, () => {
    const clock = new ManualClock('2026-11-24T15:00:00.000Z');
    let t: TestApp;
    let authority: EnrolledUser;
    const actor = async (user: EnrolledUser) => asActor((await t.app.identity.sessions.authenticate(await login(t.app, clock, user))) as Principal);

    before(async () => {
      t = await createTestApp({ dialect, clock });
      authority = await enrolUser(t.app, clock, { email: 'ac@pe.example', orgId: 'fiscalia', roles: ['central_authority'] });
      await t.app.cases.create(systemActor('test'), { reference: CASE, orgId: 'fiscalia', members: [authority.userId] });
    });
    after(() => t.cleanup());

    const subscriberRequest = async (a: Awaited<ReturnType<typeof actor>>) => {
      const created = await t.app.cooperation.create(a, 'fiscalia', {
        caseReference: CASE,
        direction: 'incoming',
        type: 'subscriber-information',
        instrument: 'CETS224',
        requestingState: 'ES',
        requestedState: 'PE',
        requestingAuthority: 'Fiscalía de Madrid',
        languages: ['es'],
      });
      assert.equal(created.state, 'received');
      return created.reference;
    };
    const RULE = 'return-subscriber-information';
    const POSTPONE = { to: 'postponed', reason: 'Investigación penal en curso en el Estado requerido.' };
    const weekReminders = async (a: Awaited<ReturnType<typeof actor>>, ref: string) =>
      (await t.app.cooperation.notifications.list(a, 'fiscalia')).filter(
        (n) => n.kind === 'deadline.week' && n.params.request === ref && n.params.rule === RULE,
      );

    it('counts the 20 days for subscriber information from the first entry into execution, through postponed and resumed', async () => {
      const a = await actor(authority);
      const ref = await subscriberRequest(a);
      const deadline = async () => {
        const view = await t.app.cooperation.get(a, 'fiscalia', ref);
        const d = view.deadlines.find((x) => x.rule === RULE);
        assert.ok(d, `no ${RULE} in ${view.deadlines.map((x) => x.rule).join(', ')}`);
        return { dueAt: d.dueAt, estimated: d.estimated, status: d.status };
      };

      clock.advance(DAY);
      await t.app.cooperation.step(a, 'fiscalia', ref, { to: 'in_execution' });
      const due = new Date(clock.now().getTime() + 20 * DAY * 1000).toISOString();
      assert.deepEqual(await deadline(), { dueAt: due, estimated: false, status: 'running' });

      // Postponed after 3 days: the period runs on, its due date unchanged.
      clock.advance(3 * DAY);
      await t.app.cooperation.step(a, 'fiscalia', ref, POSTPONE);
      assert.deepEqual(await deadline(), { dueAt: due, estimated: false, status: 'running' });

      // Resumed 9 days later: still the first due date, not 20 days from the resumption.
      clock.advance(9 * DAY);
      await t.app.cooperation.step(a, 'fiscalia', ref, { to: 'in_execution' });
      assert.deepEqual(await deadline(), { dueAt: due, estimated: false, status: 'running' });

      // The reminders requeued on resuming are for the first due date: the week-before one comes a day later.
      clock.advance(DAY);
      await t.app.cooperation.runDueJobs();
      assert.deepEqual(
        (await weekReminders(a, ref)).map((n) => n.params.dueAt),
        [due],
      );

      // Past it, the request is overdue though it was resumed only 8 days before.
      clock.advance(7 * DAY + 1);
      await t.app.cooperation.runDueJobs();
      const board = await t.app.cooperation.dashboard.due(a, 'fiscalia');
      assert.ok(
        board.overdue.some((d) => d.requestReference === ref && d.rule === RULE && d.dueAt === due),
        JSON.stringify(board.overdue),
      );
    });

    it('a step taken when a reminder has fallen due, before the scheduler ran it, does not lose the reminder', async () => {
      const a = await actor(authority);
      const ref = await subscriberRequest(a);
      await t.app.cooperation.step(a, 'fiscalia', ref, { to: 'in_execution' });
      const due = new Date(clock.now().getTime() + 20 * DAY * 1000).toISOString();
      // The week-before reminder falls due; within the minute before the scheduler's next run, the
      // request is postponed, which recomputes its deadlines and requeues their reminders.
      clock.advance(13 * DAY + 1);
      await t.app.cooperation.step(a, 'fiscalia', ref, POSTPONE);
      await t.app.cooperation.runDueJobs();
      assert.deepEqual(
        (await weekReminders(a, ref)).map((n) => n.params.dueAt),
        [due],
      );
      // Run again: told once only.
      await t.app.cooperation.runDueJobs();
      assert.equal((await weekReminders(a, ref)).length, 1);
    });
  });
}
