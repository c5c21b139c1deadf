import type { Generated } from 'kysely';

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
  /** The leaf: a blinded entry (or, before migration 0009, the whole entry). */
  entry: string;
  leaf_hash: Uint8Array;
  recorded_at: string;
  /** The salt that opens a blinded leaf; NULL for legacy entries and once shredded. */
  salt: Generated<Uint8Array | null>;
  /** The entry's canonical details; NULL once shredded. */
  details: Generated<string | null>;
  shredded_at: Generated<string | null>;
  /** The `ledger.shredded` entry that recorded the shredding. */
  shredded_by: Generated<number | null>;
}

export interface LedgerBlindingTable {
  id: number;
  first_blinded: number;
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

export interface OrganisationTable {
  id: string;
  name: string;
  kind: string;
  /** 1 for the organisation that runs the node: its admins may create organisations. */
  operator: number;
  created_at: string;
}

export interface UserTable {
  id: string;
  email: string;
  name: string;
  locale: string;
  password_hash: string | null;
  /** Sealed with the node's key-encryption key. */
  totp_secret: string | null;
  /** The last TOTP time step accepted: a code is never accepted twice. */
  totp_last_step: number;
  status: string;
  created_at: string;
}

export interface MembershipTable {
  user_id: string;
  org_id: string;
  role: string;
  granted_at: string;
  granted_by: string;
}

export interface RecoveryCodeTable {
  code_hash: string;
  user_id: string;
  used_at: string | null;
}

export interface EnrolmentTable {
  token_hash: string;
  user_id: string;
  totp_secret: string;
  expires_at: string;
  used_at: string | null;
  created_at: string;
}

export interface SessionTable {
  id: string;
  token_hash: string;
  user_id: string;
  org_id: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  authenticated_at: string;
  ip: string;
  user_agent: string;
  revoked_at: string | null;
}

export interface LoginChallengeTable {
  token_hash: string;
  user_id: string;
  expires_at: string;
  attempts: number;
  used_at: string | null;
}

export interface ApiTokenTable {
  id: string;
  token_hash: string;
  org_id: string;
  user_id: string;
  name: string;
  scopes: string;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  blocked_until: string;
  updated_at: string;
}

/** Refusals of one principal or source in one minute, not yet summarised in the ledger (migration 0010). */
export interface AccessDeniedWindowTable {
  key: string;
  minute: string;
  actor: string;
  subjects: string;
  anonymous: number;
  pending: number;
  first_at: string;
  last_at: string;
  routes: string;
  permissions: string;
  truncated: number;
}

/** Requests of one credential or source in one fixed minute (migration 0010). */
export interface RateLimitWindowTable {
  key: string;
  window_start: string;
  hits: number;
}

export interface CaseAccessTable {
  id: string;
  case_id: string;
  org_id: string;
  user_id: string;
  reason: string;
  granted_by: string;
  granted_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
}

export interface PasskeyTable {
  /** The credential id, base64url. */
  id: string;
  user_id: string;
  name: string;
  /** COSE public key, base64url. */
  public_key: string;
  counter: number;
  transports: string;
  device_type: string;
  backed_up: number;
  created_at: string;
  last_used_at: string | null;
}

export interface WebauthnChallengeTable {
  key: string;
  challenge: string;
  expires_at: string;
}

export interface CaseTable {
  id: string;
  reference: string;
  org_id: string;
  title: string;
  created_at: string;
  created_by: string;
  /** JSON arrays of conduct ids (the knowledge base's taxonomy) and national offence ids. */
  conducts: Generated<string>;
  offences: Generated<string>;
  summary_es: Generated<string>;
  summary_en: Generated<string>;
}

export interface CaseIdentifierTable {
  id: string;
  case_id: string;
  kind: string;
  value: string;
  port: number | null;
  observed_at: string | null;
  time_zone: string | null;
  note: Generated<string>;
  added_at: string;
  added_by: string;
}

export interface CasePersonTable {
  id: string;
  case_id: string;
  name: string;
  role: string;
  details: Generated<string>;
  added_at: string;
  added_by: string;
}

export interface CoopRequestTable {
  id: string;
  org_id: string;
  case_id: string;
  reference: string;
  direction: string;
  measure: string;
  instrument: string | null;
  requesting_state: string;
  requested_state: string;
  requesting_authority: string | null;
  requested_authority: string | null;
  basis: string | null;
  kb_version: string | null;
  content: string;
  urgency: string;
  urgency_justification: Generated<string>;
  confidential: number;
  no_notification: number;
  languages: string;
  conducts: Generated<string>;
  due_at: string | null;
  state: string;
  version: number;
  parent_id: string | null;
  link_kind: string | null;
  drafted_by: string;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
  answered_at: string | null;
  closed_at: string | null;
}

export interface CoopRequestStepTable {
  id: string;
  request_id: string;
  seq: number;
  from_state: string | null;
  to_state: string;
  actor: string;
  at: string;
  reason: Generated<string>;
  grounds: Generated<string>;
}

export interface CoopRequestVersionTable {
  request_id: string;
  version: number;
  snapshot: string;
  content_hash: string;
  ledger_index: number | null;
  created_at: string;
  created_by: string;
}

export interface CoopDeadlineTable {
  id: string;
  request_id: string;
  org_id: string;
  case_id: string;
  rule: string;
  kind: string;
  source: string;
  article: Generated<string>;
  label: string;
  due_at: string | null;
  estimated: number;
  status: string;
}

export interface JobTable {
  id: string;
  kind: string;
  run_at: string;
  payload: string;
  group_key: Generated<string>;
  state: string;
  attempts: Generated<number>;
  last_error: string | null;
  locked_until: string | null;
  created_at: string;
  done_at: string | null;
}

export interface NotificationTable {
  id: string;
  org_id: string;
  user_id: string;
  kind: string;
  subject: string;
  params: string;
  created_at: string;
  read_at: string | null;
}

export interface VaultKeyTable {
  id: string;
  recipient: string;
  sealed_identity: string;
  created_at: string;
  retired_at: string | null;
}

export interface EvidenceItemTable {
  id: string;
  case_id: string;
  org_id: string;
  exhibit: string;
  description: string;
  file_name: string;
  acquisition: string;
  bytes: number;
  sha256: string;
  md5: string | null;
  sha1: string | null;
  blob_key: string;
  stored_bytes: number;
  state: string;
  created_at: string;
  created_by: string;
  fixity_at: string | null;
  fixity_ok: number | null;
  destroyed_at: string | null;
}

export interface EvidenceUploadTable {
  id: string;
  org_id: string;
  user_id: string;
  metadata: string;
  length: number;
  sealed_file_key: string;
  state: string;
  item_id: string | null;
  created_at: string;
  expires_at: string;
}

export interface LegalHoldTable {
  id: string;
  case_id: string;
  item_id: string | null;
  reason: string;
  set_by: string;
  set_at: string;
  lifted_by: string | null;
  lifted_at: string | null;
  lift_reason: string | null;
}

export interface CaseRetentionTable {
  case_id: string;
  keep_until: string;
  basis: string;
  set_by: string;
  set_at: string;
}

export interface Database {
  kb_records: KbRecordTable;
  kb_versions: KbVersionTable;
  ledger_entries: LedgerEntryTable;
  ledger_blinding: LedgerBlindingTable;
  ledger_subjects: LedgerSubjectTable;
  ledger_subject_progress: LedgerSubjectProgressTable;
  ledger_tiles: LedgerTileTable;
  ledger_checkpoints: LedgerCheckpointTable;
  ledger_cosignatures: LedgerCosignatureTable;
  ledger_keys: LedgerKeyTable;
  ledger_witness_peers: LedgerWitnessPeerTable;
  witnessed_logs: WitnessedLogTable;
  organisations: OrganisationTable;
  users: UserTable;
  memberships: MembershipTable;
  recovery_codes: RecoveryCodeTable;
  enrolments: EnrolmentTable;
  sessions: SessionTable;
  login_challenges: LoginChallengeTable;
  api_tokens: ApiTokenTable;
  login_throttle: LoginThrottleTable;
  case_access: CaseAccessTable;
  passkeys: PasskeyTable;
  webauthn_challenges: WebauthnChallengeTable;
  cases: CaseTable;
  vault_keys: VaultKeyTable;
  evidence_items: EvidenceItemTable;
  evidence_uploads: EvidenceUploadTable;
  legal_holds: LegalHoldTable;
  case_retention: CaseRetentionTable;
  case_identifiers: CaseIdentifierTable;
  case_persons: CasePersonTable;
  coop_requests: CoopRequestTable;
  coop_request_steps: CoopRequestStepTable;
  coop_request_versions: CoopRequestVersionTable;
  coop_deadlines: CoopDeadlineTable;
  jobs: JobTable;
  notifications: NotificationTable;
  access_denied_windows: AccessDeniedWindowTable;
  rate_limit_windows: RateLimitWindowTable;
}
