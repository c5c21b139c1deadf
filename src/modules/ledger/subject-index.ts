import type { Kysely } from 'kysely';
import type { DialectName } from '../../storage/db/dialect.ts';
import type { Database } from '../../storage/db/schema.ts';
import { insertRows } from './store.ts';

/**
 * Which entries name a subject (a case, an exhibit…). The index is derived from the entries, so it
 * is written in large batches rather than with every append: entries naming the same subject are
 * spread over the whole log, and indexing a few thousand at a time rewrote the same B-tree pages on
 * every commit. A progress row records how far it goes; after a crash it resumes from there by
 * reading the entries back, and a lookup first brings it up to date, so answers are never stale.
 */
export interface SubjectIndex {
  /** Entries up to this size are indexed, as far as this process knows (never ahead of the truth). */
  readonly indexedSize: number;
  /** Subjects of entries this process committed and has not indexed yet, kept to spare re-reading them. */
  remember(first: number, subjects: readonly (readonly string[])[]): void;
  /** Indexes entries below `size` (at most `limit` of them); call inside a transaction holding the sequencer lock. */
  catchUp(trx: Kysely<Database>, size: number, fresh?: { first: number; subjects: readonly (readonly string[])[] }, limit?: number): Promise<number>;
  /** After the transaction of a catch-up committed. */
  committed(size: number): void;
}

const INSERT_CHUNK = 500;
const READ_CHUNK = 10_000;
/** Past this many remembered entries, the rest are read back from the database when indexed. */
const REMEMBER_LIMIT = 1 << 20;

export async function createSubjectIndex(db: Kysely<Database>, dialect: DialectName): Promise<SubjectIndex> {
  let indexedSize = await progress(db);
  const remembered = new Map<number, readonly string[]>();

  async function subjectsOf(trx: Kysely<Database>, from: number, to: number, fresh?: { first: number; subjects: readonly (readonly string[])[] }) {
    const known = (i: number) => (fresh && i >= fresh.first && i < fresh.first + fresh.subjects.length ? fresh.subjects[i - fresh.first] : remembered.get(i));
    const rows: [string, number][] = [];
    let i = from;
    while (i < to) {
      const subjects = known(i);
      if (subjects) {
        for (const subject of new Set(subjects)) rows.push([subject, i]);
        i++;
        continue;
      }
      // Not remembered (another process appended it, or this one restarted): read a run back.
      let end = i + 1;
      while (end < to && end - i < READ_CHUNK && !known(end)) end++;
      // The subjects are in the details (the public leaf holds only their commitments); shredded entries have none.
      const entries = await trx.selectFrom('ledger_entries').select(['idx', 'details']).where('idx', '>=', i).where('idx', '<', end).orderBy('idx').execute();
      for (const row of entries) {
        if (row.details === null) continue;
        for (const subject of new Set((JSON.parse(row.details) as { subjects: string[] }).subjects)) rows.push([subject, Number(row.idx)]);
      }
      i = end;
    }
    return rows;
  }

  return {
    get indexedSize() {
      return indexedSize;
    },

    remember(first, subjects) {
      if (remembered.size + subjects.length > REMEMBER_LIMIT) return;
      for (let i = 0; i < subjects.length; i++) remembered.set(first + i, subjects[i] as readonly string[]);
    },

    async catchUp(trx, wanted, fresh, limit = Number.POSITIVE_INFINITY) {
      const from = await progress(trx);
      if (from >= wanted) return from;
      const size = Math.min(wanted, from + limit);
      const rows = await subjectsOf(trx, from, size, fresh);
      for (let j = 0; j < rows.length; j += INSERT_CHUNK)
        await insertRows(trx, dialect, 'ledger_subjects', ['subject', 'idx'], rows.slice(j, j + INSERT_CHUNK));
      await trx.updateTable('ledger_subject_progress').set({ indexed_size: size }).where('id', '=', 1).execute();
      return size;
    },

    committed(size) {
      indexedSize = Math.max(indexedSize, size);
      for (const i of remembered.keys()) if (i < indexedSize) remembered.delete(i);
    },
  };
}

async function progress(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('ledger_subject_progress').select('indexed_size').where('id', '=', 1).executeTakeFirst();
  return Number(row?.indexed_size ?? 0);
}
