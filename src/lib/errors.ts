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
 * A failure the caller can act on. `code` is stable (`module.snake_reason`); adapters map it to an
 * HTTP status, a CLI exit code and a translated message. The domain never knows about HTTP.
 */
export class AppError extends Error {
  readonly code: string;
  readonly fields: FieldProblem[];
  readonly params: Record<string, string | number>;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: string,
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
