import { type JobHandler, runDueJobs } from '../../storage/jobs/queue.ts';
import type { Actor } from '../identity/index.ts';
import type { LegalBasesAnswer, WithKbVersion } from '../knowledge/index.ts';
import { type CaseDetailsService, createCaseDetails } from './case-details.ts';
import type { CooperationDeps } from './context.ts';
import { createDashboard, type DashboardService } from './dashboard.ts';
import { REMINDER_JOB } from './deadline-store.ts';
import { createDocuments, type Documents } from './documents.ts';
import { createDrafting } from './drafting.ts';
import type { RequestRecord } from './model.ts';
import { createReminders, MAIL_JOB, type Mailer, type Notifications } from './reminders.ts';
import { createStatistics, type StatisticsService } from './statistics.ts';
import { createSteps } from './steps.ts';
import { createView, type RequestView } from './view.ts';

export type { CooperationDeps } from './context.ts';
export type { Mailer } from './reminders.ts';

/**
 * The cooperation workflow (PRODUCT.md C5): requests for mutual legal assistance, preservation and
 * disclosure between States, from the legal basis the knowledge engine suggests to the reply. This
 * module owns the case details beyond the case record (facts, identifiers, persons: `case_identifiers`,
 * `case_persons`), the requests, their steps, frozen versions and deadlines (`coop_*` tables), and
 * the notifications; it decides the request lifecycle (which step may follow which, who may take it,
 * what must be complete before approval or sending) and the deadlines that follow from the legal
 * basis. Every change is a `cooperation.*` entry in the custody ledger; reminder and mail jobs are
 * queued in the same transaction.
 */
export interface Cooperation {
  caseDetails: CaseDetailsService;
  /** The engine's ranked legal bases for a request of this type between these States (the wizard's first step). */
  suggest(input: { type?: unknown; requestingState?: unknown; requestedState?: unknown }): Promise<WithKbVersion<LegalBasesAnswer>>;
  /** A new request: outgoing ones start as drafts, incoming ones are registered as received. */
  create(actor: Actor, orgId: string, input: unknown): Promise<RequestRecord>;
  /** Edits a request: a draft in place; once sent (or registered), a new frozen version. */
  update(actor: Actor, orgId: string, reference: string, input: unknown): Promise<RequestRecord>;
  /** Moves a request one step of its lifecycle (`cooperation.invalid_transition`, `cooperation.incomplete`…). */
  step(actor: Actor, orgId: string, reference: string, input: unknown): Promise<RequestRecord>;
  get(actor: Actor, orgId: string, reference: string): Promise<RequestView>;
  /** The requests a person may see in their organisation, newest first; optionally of one case. */
  list(actor: Actor, orgId: string, filter?: { caseReference?: string; state?: string; direction?: string; limit?: number }): Promise<RequestRecord[]>;
  /** What is overdue, due within a day and within a week, for the requests this person may see. */
  dashboard: DashboardService;
  statistics: StatisticsService;
  documents: Documents;
  notifications: Notifications;
  /** Runs the reminder jobs due now; the server calls it every minute, tests with a fake clock. Returns how many ran. */
  runDueJobs(): Promise<number>;
}

export function createCooperation(deps: CooperationDeps, options: { mailer?: Mailer } = {}): Cooperation {
  const drafting = createDrafting(deps);
  const steps = createSteps(deps, drafting);
  const view = createView(deps, steps);
  const reminders = createReminders(deps, options.mailer);
  const handlers: Record<string, JobHandler> = { [REMINDER_JOB]: reminders.remind, [MAIL_JOB]: reminders.mail };
  return {
    caseDetails: createCaseDetails(deps),
    suggest: drafting.suggest,
    create: drafting.create,
    update: drafting.update,
    step: steps.step,
    get: view.get,
    list: view.list,
    dashboard: createDashboard(deps),
    statistics: createStatistics(deps),
    documents: createDocuments(deps),
    notifications: { list: reminders.list, markRead: reminders.markRead },
    runDueJobs: () => runDueJobs(deps.db, deps.clock.now(), handlers),
  };
}

export type { CaseDetails, CaseDetailsService } from './case-details.ts';
export type { Dashboard, DashboardService, DueItem } from './dashboard.ts';
export type { Locale, RequestDocument } from './document-model.ts';
export { type Documents, type RenderedDocument, verificationCode } from './documents.ts';
export { GAP_CODES, gapsOfProblem, type PresentedGap, presentGaps } from './gaps.ts';
export { REQUEST_STATES, type RequestState } from './lifecycle.ts';
export * from './model.ts';
export { documentOptions, notificationsToMark, requestFilter, statisticsRange } from './queries.ts';
export type { Notification, Notifications } from './reminders.ts';
export { type Statistics, type StatisticsService, statisticsCsv } from './statistics.ts';
export { gapProblems } from './steps.ts';
export type { RequestView } from './view.ts';
