import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { asActor, type Principal, systemActor } from '../../src/modules/identity/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { ART_29_2_CONTENT, preservationToSpain } from '../support/cooperation.ts';
import { type EnrolledUser, enrolUser, login, ManualClock } from '../support/identity.ts';

const DAY = 86_400;

interface Received {
  to: string[];
  raw: string;
}

/** A real SMTP server on loopback (the smtp-server package), keeping what it is sent. */
async function startSmtp(options: { starttls: boolean }): Promise<{ port: number; inbox: Received[]; close(): Promise<void> }> {
  const inbox: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: options.starttls ? [] : ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, inbox, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Drafts, approves, sends and executes a preservation request; returns its reference. */
async function executedPreservation(t: TestApp, clock: ManualClock, users: { drafter: EnrolledUser; approver: EnrolledUser }): Promise<string> {
  const actor = async (user: EnrolledUser) => asActor((await t.app.identity.sessions.authenticate(await login(t.app, clock, user))) as Principal);
  await t.app.cases.create(systemActor('test'), { reference: 'MAIL-1', orgId: 'fiscalia', members: [users.drafter.userId, users.approver.userId] });
  const p = await actor(users.drafter);
  const r = await t.app.cooperation.create(p, 'fiscalia', preservationToSpain('MAIL-1'));
  await t.app.cooperation.step(p, 'fiscalia', r.reference, { to: 'pending_approval' });
  const s = await actor(users.approver);
  for (const to of ['approved', 'sent', 'received', 'in_execution', 'executed']) await t.app.cooperation.step(s, 'fiscalia', r.reference, { to });
  return r.reference;
}

describe('deadline reminders by e-mail', () => {
  describe('with SMTP configured', () => {
    const clock = new ManualClock('2026-11-24T15:00:00.000Z');
    let smtp: Awaited<ReturnType<typeof startSmtp>>;
    let t: TestApp;
    let drafter: EnrolledUser;
    let approver: EnrolledUser;

    before(async () => {
      smtp = await startSmtp({ starttls: false });
      t = await createTestApp({
        clock,
        config: {
          smtpHost: '127.0.0.1',
          smtpPort: smtp.port,
          smtpSecurity: 'none',
          smtpFrom: 'custodia@fiscalia.example',
          publicUrl: 'https://custodia.example',
        },
      });
      drafter = await enrolUser(t.app, clock, { email: 'fiscal@pe.example', orgId: 'fiscalia', roles: ['officer'] });
      approver = await enrolUser(t.app, clock, { email: 'ac@pe.example', orgId: 'fiscalia', roles: ['supervisor', 'central_authority'] });
    });
    after(async () => {
      await t.cleanup();
      await smtp.close();
    });

    it('mails the case team a week before the preservation lapses, in Spanish, with a link and no case content', async () => {
      const reference = await executedPreservation(t, clock, { drafter, approver });
      clock.advance(54 * DAY);
      await t.app.cooperation.runDueJobs(); // the reminder: notifications + their mail jobs
      await t.app.cooperation.runDueJobs(); // the mail jobs
      const recipients = smtp.inbox.flatMap((m) => m.to).sort();
      assert.deepEqual(recipients, ['ac@pe.example', 'fiscal@pe.example']);
      const mail = smtp.inbox[0]?.raw ?? '';
      assert.match(mail, /Content-Language: es/);
      assert.match(mail, new RegExp(`https://custodia.example/requests/${reference}`));
      for (const text of Object.values(ART_29_2_CONTENT)) assert.ok(!mail.includes(text.slice(0, 30)), 'no case content leaves the node by mail');
    });
  });

  describe('when the server cannot do STARTTLS', () => {
    const clock = new ManualClock('2026-11-24T15:00:00.000Z');
    let smtp: Awaited<ReturnType<typeof startSmtp>>;
    let t: TestApp;

    before(async () => {
      smtp = await startSmtp({ starttls: false });
      t = await createTestApp({
        clock,
        config: { smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpSecurity: 'starttls', smtpFrom: 'custodia@fiscalia.example' },
      });
    });
    after(async () => {
      await t.cleanup();
      await smtp.close();
    });

    it('sends nothing in clear: the mail job fails and is retried, the in-app reminder stands', async () => {
      const drafter = await enrolUser(t.app, clock, { email: 'fiscal@pe.example', orgId: 'fiscalia', roles: ['officer'] });
      const approver = await enrolUser(t.app, clock, { email: 'ac@pe.example', orgId: 'fiscalia', roles: ['supervisor', 'central_authority'] });
      await executedPreservation(t, clock, { drafter, approver });
      clock.advance(54 * DAY);
      await t.app.cooperation.runDueJobs();
      await t.app.cooperation.runDueJobs();
      assert.equal(smtp.inbox.length, 0);
      const jobs = await t.app.db.kysely.selectFrom('jobs').select(['state', 'last_error']).where('kind', '=', 'cooperation.reminder_mail').execute();
      assert.equal(jobs.length, 2);
      for (const j of jobs) {
        assert.equal(j.state, 'queued', 'retried later');
        assert.match(j.last_error ?? '', /STARTTLS/i);
      }
      const notes = await t.app.db.kysely.selectFrom('notifications').select('kind').execute();
      assert.equal(notes.length, 2);
    });
  });
});
