/**
 * The registry of every error code the node raises: its HTTP status and its CLI exit code. `AppError`
 * (errors.ts) takes only these codes, and every code needs a `problem.<code>` title in both languages
 * (src/i18n/problems.ts checks that at compile time), so a code missing here or there is a compile
 * error. To add a code: add it here, add its `problem.<code>` title to the Spanish and English
 * catalogues, then throw it. docs/errors.md says how to pick the status and the exit code.
 */

/** The HTTP statuses an error may answer with (460 is tus's checksum mismatch). */
export type HttpStatus = 400 | 401 | 403 | 404 | 408 | 409 | 410 | 412 | 413 | 414 | 415 | 416 | 422 | 423 | 429 | 431 | 460 | 500 | 503 | 507;

/**
 * CLI exit codes for failures (README): 2 invalid input, 3 not found, 4 conflict, 5 verification
 * failed, 10 internal error. 0 (ok) and 1 (usage, from the argument parser) are never an error's.
 */
export type ExitCode = 2 | 3 | 4 | 5 | 10;

export interface ErrorSpec {
  readonly status: HttpStatus;
  readonly exit: ExitCode;
}

export const ERRORS = {
  internal: { status: 500, exit: 10 },
  not_found: { status: 404, exit: 3 },
  forbidden: { status: 403, exit: 2 },
  unauthenticated: { status: 401, exit: 2 },
  body_too_large: { status: 413, exit: 2 },
  'http.body_malformed': { status: 400, exit: 2 },
  'http.url_invalid': { status: 400, exit: 2 },
  'http.url_too_long': { status: 414, exit: 2 },
  'http.headers_too_large': { status: 431, exit: 2 },
  'http.request_malformed': { status: 400, exit: 2 },
  'http.request_timeout': { status: 408, exit: 2 },
  'http.rate_limited': { status: 429, exit: 2 },
  'validation.failed': { status: 422, exit: 2 },
  'validation.nothing_to_change': { status: 400, exit: 2 },
  'csrf.invalid': { status: 403, exit: 2 },
  'config.invalid': { status: 422, exit: 2 },
  'config.data_dir_unsafe': { status: 422, exit: 2 },
  'config.data_dir_missing': { status: 422, exit: 2 },
  'storage.migration_failed': { status: 500, exit: 10 },

  'kb.invalid': { status: 422, exit: 2 },
  'kb.invalid_status_csv': { status: 422, exit: 2 },
  'kb.empty': { status: 503, exit: 10 },

  'identity.erasure_member': { status: 409, exit: 4 },
  'identity.login_failed': { status: 401, exit: 2 },
  'identity.throttled': { status: 429, exit: 2 },
  'identity.busy': { status: 503, exit: 10 },
  'identity.challenge_invalid': { status: 401, exit: 2 },
  'identity.enrolment_invalid': { status: 410, exit: 2 },
  'identity.reauthentication_required': { status: 403, exit: 2 },
  'identity.organisation_exists': { status: 409, exit: 4 },
  'identity.member_exists': { status: 409, exit: 4 },
  'identity.access_exists': { status: 409, exit: 4 },
  'identity.already_enrolled': { status: 409, exit: 4 },
  'identity.last_admin': { status: 409, exit: 4 },
  'identity.no_membership': { status: 403, exit: 2 },
  'identity.no_passkey': { status: 409, exit: 4 },
  'identity.secret_unsealable': { status: 500, exit: 10 },

  'cooperation.case_exists': { status: 409, exit: 4 },
  'cooperation.transition_not_allowed': { status: 409, exit: 4 },
  'cooperation.four_eyes': { status: 403, exit: 2 },
  'cooperation.conflict': { status: 409, exit: 4 },
  'cooperation.not_editable': { status: 409, exit: 4 },

  'evidence.exhibit_exists': { status: 409, exit: 4 },
  'evidence.destroyed': { status: 410, exit: 4 },
  'evidence.fixity_mismatch': { status: 409, exit: 5 },
  'evidence.legal_hold': { status: 409, exit: 4 },
  'evidence.retention_active': { status: 409, exit: 4 },
  'evidence.retention_unset': { status: 409, exit: 4 },
  'evidence.hold_lifted': { status: 409, exit: 4 },
  'evidence.nothing_to_export': { status: 409, exit: 4 },
  'evidence.vault_key_unsealable': { status: 500, exit: 10 },
  'evidence.package_proof_invalid': { status: 422, exit: 5 },
  'evidence.package_checkpoint_invalid': { status: 500, exit: 5 },
  'evidence.package_custody_mismatch': { status: 409, exit: 5 },
  'evidence.package_item_unanchored': { status: 409, exit: 5 },
  'evidence.package_dir_not_empty': { status: 409, exit: 4 },
  'evidence.package_input_invalid': { status: 422, exit: 2 },
  'evidence.package_payload_failed': { status: 500, exit: 10 },
  'evidence.package_unreadable': { status: 422, exit: 2 },
  'evidence.package_write_failed': { status: 500, exit: 10 },

  'upload.not_found': { status: 404, exit: 3 },
  'upload.expired': { status: 410, exit: 2 },
  'upload.offset_mismatch': { status: 409, exit: 4 },
  'upload.checksum_mismatch': { status: 460, exit: 2 },
  'upload.checksum_unsupported': { status: 400, exit: 2 },
  'upload.too_large': { status: 413, exit: 2 },
  'upload.length_required': { status: 400, exit: 2 },
  'upload.header_invalid': { status: 400, exit: 2 },
  'upload.unsupported_media': { status: 415, exit: 2 },
  'upload.version_unsupported': { status: 412, exit: 2 },
  'upload.locked': { status: 423, exit: 2 },
  'upload.interrupted': { status: 400, exit: 2 },
  'upload.disk_full': { status: 507, exit: 10 },
  'upload.staging_damaged': { status: 410, exit: 2 },

  'blob.key_invalid': { status: 400, exit: 2 },
  'blob.not_found': { status: 404, exit: 3 },
  'blob.range_invalid': { status: 416, exit: 2 },
  'blob.size_mismatch': { status: 422, exit: 2 },
  'blob.too_large': { status: 413, exit: 2 },
  'blob.key_conflict': { status: 409, exit: 4 },
  'blob.disk_full': { status: 507, exit: 10 },
  'blob.read_failed': { status: 503, exit: 10 },
  'blob.write_failed': { status: 503, exit: 10 },
  'blob.delete_failed': { status: 503, exit: 10 },

  'tar.malformed': { status: 422, exit: 2 },
  'tar.path_unsafe': { status: 422, exit: 2 },
  'tar.entry_unsupported': { status: 422, exit: 2 },
  'tar.too_large': { status: 413, exit: 2 },
  'tar.source_changed': { status: 409, exit: 4 },
  'tar.not_directory': { status: 422, exit: 2 },
  'tar.target_not_empty': { status: 409, exit: 4 },

  'bagit.algorithm_unsupported': { status: 500, exit: 10 },
  'bagit.info_invalid': { status: 500, exit: 10 },
  'bagit.dir_not_empty': { status: 409, exit: 4 },
  'bagit.path_invalid': { status: 500, exit: 10 },
  'bagit.path_reserved': { status: 500, exit: 10 },
  'bagit.path_duplicate': { status: 500, exit: 10 },
  'bagit.path_conflict': { status: 500, exit: 10 },
  'bagit.source_invalid': { status: 500, exit: 10 },
  'bagit.payload_write_failed': { status: 500, exit: 10 },
  'bagit.tag_write_failed': { status: 500, exit: 10 },
  'bagit.finish_failed': { status: 500, exit: 10 },
  'bagit.writer_busy': { status: 500, exit: 10 },
  'bagit.writer_closed': { status: 500, exit: 10 },

  'age.identity_invalid': { status: 422, exit: 2 },
  'age.recipient_invalid': { status: 422, exit: 2 },
  'age.bech32_invalid': { status: 422, exit: 2 },
  'age.armor_invalid': { status: 422, exit: 2 },
  'age.header_invalid': { status: 422, exit: 5 },
  'age.hmac_mismatch': { status: 422, exit: 5 },
  'age.no_identity_matched': { status: 422, exit: 5 },
  'age.payload_invalid': { status: 422, exit: 5 },

  'ledger.no_checkpoint': { status: 503, exit: 10 },
  'ledger.bad_tile_path': { status: 400, exit: 2 },
  'ledger.entry_malformed': { status: 422, exit: 2 },
  'ledger.entry_not_canonical': { status: 422, exit: 2 },
  'ledger.disclosure_mismatch': { status: 422, exit: 5 },
  'ledger.details_shredded': { status: 410, exit: 4 },
  'ledger.details_restricted': { status: 403, exit: 2 },
  'ledger.origin_changed': { status: 409, exit: 4 },
  'ledger.key_unsealable': { status: 500, exit: 10 },

  // The transparency-log library's codes (TlogError, lib/tlog), answered as AppErrors by the adapters.
  'tlog.proof_invalid': { status: 422, exit: 2 },
  'tlog.proof_malformed': { status: 422, exit: 2 },
  'tlog.signature_invalid': { status: 422, exit: 2 },
  'tlog.no_verified_signature': { status: 422, exit: 2 },
  'tlog.note_malformed': { status: 422, exit: 2 },
  'tlog.checkpoint_malformed': { status: 422, exit: 2 },
  'tlog.origin_mismatch': { status: 422, exit: 2 },
  'tlog.bad_key': { status: 422, exit: 2 },
  'tlog.ambiguous_key': { status: 422, exit: 2 },
  'tlog.bad_bundle': { status: 422, exit: 2 },
  'tlog.bad_tile': { status: 422, exit: 2 },
  'tlog.bad_tile_path': { status: 400, exit: 2 },
  'tlog.bad_request': { status: 400, exit: 2 },
  'tlog.invalid_range': { status: 422, exit: 2 },
} as const satisfies Record<string, ErrorSpec>;

/** A registered error code (`module.snake_reason`). */
export type ErrorCode = keyof typeof ERRORS;

/** The codes of the transparency-log library (lib/tlog's TlogError). */
export type TlogCode = Extract<ErrorCode, `tlog.${string}`>;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERRORS, code);
}

/** The HTTP status of a code; a code that reached here untyped and unregistered is an internal error. */
export function statusFor(code: string): HttpStatus {
  return isErrorCode(code) ? ERRORS[code].status : 500;
}

/** The CLI exit code of a code; unregistered ones are internal errors. */
export function exitCodeFor(code: string): ExitCode {
  return isErrorCode(code) ? ERRORS[code].exit : 10;
}
