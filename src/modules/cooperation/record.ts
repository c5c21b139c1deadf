import type { Kysely } from 'kysely';
import type { Database } from '../../storage/db/schema.ts';
import type { Appended, LedgerEntryInput } from '../ledger/index.ts';
import type { CooperationDeps } from './context.ts';

export type Append = (entry: Omit<LedgerEntryInput, 'actor'>) => Promise<Appended>;

/**
 * One change and its ledger entries in one transaction, like identity's `transact`, except that an
 * entry's index is known inside the transaction: a sent version stores the index of the entry that
 * proves it, and a document prints it.
 */
export async function recordChange<T>(deps: CooperationDeps, actor: string, work: (trx: Kysely<Database>, append: Append) => Promise<T>): Promise<T> {
  const appended: Appended[] = [];
  const value = await deps.db.transaction().execute(async (trx) =>
    work(trx, async (entry) => {
      const [one] = await deps.ledger.appendWithin(trx, [{ actor, ...entry }]);
      if (!one) throw new Error('the ledger appended nothing');
      appended.push(one);
      return one;
    }),
  );
  if (appended.length > 0) deps.ledger.afterCommit(appended);
  return value;
}
