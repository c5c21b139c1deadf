import type { Principal } from '../identity/index.ts';
import type { LedgerEntry, LedgerService, StoredEntry } from '../ledger/index.ts';
import type { CaseAccess, EntryDisclosure, EntryReading, Withheld } from './index.ts';

/**
 * Need-to-know for the custody ledger's details. The public log holds only blinded entries; an
 * entry's details and salt are shown to someone who may read what it is about:
 * - an entry of an organisation (`org:` subjects) only to people acting in one of them;
 * - an entry about a case only to those on the case's access list;
 * - any other entry of the organisation (sign-ins, refusals, grants of roles: security events) to
 *   its auditors, and to the person it is about;
 * - an entry that names no organisation (a knowledge-base version) to anyone signed in.
 */
export function createEntryDisclosure(access: CaseAccess, ledger: Pick<LedgerService, 'entry' | 'entriesFor'>): EntryDisclosure {
  async function decide(principal: Principal | undefined, details: LedgerEntry): Promise<Withheld | undefined> {
    if (!principal) return { reason: 'sign-in' };
    const orgs = details.subjects.filter((s) => s.startsWith('org:')).map((s) => s.slice(4));
    if (orgs.length === 0) return undefined;
    if (!orgs.includes(principal.orgId)) return { reason: 'organisation' };
    const cases = details.subjects.filter((s) => s.startsWith('case:')).map((s) => s.slice(5));
    if (cases.length > 0) {
      for (const caseId of cases) if (!(await access.canAccessCase(principal, caseId))) return { reason: 'case-access' };
      return undefined;
    }
    if (details.subjects.includes(`user:${principal.userId}`) || principal.permissions.has('audit.read')) return undefined;
    return { reason: 'auditor' };
  }

  async function read(principal: Principal | undefined, index: number): Promise<EntryReading> {
    const stored = await ledger.entry(index);
    const { entry: details, salt, ...leaf } = stored;
    if (stored.shredded || !details) return { ...leaf, withheld: { reason: 'shredded' } };
    const withheld = await decide(principal, details);
    if (withheld) return { ...leaf, withheld };
    return { ...leaf, disclosure: { details, salt } };
  }

  return {
    decide,
    read,
    async about(principal: Principal, subject: string, limit = 100): Promise<number[]> {
      // Only entries the person may read are listed: an index list is itself a disclosure.
      const indices = await ledger.entriesFor(subject, limit);
      const readable: number[] = [];
      for (const index of indices) {
        const reading = await read(principal, index);
        if (reading.disclosure) readable.push(index);
      }
      return readable;
    },
  };
}

export type { StoredEntry };
