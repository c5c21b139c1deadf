import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { seal as sealSecret, unseal as unsealSecret } from '../../lib/seal.ts';
import { generateCosignerKey, generateSignerKey } from '../../lib/tlog/note.ts';
import type { Database } from '../../storage/db/schema.ts';

export type KeyPurpose = 'log' | 'witness';

export interface NodeKey {
  id: string;
  purpose: KeyPurpose;
  name: string;
  vkey: string;
  skey: string;
}

/** Signing keys are sealed under the node's key-encryption key, bound to their id and purpose. */
export const seal = sealSecret;

export function unseal(kek: Buffer, sealedText: string, aad: string): string {
  return unsealSecret(kek, sealedText, aad, 'ledger.key_unsealable');
}

/**
 * The node's current key for a purpose, generated (and sealed) the first time it is needed.
 * Rotation retires the current key and creates a new one; see docs/ledger.md.
 */
export async function currentKey(db: Kysely<Database>, kek: Buffer, purpose: KeyPurpose, name: string, now: Date): Promise<NodeKey> {
  const row = await db
    .selectFrom('ledger_keys')
    .selectAll()
    .where('purpose', '=', purpose)
    .where('retired_at', 'is', null)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  if (row) return { id: row.id, purpose, name: row.name, vkey: row.vkey, skey: unseal(kek, row.sealed_skey, `${row.id}|${purpose}`) };
  return createKey(db, kek, purpose, name, now);
}

export async function createKey(db: Kysely<Database>, kek: Buffer, purpose: KeyPurpose, name: string, now: Date): Promise<NodeKey> {
  const id = randomUUID();
  const { skey, vkey } = purpose === 'log' ? generateSignerKey(name) : generateCosignerKey(name);
  await db
    .insertInto('ledger_keys')
    .values({ id, purpose, name, vkey, sealed_skey: seal(kek, skey, `${id}|${purpose}`), created_at: now.toISOString(), retired_at: null })
    .execute();
  return { id, purpose, name, vkey, skey };
}

/** Retires the current key of a purpose and creates its successor; both stay listed for verifiers. */
export async function rotateKey(db: Kysely<Database>, kek: Buffer, purpose: KeyPurpose, name: string, now: Date): Promise<NodeKey> {
  return db.transaction().execute(async (trx) => {
    await trx.updateTable('ledger_keys').set({ retired_at: now.toISOString() }).where('purpose', '=', purpose).where('retired_at', 'is', null).execute();
    return createKey(trx, kek, purpose, name, now);
  });
}

export async function allVerifierKeys(
  db: Kysely<Database>,
  purpose: KeyPurpose,
): Promise<Array<{ vkey: string; createdAt: string; retiredAt: string | null }>> {
  const rows = await db.selectFrom('ledger_keys').select(['vkey', 'created_at', 'retired_at']).where('purpose', '=', purpose).orderBy('created_at').execute();
  return rows.map((r) => ({ vkey: r.vkey, createdAt: r.created_at, retiredAt: r.retired_at }));
}
