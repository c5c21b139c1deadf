import { type ErrorCode, isErrorCode } from './error-codes.ts';

export type { ErrorCode } from './error-codes.ts';

/**
 * One field-level problem. `path` names the field (dotted, or `line 3: state` for files),
 * `code` is stable and translatable, `message` is the English technical detail.
 */
export interface FieldProblem {
  path: string;
  code: string;
  message?: string;
  params?: Record<string, string | number>;
}

/**
 * A failure the caller can act on. `code` is stable (`module.snake_reason`) and registered in
 * error-codes.ts, where adapters find its HTTP status and CLI exit code; its translated title is
 * `problem.<code>`. The domain never knows about HTTP.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fields: FieldProblem[];
  readonly params: Record<string, string | number>;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    options: {
      message?: string;
      fields?: FieldProblem[];
      params?: Record<string, string | number>;
      details?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ) {
    super(options.message ?? code, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.fields = options.fields ?? [];
    this.params = options.params ?? {};
    this.details = options.details;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/**
 * Normalises anything thrown into an AppError, for every adapter: an AppError as it is; a
 * transparency-log failure (TlogError) under its own code; an error carrying a 4xx `statusCode`
 * (a framework's) as `not_found` or `validation.failed`; anything else as `internal`.
 */
export function normaliseError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const e = error as { statusCode?: number; code?: unknown; message?: string } | null | undefined;
  if (isErrorCode(e?.code) && e.code.startsWith('tlog.')) return new AppError(e.code, { message: e.message ?? e.code, cause: error });
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new AppError(e.statusCode === 404 ? 'not_found' : 'validation.failed', {
      message: e.message ?? 'bad request',
      fields: e.statusCode === 404 ? [] : [{ path: 'request', code: 'validation.invalid', message: e.message ?? 'bad request' }],
    });
  }
  return new AppError('internal', { message: 'internal error', cause: error });
}
