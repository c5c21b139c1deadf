import { type JobHandler, runDueJobs } from '../../storage/jobs/queue.ts';
import { createCaseDetails } from './case-details.ts';
import type { CooperationDeps } from './context.ts';
import { createDashboard } from './dashboard.ts';
import { REMINDER_JOB } from './deadline-store.ts';
import { createDocuments } from './documents.ts';
import { createDrafting } from './drafting.ts';
import { createReminders, MAIL_JOB, type Mailer } from './reminders.ts';
import { createStatistics } from './statistics.ts';
import { createSteps } from './steps.ts';
import { createView } from './view.ts';

export { type CaseRecord, type Cases, createCases } from './cases.ts';
export type { CooperationDeps } from './context.ts';
export type { Mailer } from './reminders.ts';

/** The cooperation workflow (PRODUCT.md C5): cases, requests, deadlines, documents, statistics. */
export function createCooperation(deps: CooperationDeps, options: { mailer?: Mailer } = {}) {
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
    /** Runs the reminder jobs due now; the server calls it every minute, tests with a fake clock. */
    runDueJobs: () => runDueJobs(deps.db, deps.clock.now(), handlers),
  };
}

export type Cooperation = ReturnType<typeof createCooperation>;
export { GAP_CODES, gapsOfProblem, type PresentedGap, presentGaps } from './gaps.ts';
export { REQUEST_STATES } from './lifecycle.ts';
export { DEADLINE_STATUSES, DIRECTIONS, LINK_KINDS, REQUEST_TYPES, type RequestRecord, URGENCIES } from './model.ts';
export { documentOptions, notificationsToMark, requestFilter, statisticsRange } from './queries.ts';
export { statisticsCsv } from './statistics.ts';
export type { RequestView } from './view.ts';
