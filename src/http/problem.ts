import type { FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isMessageKey, type Locale, t } from '../i18n/index.ts';
import { AppError, type FieldProblem } from '../lib/errors.ts';

/** The single table from stable error codes to HTTP statuses. */
const STATUS: Record<string, number> = {
  'validation.failed': 422,
  'kb.invalid': 422,
  'kb.invalid_status_csv': 422,
  'config.invalid': 422,
  'kb.empty': 503,
  not_found: 404,
  forbidden: 403,
  unauthenticated: 401,
  'csrf.invalid': 403,
  'identity.login_failed': 401,
  'identity.throttled': 429,
  'identity.busy': 503,
  'identity.challenge_invalid': 401,
  'identity.enrolment_invalid': 410,
  'identity.reauthentication_required': 403,
  'identity.organisation_exists': 409,
  'identity.member_exists': 409,
  'identity.access_exists': 409,
  'identity.already_enrolled': 409,
  'identity.last_admin': 409,
  'identity.no_membership': 403,
  'identity.no_passkey': 409,
  'cooperation.case_exists': 409,
  'cooperation.transition_not_allowed': 409,
  'cooperation.four_eyes': 403,
  'cooperation.conflict': 409,
  'cooperation.not_editable': 409,
  'evidence.exhibit_exists': 409,
  'evidence.destroyed': 410,
  'evidence.fixity_mismatch': 409,
  'evidence.legal_hold': 409,
  'evidence.retention_active': 409,
  'evidence.retention_unset': 409,
  'evidence.hold_lifted': 409,
  'evidence.nothing_to_export': 409,
  'evidence.vault_key_unsealable': 500,
  'evidence.package_proof_invalid': 422,
  'evidence.package_checkpoint_invalid': 500,
  'evidence.package_custody_mismatch': 409,
  'evidence.package_dir_not_empty': 409,
  'evidence.package_input_invalid': 422,
  'evidence.package_item_unanchored': 409,
  'evidence.package_payload_failed': 500,
  'evidence.package_unreadable': 422,
  'evidence.package_write_failed': 500,
  'ledger.no_checkpoint': 503,
  'upload.not_found': 404,
  'upload.expired': 410,
  'upload.offset_mismatch': 409,
  'upload.checksum_mismatch': 460,
  'upload.checksum_unsupported': 400,
  'upload.too_large': 413,
  'upload.length_required': 400,
  'upload.header_invalid': 400,
  'upload.unsupported_media': 415,
  'upload.version_unsupported': 412,
  'upload.locked': 423,
  'upload.interrupted': 400,
  'upload.disk_full': 507,
  'upload.staging_damaged': 410,
  'tar.malformed': 422,
  'tar.path_unsafe': 422,
  'tar.entry_unsupported': 422,
  'tar.too_large': 413,
  'tar.source_changed': 409,
  'blob.key_invalid': 400,
  'blob.not_found': 404,
  'blob.range_invalid': 416,
  'blob.size_mismatch': 422,
  'blob.too_large': 413,
  'blob.key_conflict': 409,
  'blob.disk_full': 507,
  'identity.secret_unsealable': 500,
  body_too_large: 413,
  'ledger.bad_tile_path': 400,
  'ledger.entry_malformed': 422,
  'ledger.entry_not_canonical': 422,
  'ledger.audit_failed': 409,
  'tlog.proof_invalid': 422,
  'tlog.signature_invalid': 422,
  'tlog.no_verified_signature': 422,
  'tlog.note_malformed': 422,
  'tlog.bad_request': 400,
  'tlog.invalid_range': 422,
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  errors?: Array<{ path: string; code: string; message: string }>;
}

export function statusFor(code: string): number {
  return STATUS[code] ?? 500;
}

export function localizeField(locale: Locale, f: FieldProblem): string {
  const key = `field.${f.code}`;
  return isMessageKey(key) ? t(locale, key, f.params ?? {}) : (f.message ?? f.code);
}

/** Normalises anything thrown into an AppError; unknown failures become `internal`. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    return new AppError('validation.failed', {
      message: 'request validation failed',
      fields: error.validation.map((v) => ({
        path:
          String(v.instancePath || '')
            .replace(/^\//, '')
            .replaceAll('/', '.') || 'request',
        code: 'validation.invalid',
        message: v.message ?? 'invalid',
      })),
    });
  }
  const e = error as { statusCode?: number; code?: string; message?: string };
  if (typeof e.code === 'string' && e.code.startsWith('tlog.')) return new AppError(e.code, { message: e.message ?? e.code, cause: error });
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new AppError('body_too_large', { message: 'body too large' });
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new AppError(e.statusCode === 404 ? 'not_found' : 'validation.failed', {
      message: e.message ?? 'bad request',
      fields: e.statusCode === 404 ? [] : [{ path: 'request', code: 'validation.invalid', message: e.message ?? 'bad request' }],
    });
  }
  return new AppError('internal', { message: 'internal error', cause: error });
}

/** RFC 9457 problem details, every invalid field listed, titles in the caller's language. */
export function toProblem(error: AppError, request: FastifyRequest, locale: Locale): Problem {
  const status = statusFor(error.code);
  const titleKey = `problem.${error.code}`;
  const title = isMessageKey(titleKey) ? t(locale, titleKey, { ...error.params, id: request.id }) : t(locale, 'problem.internal', { id: request.id });
  const problem: Problem = {
    type: `urn:custodia:problem:${error.code}`,
    title,
    status,
    detail: status >= 500 ? title : error.message,
    instance: `urn:custodia:request:${request.id}`,
    code: error.code,
  };
  if (error.fields.length > 0) {
    problem.errors = error.fields.map((f) => ({ path: f.path, code: f.code, message: localizeField(locale, f) }));
  }
  return problem;
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type('application/problem+json; charset=utf-8').send(problem);
}
