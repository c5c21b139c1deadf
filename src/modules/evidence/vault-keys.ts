import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { generateIdentity } from '../../lib/age/age.ts';
import { seal, unseal } from '../../lib/seal.ts';
import type { Database } from '../../storage/db/schema.ts';

export interface VaultKeys {
  /** The current key's recipient: new blobs are encrypted to it. */
  recipients: string[];
  /** Every key ever used, newest first: old blobs stay readable after a rotation. */
  identities: string[];
}

const aad = (id: string) => `vault-key|${id}`;

/**
 * The vault's X25519 keys (age identities), sealed under the node's key-encryption key like the
 * ledger's signing keys; generated the first time the vault is used.
 */
export async function loadVaultKeys(db: Kysely<Database>, kek: Buffer, now: Date): Promise<VaultKeys> {
  let rows = await db.selectFrom('vault_keys').selectAll().orderBy('created_at', 'desc').execute();
  if (rows.length === 0) {
    await createVaultKey(db, kek, now);
    rows = await db.selectFrom('vault_keys').selectAll().orderBy('created_at', 'desc').execute();
  }
  const current = rows.filter((r) => r.retired_at === null);
  return {
    recipients: current.slice(0, 1).map((r) => r.recipient),
    identities: rows.map((r) => unseal(kek, r.sealed_identity, aad(r.id), 'evidence.vault_key_unsealable')),
  };
}

async function createVaultKey(db: Kysely<Database>, kek: Buffer, now: Date): Promise<void> {
  const id = randomUUID();
  const { identity, recipient } = generateIdentity();
  await db
    .insertInto('vault_keys')
    .values({ id, recipient, sealed_identity: seal(kek, identity, aad(id)), created_at: now.toISOString(), retired_at: null })
    .execute();
}

/**
 * Retires the current key and makes a new one. Existing blobs keep their header (their file key is
 * wrapped to the old key, which stays); new blobs use the new key. See docs/evidence.md.
 */
export async function rotateVaultKey(db: Kysely<Database>, kek: Buffer, now: Date): Promise<VaultKeys> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('vault_keys').set({ retired_at: now.toISOString() }).where('retired_at', 'is', null).execute();
    await createVaultKey(trx, kek, now);
  });
  return loadVaultKeys(db, kek, now);
}
