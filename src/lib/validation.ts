import type { z } from 'zod';
import { AppError } from './errors.ts';

/**
 * Parses with a schema; every problem becomes a field of one validation error. `module` prefixes
 * each field's translatable code (`cooperation.reference_invalid`).
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, prefix = '', module = 'identity'): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new AppError('validation.failed', {
    message: 'invalid input',
    fields: result.error.issues.map((issue) => ({
      path: `${prefix}${issue.path.join('.')}` || 'input',
      code: `${module}.${String(issue.path[0] ?? (prefix.replace(/\.$/, '') || 'input'))}_invalid`,
      message: issue.message,
    })),
  });
}
