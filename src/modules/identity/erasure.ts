import { z } from 'zod';
import { AppError } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { recordChange } from '../ledger/index.ts';
import { type Actor, actorId, authorize, type IdentityDeps, requireFreshAuthentication } from './context.ts';
import { OPERATOR_ORGANISATION } from './roles.ts';

/** What an erasure did: the person's id, how many ledger entries were crypto-shredded, and the entry recording it. */
export interface Erasure {
  userId: string;
  shredded: number;
  recordIndex: number;
}

const ErasureInput = z.object({
  email: z.string().trim().toLowerCase().email().max(254),
  /** The decision behind it (a data-protection request, its reference), kept in the access-controlled record. */
  basis: z.string().trim().min(3).max(500),
});

/**
 * Erasure of a person's data under data-protection law, by the node's operator (the controller):
 * every ledger entry about the person is crypto-shredded (details and salts deleted; the log stays
 * consistent and holds nothing linkable to them), and the account is stripped of what identifies
 * them (e-mail, name, secrets, sessions, tokens, passkeys). Someone still in an organisation is
 * refused: their memberships go first, so that no active account loses its security record.
 */
export async function erasePersonalData(deps: IdentityDeps, actor: Actor, input: unknown): Promise<Erasure> {
  authorize(actor, 'ledger.erase', undefined);
  requireFreshAuthentication(actor, deps.clock.now());
  const wanted = parseInput(ErasureInput, input);
  const user = await deps.db.selectFrom('users').select(['id']).where('email', '=', wanted.email).executeTakeFirst();
  if (!user)
    throw new AppError('not_found', { message: `no person with the e-mail ${wanted.email}`, fields: [{ path: 'email', code: 'identity.user_unknown' }] });
  const memberships = await deps.db.selectFrom('memberships').select('org_id').distinct().where('user_id', '=', user.id).execute();
  if (memberships.length > 0) {
    throw new AppError('identity.erasure_member', {
      message: `remove this person from ${memberships.map((m) => m.org_id).join(', ')} first`,
      params: { organisations: memberships.map((m) => m.org_id).join(', ') },
      fields: [{ path: 'email', code: 'identity.erasure_member' }],
    });
  }
  return recordChange(deps, actorId(actor), async (trx, { shred }) => {
    const shredded = await shred({
      subject: `user:${user.id}`,
      reason: 'data-protection',
      basis: wanted.basis,
      record: { subjects: [`org:${OPERATOR_ORGANISATION}`] },
    });
    for (const table of ['sessions', 'api_tokens', 'passkeys', 'recovery_codes', 'enrolments', 'login_challenges'] as const)
      await trx.deleteFrom(table).where('user_id', '=', user.id).execute();
    await trx
      .updateTable('users')
      .set({ email: `erased-${user.id}@erased.invalid`, name: '—', password_hash: null, totp_secret: null, status: 'disabled' })
      .where('id', '=', user.id)
      .execute();
    return { userId: user.id, shredded: shredded.count, recordIndex: shredded.record.index };
  });
}
