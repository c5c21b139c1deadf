import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { AppError } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import type { Database } from '../../storage/db/schema.ts';
import { type Actor, actorId, authorize, type Permission, requireFreshAuthentication } from '../identity/index.ts';
import { recordChange } from '../ledger/index.ts';
import { onAccessList } from './access-list.ts';
import type { CasesDeps } from './context.ts';
import type { CaseAccess, CaseRecord, Cases } from './index.ts';

const NewCase = z.object({
  reference: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/, 'letters, digits and . _ : / -, up to 100'),
  orgId: z.string().trim().min(2).max(63),
  title: z.string().trim().max(300).default(''),
  /** People of the organisation put on the case's access list with it (by user id). */
  members: z.array(z.string().uuid()).max(50).default([]),
});

type CaseRow = Database['cases'];

const toRecord = (r: Pick<CaseRow, 'id' | 'reference' | 'org_id' | 'title' | 'created_at' | 'created_by'>): CaseRecord => ({
  id: r.id,
  reference: r.reference,
  orgId: r.org_id,
  title: r.title,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

const findByReference = (db: Kysely<Database>, orgId: string, reference: string) =>
  db.selectFrom('cases').selectAll().where('org_id', '=', orgId).where('reference', '=', reference).executeTakeFirst();

/**
 * The case record every case-bearing module hangs on. A case is created together with its first
 * access grants: it never exists unseen by everyone.
 */
export function createCaseRecords(deps: CasesDeps, access: CaseAccess): Omit<Cases, 'access' | 'ledgerEntries'> {
  const { db } = deps;

  /** One case by reference, for someone on its access list; anyone else is told it does not exist. */
  async function byReference(actor: Actor, orgId: string, reference: string): Promise<CaseRecord> {
    const row = await findByReference(db, orgId, reference);
    if (!row) throw new AppError('not_found', { message: `no case ${reference}` });
    if (actor.kind === 'principal') await access.requireCaseAccess(actor.principal, row.id);
    return toRecord(row);
  }

  return {
    async create(actor: Actor, input: unknown): Promise<CaseRecord> {
      const wanted = parseInput(NewCase, input, '', 'cooperation');
      authorize(actor, 'cases.create', wanted.orgId);
      requireFreshAuthentication(actor, deps.clock.now());
      if (!(await deps.identity.directory.organisation(wanted.orgId))) {
        throw new AppError('validation.failed', {
          message: `no organisation ${wanted.orgId}`,
          fields: [{ path: 'orgId', code: 'identity.organisation_unknown' }],
        });
      }
      const people = new Set(wanted.members);
      if (actor.kind === 'principal') people.add(actor.principal.userId);
      if (people.size === 0) {
        throw new AppError('validation.failed', {
          message: 'a case needs at least one person on its access list',
          fields: [{ path: 'members', code: 'cooperation.case_unseen' }],
        });
      }
      const roles = await Promise.all([...people].map((p) => deps.identity.directory.rolesOf(p, wanted.orgId)));
      if (roles.some((r) => r.length === 0)) {
        throw new AppError('validation.failed', {
          message: 'access is granted to members of the organisation',
          fields: [{ path: 'members', code: 'identity.not_a_member' }],
        });
      }
      const record: CaseRecord = {
        id: randomUUID(),
        reference: wanted.reference,
        orgId: wanted.orgId,
        title: wanted.title,
        createdAt: deps.clock.now().toISOString(),
        createdBy: actorId(actor),
      };
      await recordChange(deps, actorId(actor), async (trx, { audit }) => {
        if (await findByReference(trx, record.orgId, record.reference))
          throw new AppError('cooperation.case_exists', {
            message: `case ${record.reference} exists in ${record.orgId}`,
            fields: [{ path: 'reference', code: 'cooperation.case_exists' }],
          });
        await trx
          .insertInto('cases')
          .values({
            id: record.id,
            reference: record.reference,
            org_id: record.orgId,
            title: record.title,
            created_at: record.createdAt,
            created_by: record.createdBy,
          })
          .execute();
        audit({ type: 'cooperation.case_created', subjects: [`case:${record.id}`, `org:${record.orgId}`], data: { reference: record.reference } });
        for (const userId of people) {
          await access.grantWithin(trx, audit, { caseId: record.id, orgId: record.orgId, userId, reason: 'case opened', grantedBy: record.createdBy });
        }
      });
      return record;
    },

    /** The cases of an organisation that the asker may see (the shell operator sees them all). */
    async list(actor: Actor, orgId: string): Promise<CaseRecord[]> {
      if (actor.kind === 'principal' && actor.principal.orgId !== orgId)
        throw new AppError('forbidden', { message: `you act in ${actor.principal.orgId}, not in ${orgId}` });
      let q = db.selectFrom('cases').selectAll('cases').where('cases.org_id', '=', orgId);
      if (actor.kind === 'principal') q = q.where(onAccessList('cases.id', actor.principal.userId, orgId));
      return (await q.orderBy('cases.created_at', 'desc').execute()).map(toRecord);
    },

    byReference,

    /** The permission in the case's organisation and the person on its access list; else "no such case". */
    async require(actor: Actor, permission: Permission, orgId: string, reference: string): Promise<CaseRecord> {
      authorize(actor, permission, orgId);
      return byReference(actor, orgId, reference);
    },
  };
}
