/** Helpers of the account, administration, audit and passkey pages: the client, roles and permissions by name, re-authentication. */
import type { FastifyRequest } from 'fastify';
import { type Locale, t } from '../../../i18n/index.ts';
import { AppError } from '../../../lib/errors.ts';
import { maybe } from './common.ts';

export const client = (request: FastifyRequest) => ({ ip: request.ip, userAgent: String(request.headers['user-agent'] ?? '') });

export const roleNames = (locale: Locale, roles: readonly string[]): string => roles.map((r) => t(locale, `role.${r}`)).join(', ');
export const permissionName = (locale: Locale, permission: string): string => maybe(locale, `permission.${permission}`, permission);

/** Where to confirm one's identity before a sensitive action, coming back to the account page. */
export function reauthLocation(locale: Locale, next = '/account'): string {
  return `/reauth?lang=${locale}&next=${encodeURIComponent(next)}`;
}

export const isReauth = (error: unknown) => error instanceof AppError && error.code === 'identity.reauthentication_required';
