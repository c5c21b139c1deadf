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

export interface Database {
  kb_records: KbRecordTable;
  kb_versions: KbVersionTable;
}
