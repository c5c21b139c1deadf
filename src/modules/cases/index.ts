import type { Kysely } from 'kysely';
import type { Database } from '../../storage/db/schema.ts';
import type { Actor, Permission, Principal } from '../identity/index.ts';
import type { Audit, LedgerEntry, LedgerService, StoredEntry } from '../ledger/index.ts';
import { createCaseAccess } from './access.ts';
import type { CasesDeps } from './context.ts';
import { createEntryDisclosure } from './entry-disclosure.ts';
import { createCaseRecords } from './records.ts';

/**
 * Cases: the case record that requests and evidence hang on (its reference, organisation and title)
 * and need-to-know, the access list of each case. This module owns the `cases` and `case_access`
 * tables and the one access decision every case-bearing module makes: a person sees a case only with
 * the permission in its organisation and a place on its access list; anyone else is told it does not
 * exist. Other modules ask it (`require`, `access.canAccessCase`) or filter their lists with
 * `onAccessList`; none reads those tables on its own.
 */
export interface Cases {
  create(actor: Actor, input: unknown): Promise<CaseRecord>;
  list(actor: Actor, orgId: string): Promise<CaseRecord[]>;
  byReference(actor: Actor, orgId: string, reference: string): Promise<CaseRecord>;
  /** The permission in the case's organisation and the person on its access list; else `not_found`. */
  require(actor: Actor, permission: Permission, orgId: string, reference: string): Promise<CaseRecord>;
  access: CaseAccess;
  /** Need-to-know for the custody ledger: whose eyes an entry's details are for. */
  ledgerEntries: EntryDisclosure;
}

/** Who may read the details of a custody-ledger entry (the public log holds only its blinded form). */
export interface EntryDisclosure {
  /** Undefined when `principal` may read these details; else what is missing. */
  decide(principal: Principal | undefined, details: LedgerEntry): Promise<Withheld | undefined>;
  /** An entry as `principal` may see it: always its public leaf; its details and salt only on a need to know. */
  read(principal: Principal | undefined, index: number): Promise<EntryReading>;
  /** The indices of entries about `subject` that `principal` may read, oldest first. */
  about(principal: Principal, subject: string, limit?: number): Promise<number[]>;
}

/**
 * Why details are not shown, so that the person is told what is missing and who has it: sign in;
 * act in the entry's organisation; be on the case's access list (its supervisors and the
 * organisation's admins grant it); hold the auditor role (the organisation's admins give it); or
 * the details were crypto-shredded and no longer exist.
 */
export interface Withheld {
  reason: 'sign-in' | 'organisation' | 'case-access' | 'auditor' | 'shredded';
}

export type EntryReading = Omit<StoredEntry, 'entry' | 'salt'> & {
  disclosure?: { details: LedgerEntry; salt: Buffer | undefined };
  withheld?: Withheld;
};

/** Who may see a case, each grant with its reason; every change is in the custody ledger. */
export interface CaseAccess {
  /** The first grants of a new case, in the transaction that creates it. */
  grantWithin(
    trx: Kysely<Database>,
    audit: Audit,
    grant: { caseId: string; orgId: string; userId: string; reason: string; grantedBy: string },
  ): Promise<CaseAccessGrant>;
  grant(actor: Actor, orgId: string, input: unknown): Promise<CaseAccessGrant>;
  revoke(actor: Actor, orgId: string, caseId: string, grantId: string): Promise<void>;
  list(actor: Actor, orgId: string, caseId: string): Promise<CaseAccessGrant[]>;
  canAccessCase(principal: Principal, caseId: string): Promise<boolean>;
  /** Like canAccessCase, but refuses as `not_found`, so that the case's existence does not leak. */
  requireCaseAccess(principal: Principal, caseId: string): Promise<void>;
}

export interface CaseRecord {
  id: string;
  reference: string;
  orgId: string;
  title: string;
  createdAt: string;
  createdBy: string;
}

export interface CaseAccessGrant {
  id: string;
  caseId: string;
  orgId: string;
  userId: string;
  reason: string;
  grantedBy: string;
  grantedAt: string;
  revokedAt: string | null;
}

export { onAccessList } from './access-list.ts';
export type { CasesDeps } from './context.ts';

export function createCases(deps: CasesDeps & { ledgerReader: Pick<LedgerService, 'entry' | 'entriesFor'> }): Cases {
  const access = createCaseAccess(deps);
  return { ...createCaseRecords(deps, access), access, ledgerEntries: createEntryDisclosure(access, deps.ledgerReader) };
}
