import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError } from '../../lib/errors.ts';
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

interface Sealed {
  v: 1;
  alg: 'A256GCM';
  iv: string;
  ct: string;
  tag: string;
}

/** AES-256-GCM under the node's key-encryption key; the key's id and purpose are bound as associated data. */
export function seal(kek: Buffer, secret: string, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  const sealed: Sealed = { v: 1, alg: 'A256GCM', iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
  return JSON.stringify(sealed);
}

export function unseal(kek: Buffer, sealedText: string, aad: string): string {
  try {
    const sealed = JSON.parse(sealedText) as Sealed;
    const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new AppError('ledger.key_unsealable', { message: 'cannot unseal a signing key: wrong master key or damaged key record', cause: err });
  }
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
