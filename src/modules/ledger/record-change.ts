import type { Kysely } from 'kysely';
import type { Database } from '../../storage/db/schema.ts';
import { enqueueWithin, type NewJob } from '../../storage/jobs/queue.ts';
import type { LedgerEntryInput } from './entry.ts';
import type { Appended, Shredded } from './service.ts';

/** The part of the ledger a module needs to record its changes: entries inside the change's transaction. */
export interface ChangeLedger {
  /** Appends inside the caller's transaction; the entries exist if and only if it commits. */
  appendWithin(trx: Kysely<Database>, entries: LedgerEntryInput[]): Promise<Appended[]>;
  /** Publishes what a committed transaction appended (tiles, checkpoint, witnesses). */
  afterCommit(appended: Appended[]): void;
  /** Crypto-shreds, inside the caller's transaction, every entry naming a subject (see ShredRequest). */
  shredWithin(trx: Kysely<Database>, actor: string, request: ShredRequest): Promise<Shredded>;
}

/**
 * Crypto-shredding: the details and salts of every entry naming `subject` are deleted (retention
 * ended, or personal data erased under data-protection law). One `ledger.shredded` entry naming
 * `record.subjects` (what stays, e.g. the case and organisation; never the shredded subject) records
 * how many entries and why.
 */
export interface ShredRequest {
  subject: string;
  reason: 'retention' | 'data-protection';
  /** The decision behind it (a data-protection request's reference), kept in the record's details. */
  basis?: string;
  record: { subjects: string[] };
}

/** Records an entry about the change, appended (in order, in one batch) when the work is done. */
export type Audit = (entry: Omit<LedgerEntryInput, 'actor'> & { actor?: string }) => void;
/** Appends an entry at once, for a change that must know the entry's index (a sent version stores it). */
export type Append = (entry: Omit<LedgerEntryInput, 'actor'>) => Promise<Appended>;

/** What the work of a change is given beside its transaction. */
export interface Change {
  audit: Audit;
  append: Append;
  /** Queues jobs that exist if and only if the change commits (a deadline's reminders, a mail). */
  enqueue(now: string, jobs: readonly NewJob[]): Promise<void>;
  /** Crypto-shreds the entries naming a subject, those this change recorded included. */
  shred(request: ShredRequest): Promise<Shredded>;
}

/**
 * The one way every module records a change: its rows, the ledger entries describing it and the jobs
 * it needs, in one transaction. An entry is in the log if and only if the change is; a refusal thrown
 * by the work leaves nothing behind. Entries are published once the transaction has committed.
 */
export async function recordChange<T>(
  deps: { db: Kysely<Database>; ledger?: ChangeLedger | undefined },
  actor: string,
  work: (trx: Kysely<Database>, change: Change) => Promise<T>,
): Promise<T> {
  const appended: Appended[] = [];
  const ledger = (): ChangeLedger => {
    if (!deps.ledger) throw new Error('this change has no ledger to record its entries in');
    return deps.ledger;
  };
  const value = await deps.db.transaction().execute(async (trx) => {
    const pending: LedgerEntryInput[] = [];
    const change: Change = {
      audit: (entry) => {
        pending.push({ actor, ...entry });
      },
      append: async (entry) => {
        // Entries recorded earlier go first, so the log keeps the order in which the work described them.
        const batch = await ledger().appendWithin(trx, [...pending.splice(0), { actor, ...entry }]);
        const one = batch.at(-1);
        if (!one) throw new Error('the ledger appended nothing');
        appended.push(...batch);
        return one;
      },
      enqueue: (now, jobs) => enqueueWithin(trx, now, jobs),
      shred: async (request) => {
        // What the change recorded so far is appended first, so that it is shredded too when it names the subject.
        if (pending.length > 0) appended.push(...(await ledger().appendWithin(trx, pending.splice(0))));
        const shredded = await ledger().shredWithin(trx, actor, request);
        appended.push(shredded.record);
        return shredded;
      },
    };
    const result = await work(trx, change);
    if (pending.length > 0) appended.push(...(await ledger().appendWithin(trx, pending)));
    return result;
  });
  if (appended.length > 0) ledger().afterCommit(appended);
  return value;
}
