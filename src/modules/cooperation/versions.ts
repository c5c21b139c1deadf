import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { canonicalJson } from '../../lib/canonical-json.ts';
import type { Database } from '../../storage/db/schema.ts';
import type { Append } from '../ledger/index.ts';
import type { DocumentIdentifier } from './document-model.ts';
import type { RequestRecord } from './model.ts';

/** Everything the request's document says, fixed at one version: what was sent is what is proved. */
export interface FrozenRequest {
  request: Omit<RequestRecord, 'state' | 'updatedAt' | 'sentAt' | 'answeredAt' | 'closedAt'>;
  facts: { es: string; en: string };
  identifiers: DocumentIdentifier[];
  /** Who approved it (outgoing) or registered it (incoming), with the name they had then. */
  signedBy: { id: string; name: string } | null;
  frozenAt: string;
}

export interface StoredVersion {
  version: number;
  contentHash: string;
  ledgerIndex: number | null;
  createdAt: string;
  createdBy: string;
  frozen: FrozenRequest;
}

/** What the request's document says now, from the request and its case (fixed by freezeVersionWithin). */
export async function gather(trx: Kysely<Database>, request: RequestRecord, now: string): Promise<FrozenRequest> {
  const c = await trx.selectFrom('cases').select(['summary_es', 'summary_en']).where('id', '=', request.caseId).executeTakeFirstOrThrow();
  const ids = await trx.selectFrom('case_identifiers').selectAll().where('case_id', '=', request.caseId).orderBy('added_at').orderBy('id').execute();
  const step = await trx
    .selectFrom('coop_request_steps')
    .select('actor')
    .where('request_id', '=', request.id)
    .where('to_state', '=', request.direction === 'incoming' ? 'received' : 'approved')
    .orderBy('seq', 'desc')
    .executeTakeFirst();
  const user = step?.actor.startsWith('user:')
    ? await trx.selectFrom('users').select('name').where('id', '=', step.actor.slice(5)).executeTakeFirst()
    : undefined;
  const signer = step ? { actor: step.actor, name: user?.name ?? step.actor } : undefined;
  const { state: _s, updatedAt: _u, sentAt: _t, answeredAt: _a, closedAt: _c, ...fixed } = request;
  return {
    request: fixed,
    facts: { es: c.summary_es, en: c.summary_en },
    identifiers: ids.map((i) => ({
      kind: i.kind,
      value: i.value,
      ...(i.port !== null ? { port: i.port } : {}),
      ...(i.observed_at ? { observedAt: i.observed_at } : {}),
      ...(i.time_zone ? { timeZone: i.time_zone } : {}),
    })),
    signedBy: signer ? { id: signer.actor, name: signer.name } : null,
    frozenAt: now,
  };
}

export const contentHashOf = (frozen: FrozenRequest): string => createHash('sha256').update(canonicalJson(frozen)).digest('hex');

/**
 * Fixes the request's current version, hashes it (RFC 8785 canonical JSON, SHA-256) and records the
 * ledger entry that proves it, whose index is kept with the version for the document to print.
 */
export async function freezeVersionWithin(
  trx: Kysely<Database>,
  append: Append,
  request: RequestRecord,
  by: string,
  type: string,
  data: Record<string, string | number | boolean | null>,
  now: string,
): Promise<StoredVersion> {
  const frozen = await gather(trx, request, now);
  const contentHash = contentHashOf(frozen);
  const entry = await append({
    type,
    subjects: [`request:${request.id}`, `case:${request.caseId}`, `org:${request.orgId}`],
    hashes: { content: `sha256:${contentHash}` },
    data: { ...data, version: request.version },
  });
  await trx
    .insertInto('coop_request_versions')
    .values({
      request_id: request.id,
      version: request.version,
      snapshot: JSON.stringify(frozen),
      content_hash: contentHash,
      ledger_index: entry.index,
      created_at: now,
      created_by: by,
    })
    .execute();
  return { version: request.version, contentHash, ledgerIndex: entry.index, createdAt: now, createdBy: by, frozen };
}

export async function loadVersions(db: Kysely<Database>, requestId: string): Promise<StoredVersion[]> {
  const rows = await db.selectFrom('coop_request_versions').selectAll().where('request_id', '=', requestId).orderBy('version').execute();
  return rows.map((r) => ({
    version: r.version,
    contentHash: r.content_hash,
    ledgerIndex: r.ledger_index === null ? null : Number(r.ledger_index),
    createdAt: r.created_at,
    createdBy: r.created_by,
    frozen: JSON.parse(r.snapshot) as FrozenRequest,
  }));
}
