/** Every stored knowledge-base claim. Rows are never updated except to mark the import that retired them. */
export interface KbRecordTable {
  id: string;
  kind: string;
  key: string;
  content_hash: string;
  data: string;
  source_id: string | null;
  as_of: string | null;
  confidence: string | null;
  recorded_on: string;
  version_id: string;
  retired_version_id: string | null;
}

export interface KbVersionTable {
  id: string;
  seq: number;
  kind: string;
  data_hash: string;
  label: string;
  record_count: number;
  added_count: number;
  retired_count: number;
  imported_at: string;
  imported_by: string;
}

export interface LedgerEntryTable {
  idx: number;
  type: string;
  entry: string;
  leaf_hash: Uint8Array;
  recorded_at: string;
}

export interface LedgerSubjectProgressTable {
  id: number;
  indexed_size: number;
}

export interface LedgerSubjectTable {
  subject: string;
  idx: number;
}

export interface LedgerTileTable {
  level: number;
  idx: number;
  width: number;
  hashes: Uint8Array;
}

export interface LedgerCheckpointTable {
  size: number;
  root: Uint8Array;
  note: string;
  signed_at: string;
}

export interface LedgerCosignatureTable {
  size: number;
  witness: string;
  line: string;
  received_at: string;
}

export interface LedgerKeyTable {
  id: string;
  purpose: string;
  name: string;
  vkey: string;
  sealed_skey: string;
  created_at: string;
  retired_at: string | null;
}

export interface LedgerWitnessPeerTable {
  name: string;
  url: string;
  vkey: string;
  cosigned_size: number;
  last_error: string | null;
  updated_at: string;
}

export interface WitnessedLogTable {
  origin: string;
  vkey: string;
  size: number;
  root: Uint8Array;
  updated_at: string;
}

export interface Database {
  kb_records: KbRecordTable;
  kb_versions: KbVersionTable;
  ledger_entries: LedgerEntryTable;
  ledger_subjects: LedgerSubjectTable;
  ledger_subject_progress: LedgerSubjectProgressTable;
  ledger_tiles: LedgerTileTable;
  ledger_checkpoints: LedgerCheckpointTable;
  ledger_cosignatures: LedgerCosignatureTable;
  ledger_keys: LedgerKeyTable;
  ledger_witness_peers: LedgerWitnessPeerTable;
  witnessed_logs: WitnessedLogTable;
}
