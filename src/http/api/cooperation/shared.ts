import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DIRECTIONS, LINK_KINDS, REQUEST_STATES, REQUEST_TYPES, URGENCIES } from '../../../modules/cooperation/index.ts';
import { asActor, type Permission } from '../../../modules/identity/index.ts';
import { principalOf } from '../../context.ts';
import { signedIn, text } from '../schemas.ts';

/**
 * What the cooperation route files share (issue #6): the tag, the request path parameter, the
 * request and gap answers, and who is asking. Everything happens in the organisation the caller acts
 * in. Answers carry case content: never stored by caches.
 */
export const TAGS = ['cooperation'];
export const RequestParam = z.object({ ref: text(100, 'request reference, e.g. SOL-2026-00001') });

export const Texts = z.object({ es: z.string(), en: z.string() });
export const States = z.enum(REQUEST_STATES);

export const RequestSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    caseId: z.string(),
    caseReference: z.string(),
    reference: z.string(),
    direction: z.enum(DIRECTIONS),
    type: z.enum(REQUEST_TYPES),
    instrument: z.string().nullable(),
    requestingState: z.string(),
    requestedState: z.string(),
    requestingAuthority: z.string().nullable(),
    requestedAuthority: z.string().nullable(),
    kbVersion: z.string().nullable().describe('the knowledge-base version the legal basis was chosen under'),
    content: z.record(z.string(), z.string()).describe('mandatory-content element id → text'),
    urgency: z.enum(URGENCIES),
    urgencyJustification: z.string(),
    confidential: z.boolean(),
    noNotification: z.boolean(),
    languages: z.array(z.string()),
    conducts: z.array(z.string()),
    dueAt: z.string().nullable(),
    state: States,
    version: z.number(),
    parentId: z.string().nullable(),
    linkKind: z.enum(LINK_KINDS).nullable(),
    draftedBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    sentAt: z.string().nullable(),
    answeredAt: z.string().nullable(),
    closedAt: z.string().nullable(),
  })
  .meta({ id: 'CooperationRequest' });

export const GapSchema = z
  .object({
    path: z.string().describe('the field that lacks it, e.g. content.custodian-or-location'),
    code: z.string(),
    message: z.string().describe('in the caller’s language, with the article'),
    element: z.string().optional().describe('the knowledge base’s mandatory-content element id'),
    label: Texts.optional(),
    article: z.string().optional().describe('the article that requires it, e.g. 29(2)(d)'),
    instrument: z.string().optional(),
  })
  .meta({ id: 'RequestGap' });

/** A cooperation route's options: answers carry case content, for the people on the case, so no cache keeps them. */
export function caseContent<S extends { response: Record<number, z.ZodType> }>(permission: Permission, schema: S) {
  return signedIn({ permission }, schema, { tags: TAGS, noStore: true });
}

/** The caller as the module's actor, and the organisation they act in. */
export function who(request: FastifyRequest) {
  const p = principalOf(request);
  return { actor: asActor(p), orgId: p.orgId };
}
