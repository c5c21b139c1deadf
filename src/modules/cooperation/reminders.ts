import { randomUUID } from 'node:crypto';
import type { Job } from '../../storage/jobs/queue.ts';
import { type Actor, authorize } from '../identity/index.ts';
import { recordChange } from '../ledger/index.ts';
import type { CooperationDeps } from './context.ts';
import type { ReminderPayload } from './deadline-store.ts';

/** The job that sends a notification's e-mail copy. */
export const MAIL_JOB = 'cooperation.reminder_mail';

export interface Notification {
  id: string;
  kind: string;
  subject: string;
  params: Record<string, string>;
  createdAt: string;
  readAt: string | null;
}

/** Someone to tell by e-mail as well, when the node has SMTP configured (see config). */
export type Mailer = (to: { email: string; name: string; locale: string }, notification: Omit<Notification, 'id' | 'readAt'>) => Promise<void>;

/** A person's notifications: reminders of deadlines and escalations. */
export interface Notifications {
  /** Newest first (at most 200); with `unreadOnly`, the unread ones. */
  list(actor: Actor, orgId: string, options?: { unreadOnly?: boolean }): Promise<Notification[]>;
  markRead(actor: Actor, orgId: string, ids: readonly string[] | 'all'): Promise<void>;
}

/** The notifications, and the job handlers that create them (`remind`) and send their e-mail copies (`mail`). */
export interface Reminders extends Notifications {
  remind(job: Job): Promise<void>;
  mail(job: Job): Promise<void>;
}

/**
 * A reminder job: tells the people on the case's access list that a deadline approaches and, once it
 * has passed, escalates to the organisation's supervisors. It checks the deadline is still running
 * with the same due date, so a reminder queued before a change never fires for a stale deadline.
 */
export function createReminders(deps: CooperationDeps, mailer?: Mailer): Reminders {
  async function remind(job: Job): Promise<void> {
    const payload = job.payload as unknown as ReminderPayload;
    const d = await deps.db
      .selectFrom('coop_deadlines as d')
      .innerJoin('coop_requests as r', 'r.id', 'd.request_id')
      .innerJoin('cases as c', 'c.id', 'd.case_id')
      .select(['d.status', 'd.due_at', 'd.label', 'd.rule', 'd.case_id', 'd.org_id', 'r.reference', 'c.reference as case_reference'])
      .where('d.id', '=', payload.deadlineId)
      .executeTakeFirst();
    if (d?.status !== 'running' || d.due_at !== payload.dueAt) return;
    const team = await deps.db
      .selectFrom('case_access')
      .select('user_id')
      .where('case_id', '=', d.case_id)
      .where('org_id', '=', d.org_id)
      .where('revoked_at', 'is', null)
      .execute();
    const people = new Set(team.map((t) => t.user_id));
    if (payload.level === 'overdue') {
      const supervisors = await deps.db.selectFrom('memberships').select('user_id').where('org_id', '=', d.org_id).where('role', '=', 'supervisor').execute();
      for (const s of supervisors) people.add(s.user_id);
    }
    const label = JSON.parse(d.label) as { es: string; en: string };
    const notification = {
      kind: `deadline.${payload.level}`,
      subject: `request:${d.reference}`,
      params: { request: d.reference, case: d.case_reference, rule: d.rule, label_es: label.es, label_en: label.en, dueAt: payload.dueAt },
      createdAt: deps.clock.now().toISOString(),
    };
    // One notification per person and reminder, even if the job runs twice after a lost lease.
    const already = await deps.db
      .selectFrom('notifications')
      .select('user_id')
      .where('subject', '=', notification.subject)
      .where('kind', '=', notification.kind)
      .where('params', '=', JSON.stringify(notification.params))
      .execute();
    const told = new Set(already.map((a) => a.user_id));
    const fresh = [...people].filter((p) => !told.has(p));
    if (fresh.length === 0) return;
    const rows = fresh.map((userId) => ({
      id: randomUUID(),
      org_id: d.org_id,
      user_id: userId,
      kind: notification.kind,
      subject: notification.subject,
      params: JSON.stringify(notification.params),
      created_at: notification.createdAt,
      read_at: null,
    }));
    // The e-mail copies are jobs of their own, written with the notifications: a mail server that is
    // down delays them (with retries) without holding back the in-app reminder or losing the mail.
    await recordChange(deps, 'system:reminders', async (trx, { enqueue }) => {
      await trx.insertInto('notifications').values(rows).execute();
      if (mailer)
        await enqueue(
          notification.createdAt,
          rows.map((r) => ({ kind: MAIL_JOB, runAt: notification.createdAt, payload: { notificationId: r.id } })),
        );
    });
  }

  /** Sends one notification's e-mail copy (at least once: a retry after a lost lease may repeat it). */
  async function mail(job: Job): Promise<void> {
    if (!mailer) return;
    const id = String(job.payload.notificationId);
    const row = await deps.db
      .selectFrom('notifications as n')
      .innerJoin('users as u', 'u.id', 'n.user_id')
      .select(['n.kind', 'n.subject', 'n.params', 'n.created_at', 'u.email', 'u.name', 'u.locale'])
      .where('n.id', '=', id)
      .executeTakeFirst();
    if (!row) return;
    await mailer(
      { email: row.email, name: row.name, locale: row.locale },
      { kind: row.kind, subject: row.subject, params: JSON.parse(row.params) as Record<string, string>, createdAt: row.created_at },
    );
  }

  return {
    remind,
    mail,

    /** A person's notifications, unread first. */
    async list(actor: Actor, orgId: string, options: { unreadOnly?: boolean } = {}): Promise<Notification[]> {
      authorize(actor, 'requests.read', orgId);
      if (actor.kind !== 'principal') return [];
      let q = deps.db.selectFrom('notifications').selectAll().where('user_id', '=', actor.principal.userId).where('org_id', '=', orgId);
      if (options.unreadOnly) q = q.where('read_at', 'is', null);
      const rows = await q.orderBy('created_at', 'desc').limit(200).execute();
      return rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        subject: r.subject,
        params: JSON.parse(r.params) as Record<string, string>,
        createdAt: r.created_at,
        readAt: r.read_at,
      }));
    },

    async markRead(actor: Actor, orgId: string, ids: readonly string[] | 'all'): Promise<void> {
      authorize(actor, 'requests.read', orgId);
      if (actor.kind !== 'principal') return;
      let q = deps.db
        .updateTable('notifications')
        .set({ read_at: deps.clock.now().toISOString() })
        .where('user_id', '=', actor.principal.userId)
        .where('org_id', '=', orgId)
        .where('read_at', 'is', null);
      if (ids !== 'all') q = q.where('id', 'in', ids.length > 0 ? [...ids] : ['']);
      await q.execute();
    },
  };
}
