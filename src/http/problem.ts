import type { FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { type Locale, t } from '../i18n/index.ts';
import { localizeField, problemTitle } from '../i18n/problems.ts';
import { statusFor } from '../lib/error-codes.ts';
import { AppError, normaliseError } from '../lib/errors.ts';

// The codes' statuses live in the registry (lib/error-codes.ts), field texts in the catalogue; the
// pages reach both through here.
export { localizeField, statusFor };

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  errors?: Array<{ path: string; code: string; message: string }>;
}

/** Normalises anything thrown into an AppError: Fastify's own failures first, then as every adapter does. */
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
  if ((error as { code?: unknown } | null)?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new AppError('body_too_large', { message: 'body too large' });
  return normaliseError(error);
}

/** RFC 9457 problem details, every invalid field listed, titles in the caller's language. */
export function toProblem(error: AppError, request: FastifyRequest, locale: Locale): Problem {
  return problemOf(error, request.id, locale);
}

/** The problem details of an error of request `id`: also for one refused before it became a request. */
export function problemOf(error: AppError, id: string, locale: Locale): Problem {
  const status = statusFor(error.code);
  const title = problemTitle(locale, error, id) ?? t(locale, 'problem.internal', { id });
  const problem: Problem = {
    type: `urn:custodia:problem:${error.code}`,
    title,
    status,
    detail: status >= 500 ? title : error.message,
    instance: `urn:custodia:request:${id}`,
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
