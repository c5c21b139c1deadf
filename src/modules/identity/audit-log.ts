import { z } from 'zod';
import { parseInput } from '../../lib/validation.ts';
import type { LedgerEntry } from '../ledger/index.ts';
import { type Actor, authorize, type IdentityDeps } from './context.ts';

export interface AuditReader {
  findEntries(query: {
    subjects: string[];
    typePrefix?: string;
    from?: string;
    to?: string;
    before?: number;
    limit: number;
  }): Promise<Array<{ index: number; entry: LedgerEntry; recordedAt: string }>>;
}

export const AuditQuery = z.object({
  type: z
    .string()
    .trim()
    .regex(/^[a-z0-9_.]{0,80}$/)
    .optional(),
  user: z.string().uuid().optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  before: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export interface AuditEvent {
  index: number;
  type: string;
  at: string;
  actor: string;
  subjects: string[];
  data: Record<string, unknown>;
}

/** The audit viewer's query: an auditor sees the events naming their own organisation, newest first. */
export interface AuditLog {
  /** One page of events; `next` is the `before` of the following page, when there is one. */
  events(actor: Actor, orgId: string, input: unknown): Promise<{ events: AuditEvent[]; next?: number }>;
}

export function createAuditLog(_deps: IdentityDeps, reader: AuditReader): AuditLog {
  return {
    async events(actor: Actor, orgId: string, input: unknown): Promise<{ events: AuditEvent[]; next?: number }> {
      authorize(actor, 'audit.read', orgId);
      const query = parseInput(AuditQuery, input);
      const rows = await reader.findEntries({
        subjects: [`org:${orgId}`, ...(query.user ? [`user:${query.user}`] : [])],
        ...(query.type ? { typePrefix: query.type } : {}),
        ...(query.from ? { from: new Date(query.from).toISOString() } : {}),
        ...(query.to ? { to: new Date(query.to).toISOString() } : {}),
        ...(query.before !== undefined ? { before: query.before } : {}),
        limit: query.limit + 1,
      });
      const events = rows
        .slice(0, query.limit)
        .map((r) => ({ index: r.index, type: r.entry.type, at: r.entry.at, actor: r.entry.actor, subjects: r.entry.subjects, data: r.entry.data }));
      const last = events.at(-1);
      return rows.length > query.limit && last ? { events, next: last.index } : { events };
    },
  };
}
