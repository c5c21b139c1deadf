import { isIP } from 'node:net';
import { z } from 'zod';
import type { FieldProblem } from '../../lib/errors.ts';
import { MEASURES } from '../knowledge/index.ts';
import type { RequestState } from './lifecycle.ts';

/** The kinds of request (the knowledge base's measures: every type an instrument provides). */
export const REQUEST_TYPES = MEASURES;
export type RequestType = (typeof MEASURES)[number];

export const DIRECTIONS = ['outgoing', 'incoming'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const URGENCIES = ['normal', 'urgent', 'emergency'] as const;
export type Urgency = (typeof URGENCIES)[number];

/** How a request hangs on an earlier one: the MLA that follows a preservation, or its extension. */
export const LINK_KINDS = ['follow-up', 'extension', 'related'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

export const IDENTIFIER_KINDS = ['ip', 'account', 'email', 'phone', 'url', 'domain', 'wallet'] as const;
export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number];

export const PERSON_ROLES = ['suspect', 'victim', 'witness', 'account-holder', 'other'] as const;

const StateCode = z
  .string()
  .trim()
  .toUpperCase()
  .pipe(z.string().regex(/^(?:[A-Z]{2}|EU)$/, 'expected an ISO 3166-1 alpha-2 code'));
const Text = (max: number) => z.string().trim().max(max);
/** An instant with its offset: a time without a zone cannot be matched against a provider's logs. */
export const Instant = z
  .string()
  .trim()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/,
    'expected a date and time with its offset, e.g. 2026-11-20T14:03:00-05:00',
  )
  .refine((v) => !Number.isNaN(Date.parse(v)), 'not a real date and time');

export const CaseFacts = z.object({
  conducts: z
    .array(z.string().regex(/^[a-z0-9-]+$/))
    .max(30)
    .optional(),
  offences: z
    .array(z.string().regex(/^[a-z0-9-]+$/))
    .max(30)
    .optional(),
  summaryEs: Text(20_000).optional(),
  summaryEn: Text(20_000).optional(),
  title: Text(300).optional(),
});
export type CaseFacts = z.infer<typeof CaseFacts>;

export const NewIdentifier = z
  .object({
    kind: z.enum(IDENTIFIER_KINDS),
    value: Text(500).pipe(z.string().min(1)),
    port: z.coerce.number().int().min(0).max(65535).optional(),
    observedAt: Instant.optional(),
    timeZone: Text(64).optional(),
    note: Text(1000).default(''),
  })
  .superRefine((v, ctx) => {
    // An IP address alone names nobody behind a carrier-grade NAT: the port and the moment are needed.
    if (v.kind === 'ip' && v.observedAt === undefined)
      ctx.addIssue({ code: 'custom', path: ['observedAt'], message: 'an IP address needs the moment it was seen' });
    if (v.timeZone !== undefined && v.timeZone !== '' && !validTimeZone(v.timeZone))
      ctx.addIssue({ code: 'custom', path: ['timeZone'], message: 'unknown IANA time zone' });
  });
export type NewIdentifier = z.infer<typeof NewIdentifier>;

/** How far ahead of the node's clock a recorded moment may lie: other machines' clocks drift. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * What the shape of an identifier cannot say: an IP address must be one (IPv4 or IPv6, as
 * `node:net` reads them: `999.1.1.1` is not), and the moment it was seen cannot be ahead of now.
 */
export function identifierProblems(identifier: NewIdentifier, now: Date): FieldProblem[] {
  const fields: FieldProblem[] = [];
  if (identifier.kind === 'ip' && isIP(identifier.value) === 0) {
    fields.push({ path: 'value', code: 'cooperation.ip_invalid', message: `${identifier.value} is not an IP address`, params: { value: identifier.value } });
  }
  if (identifier.observedAt !== undefined && Date.parse(identifier.observedAt) > now.getTime() + CLOCK_SKEW_MS) {
    fields.push({
      path: 'observedAt',
      code: 'cooperation.observedAt_future',
      message: `${identifier.observedAt} is in the future`,
      params: { at: identifier.observedAt, now: now.toISOString() },
    });
  }
  return fields;
}

export const NewPerson = z.object({
  name: Text(300).pipe(z.string().min(1)),
  role: z.enum(PERSON_ROLES),
  details: Text(2000).default(''),
});

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A draft's editable content: everything is optional until it is checked for completeness. */
export const RequestDraft = z.object({
  instrument: z.string().trim().toUpperCase().max(32).optional(),
  requestingAuthority: Text(200).optional(),
  requestedAuthority: Text(200).optional(),
  /** Mandatory-content element id → text, as the knowledge base names the elements. */
  content: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), Text(20_000)).optional(),
  urgency: z.enum(URGENCIES).optional(),
  urgencyJustification: Text(5000).optional(),
  confidential: z.boolean().optional(),
  noNotification: z.boolean().optional(),
  languages: z
    .array(
      z
        .string()
        .trim()
        .toLowerCase()
        .regex(/^[a-z]{2,3}$/),
    )
    .max(10)
    .optional(),
  conducts: z
    .array(z.string().regex(/^[a-z0-9-]+$/))
    .max(30)
    .optional(),
  /** A due date set by a user (an emergency's hours, an agreed date). */
  dueAt: Instant.or(z.literal('')).optional(),
});
export type RequestDraft = z.infer<typeof RequestDraft>;

export const NewRequest = RequestDraft.extend({
  caseReference: Text(100).pipe(z.string().min(1)),
  direction: z.enum(DIRECTIONS).default('outgoing'),
  type: z.enum(REQUEST_TYPES),
  requestingState: StateCode,
  requestedState: StateCode,
  parentReference: Text(100).optional(),
  linkKind: z.enum(LINK_KINDS).optional(),
});
export type NewRequest = z.infer<typeof NewRequest>;

export const StepInput = z.object({
  to: z.string().trim(),
  reason: Text(5000).default(''),
  grounds: z.array(z.string().trim()).max(20).default([]),
  /** When the step happened, if it is being recorded after the fact (a reply received by post). */
  at: Instant.optional(),
});

/** One gap in a request: what is missing and the article that requires it. */
export interface Gap {
  path: string;
  code: string;
  element?: string;
  label?: { es: string; en: string };
  article?: string;
  instrument?: string;
  /** For an answer too short: the fewest characters it needs. */
  min?: number;
}

export interface RequestStep {
  seq: number;
  from: RequestState | null;
  to: RequestState;
  actor: string;
  actorName?: string;
  at: string;
  reason: string;
  grounds: string[];
}

export interface DeadlineView {
  id: string;
  rule: string;
  kind: 'minimum' | 'maximum' | 'target' | 'user';
  source: 'instrument' | 'user';
  label: { es: string; en: string };
  article: string;
  /** ISO instant; null while the step it runs from has not happened. */
  dueAt: string | null;
  /** Counted provisionally from an earlier step (the anchor is not known yet). */
  estimated: boolean;
  status: DeadlineStatus;
}
export const DEADLINE_STATUSES = ['waiting', 'running', 'met', 'extended', 'void'] as const;
export type DeadlineStatus = (typeof DEADLINE_STATUSES)[number];

export interface RequestRecord {
  id: string;
  orgId: string;
  caseId: string;
  caseReference: string;
  reference: string;
  direction: Direction;
  type: RequestType;
  instrument: string | null;
  requestingState: string;
  requestedState: string;
  requestingAuthority: string | null;
  requestedAuthority: string | null;
  kbVersion: string | null;
  content: Record<string, string>;
  urgency: Urgency;
  urgencyJustification: string;
  confidential: boolean;
  noNotification: boolean;
  languages: string[];
  conducts: string[];
  dueAt: string | null;
  state: RequestState;
  version: number;
  parentId: string | null;
  linkKind: LinkKind | null;
  draftedBy: string;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
  answeredAt: string | null;
  closedAt: string | null;
}
