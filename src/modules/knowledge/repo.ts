import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { startsWith } from '../../storage/db/like.ts';
import type { Database } from '../../storage/db/schema.ts';
import type { KbRecord } from './records.ts';

export interface KbVersion {
  id: string;
  seq: number;
  kind: string;
  dataHash: string;
  label: string;
  recordCount: number;
  addedCount: number;
  retiredCount: number;
  importedAt: string;
  importedBy: string;
}

export interface StoredRecord {
  kind: string;
  key: string;
  data: unknown;
  versionId: string;
  retiredVersionId: string | null;
  recordedOn: string;
}

const INSERT_CHUNK = 200;

/**
 * Writes one import as a new version, inside the caller's transaction: nothing is half-imported. Rows are never
 * deleted or rewritten; a record that is no longer current only gets the id of the version that
 * retired it, so the history of every claim stays readable.
 */
export async function writeVersionWithin(
  trx: Kysely<Database>,
  input: {
    kind: 'dataset' | 'status-csv';
    label: string;
    actor: string;
    dataHash: string;
    records: KbRecord[];
    /** dataset: the new set replaces what earlier dataset imports put in; status-csv: only adds. */
    replace: boolean;
    now: Date;
  },
): Promise<KbVersion> {
  const versionId = randomUUID();
  const last = await trx
    .selectFrom('kb_versions')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  const seq = Number(last?.seq ?? 0) + 1;
  const current = await trx
    .selectFrom('kb_records')
    .innerJoin('kb_versions', 'kb_versions.id', 'kb_records.version_id')
    .select(['kb_records.id', 'kb_records.kind', 'kb_records.key', 'kb_records.content_hash', 'kb_versions.kind as origin'])
    .where('kb_records.retired_version_id', 'is', null)
    .execute();
  const incoming = new Map(input.records.map((r) => [`${r.kind}\u0000${r.key}`, r]));
  const currentByKey = new Map(current.map((c) => [`${c.kind}\u0000${c.key}`, c]));

  const retire: string[] = [];
  for (const c of current) {
    const next = incoming.get(`${c.kind}\u0000${c.key}`);
    if (next ? next.contentHash !== c.content_hash : input.replace && c.origin === 'dataset') retire.push(c.id);
  }
  const add = input.records.filter((r) => currentByKey.get(`${r.kind}\u0000${r.key}`)?.content_hash !== r.contentHash);

  await trx
    .insertInto('kb_versions')
    .values({
      id: versionId,
      seq,
      kind: input.kind,
      data_hash: input.dataHash,
      label: input.label,
      record_count: input.records.length,
      added_count: add.length,
      retired_count: retire.length,
      imported_at: input.now.toISOString(),
      imported_by: input.actor,
    })
    .execute();
  for (let i = 0; i < retire.length; i += INSERT_CHUNK) {
    await trx
      .updateTable('kb_records')
      .set({ retired_version_id: versionId })
      .where('id', 'in', retire.slice(i, i + INSERT_CHUNK))
      .execute();
  }
  const recordedOn = input.now.toISOString().slice(0, 10);
  for (let i = 0; i < add.length; i += INSERT_CHUNK) {
    await trx
      .insertInto('kb_records')
      .values(
        add.slice(i, i + INSERT_CHUNK).map((r) => ({
          id: randomUUID(),
          kind: r.kind,
          key: r.key,
          content_hash: r.contentHash,
          data: JSON.stringify(r.data),
          source_id: r.sourceId,
          as_of: r.asOf,
          confidence: r.confidence,
          recorded_on: recordedOn,
          version_id: versionId,
          retired_version_id: null,
        })),
      )
      .execute();
  }
  const version: KbVersion = {
    id: versionId,
    seq,
    kind: input.kind,
    dataHash: input.dataHash,
    label: input.label,
    recordCount: input.records.length,
    addedCount: add.length,
    retiredCount: retire.length,
    importedAt: input.now.toISOString(),
    importedBy: input.actor,
  };
  return version;
}

export async function currentRecords(db: Kysely<Database>): Promise<Array<{ kind: string; key: string; data: unknown }>> {
  const rows = await db.selectFrom('kb_records').select(['kind', 'key', 'data']).where('retired_version_id', 'is', null).execute();
  return rows.map((r) => ({ kind: r.kind, key: r.key, data: JSON.parse(r.data) as unknown }));
}

export async function listVersions(db: Kysely<Database>): Promise<KbVersion[]> {
  const rows = await db.selectFrom('kb_versions').selectAll().orderBy('seq', 'desc').execute();
  return rows.map((v) => ({
    id: v.id,
    seq: Number(v.seq),
    kind: v.kind,
    dataHash: v.data_hash,
    label: v.label,
    recordCount: Number(v.record_count),
    addedCount: Number(v.added_count),
    retiredCount: Number(v.retired_count),
    importedAt: v.imported_at,
    importedBy: v.imported_by,
  }));
}

/** Every claim ever stored under one kind and key, oldest first, current or retired. */
export async function recordHistory(db: Kysely<Database>, kind: string, keyPrefix: string): Promise<StoredRecord[]> {
  const rows = await db
    .selectFrom('kb_records')
    .innerJoin('kb_versions', 'kb_versions.id', 'kb_records.version_id')
    .select([
      'kb_records.kind',
      'kb_records.key',
      'kb_records.data',
      'kb_records.version_id',
      'kb_records.retired_version_id',
      'kb_records.recorded_on',
      'kb_versions.seq',
    ])
    .where('kb_records.kind', '=', kind)
    // The prefix is literal: LIKE wildcards in it are escaped, not dropped.
    .where(startsWith('kb_records.key', keyPrefix))
    .orderBy('kb_versions.seq', 'asc')
    .execute();
  return rows.map((r) => ({
    kind: r.kind,
    key: r.key,
    data: JSON.parse(r.data) as unknown,
    versionId: r.version_id,
    retiredVersionId: r.retired_version_id,
    recordedOn: r.recorded_on,
  }));
}
