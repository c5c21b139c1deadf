import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { schema as kb } from '../../modules/knowledge/index.ts';
import type { RoutePolicy } from '../context.ts';

const Params = z.record(z.string(), z.union([z.string(), z.number()]));
export const CitationSchema = z
  .object({
    instrument: z.string().optional(),
    law: z.string().optional().meta({ description: 'the national law an offence is in; `article` is its article' }),
    article: z.string().optional(),
    source: z.string(),
    sourceTitle: z.string(),
    url: z.string().optional(),
    tier: kb.SourceTier,
    confidence: kb.Confidence,
    asOf: z.string(),
  })
  .meta({ id: 'Citation' });
export const StepSchema = z.object({ code: z.string(), params: Params, text: z.string(), citations: z.array(CitationSchema) }).meta({ id: 'ReasoningStep' });
export const WarningSchema = z.object({ code: z.string(), params: Params, text: z.string() }).meta({ id: 'Warning' });
const explained = { explanation: z.array(StepSchema), citations: z.array(CitationSchema), warnings: z.array(WarningSchema) };

export const PartyStatusSchema = z
  .object({
    instrument: z.string(),
    state: z.string(),
    signature: z.string().optional(),
    consent: z.object({ event: z.string(), date: z.string() }).optional(),
    entryIntoForce: z.string().optional(),
    computedEntryIntoForce: z.string().optional(),
    denunciationEffective: z.string().optional(),
    status: z.enum(['no-record', 'signed', 'consented', 'party', 'denounced']),
    on: z.string(),
    ...explained,
  })
  .meta({ id: 'PartyStatus' });

export const InForceSchema = z
  .object({
    instrument: z.string(),
    states: z.tuple([z.string(), z.string()]),
    on: z.string(),
    inForce: z.boolean(),
    since: z.string().optional(),
    parties: z.tuple([PartyStatusSchema, PartyStatusSchema]),
    kbVersion: z.string(),
    ...explained,
  })
  .meta({ id: 'InForceAnswer' });

export const GeneralEifSchema = z
  .object({
    instrument: z.string(),
    status: z.enum(['in-force', 'projected', 'pending']),
    date: z.string().optional(),
    basis: z.enum(['depositary-record', 'computed', 'none']),
    deposited: z.number().meta({ description: 'States whose consent to be bound is recorded as given by today: what the threshold counts' }),
    threshold: z.number(),
    parties: z.number().meta({ description: 'States for which the instrument is in force today, as recorded (the table may be incomplete)' }),
    triggeringDeposit: z.object({ state: z.string(), date: z.string() }).optional(),
    ...explained,
  })
  .meta({ id: 'GeneralEntryIntoForce' });

export const EifSchema = z
  .object({ instrument: z.string(), general: GeneralEifSchema, state: PartyStatusSchema.optional(), kbVersion: z.string() })
  .meta({ id: 'EntryIntoForceAnswer' });

const ChannelRouteSchema = z.object({
  channel: kb.Channel,
  authority: z.object({ id: z.string(), name: kb.Localized, citation: CitationSchema }).optional(),
  urgentOnly: z.boolean().optional(),
});

export const LegalBasisSchema = z
  .object({
    rank: z.number().nullable(),
    instrument: z.string(),
    instrumentTitle: kb.Localized,
    kind: z.enum(['multilateral', 'bilateral']),
    available: z.boolean(),
    unavailableReason: z.string().optional(),
    inForceSince: z.string().optional(),
    articles: z.array(z.string()),
    provisionText: kb.Localized.optional(),
    alias: z.object({ measure: kb.Measure, domesticArticles: z.array(z.string()), text: kb.Localized }).optional(),
    via: kb.Measure.optional(),
    channels: z.array(ChannelRouteSchema),
    urgentChannels: z.array(ChannelRouteSchema),
    mandatoryContent: z.array(z.object({ id: z.string(), label: kb.Localized, article: z.string() })),
    languages: z.array(z.string()),
    urgentMeans: z.object({ text: kb.Localized, article: z.string() }).optional(),
    deadlines: z.array(
      z.object({ id: z.string(), kind: z.string(), days: z.number().optional(), hours: z.number().optional(), label: kb.Localized, article: z.string() }),
    ),
    conditions: z.array(z.object({ text: kb.Localized, article: z.string() })),
    dualCriminality: z.object({ rule: z.string(), article: z.string().optional(), explanation: kb.Localized }),
    reservations: z.array(
      z.object({ id: z.string(), state: z.string(), kind: z.string(), articles: z.array(z.string()), text: kb.Localized, effect: z.string() }),
    ),
    yieldsTo: z.array(z.string()),
    prevailsOver: z.array(z.string()),
    ...explained,
  })
  .meta({ id: 'LegalBasis' });

export const LegalBasesSchema = z
  .object({
    measure: kb.Measure,
    requesting: z.string(),
    requested: z.string(),
    on: z.string(),
    bases: z.array(LegalBasisSchema),
    kbVersion: z.string(),
    ...explained,
  })
  .meta({ id: 'LegalBasesAnswer' });

const CoveringOffenceSchema = z.object({
  id: z.string(),
  law: z.string(),
  article: z.string(),
  name: kb.Localized,
  penalty: z.object({ minYears: z.number().optional(), maxYears: z.number().optional(), text: kb.Localized }),
  citation: CitationSchema,
});
const SideSchema = z.object({
  status: z.enum(['criminalised', 'not-criminalised', 'unknown']),
  offences: z.array(CoveringOffenceSchema),
  /** Present when the State reserved the right not to criminalise the conduct (e.g. Budapest Art. 6(3)). */
  reservation: z.object({ id: z.string(), instrument: z.string(), article: z.string(), text: kb.Localized, citation: CitationSchema }).optional(),
});

export const DualCriminalitySchema = z
  .object({
    conducts: z.array(z.string()),
    requesting: z.string(),
    requested: z.string(),
    measure: kb.Measure,
    instrument: z.string(),
    on: z.string(),
    requirement: z.enum(['required', 'not-required', 'requested-state-law']),
    /** not-applicable: the instrument does not bind the two States on the date. */
    verdict: z.enum(['met', 'not-met', 'not-required', 'not-applicable', 'cannot-be-determined']),
    undeterminedBecause: z.array(z.string()).optional(),
    findings: z.array(
      z.object({ conduct: z.string(), requesting: SideSchema, requested: SideSchema, verdict: z.enum(['met', 'not-met', 'cannot-be-determined']) }),
    ),
    kbVersion: z.string(),
    ...explained,
  })
  .meta({ id: 'DualCriminalityAnswer' });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    detail: z.string(),
    instance: z.string(),
    code: z.string(),
    errors: z.array(z.object({ path: z.string(), code: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

/** Query strings are bounded here; their meaning (known State, calendar date…) is checked by the service, which lists every bad field at once. */
export const q = (description: string) => z.string().max(200).optional().describe(description);
export const lang = z.enum(['es', 'en']).optional().describe('Language of explanation texts (default: Accept-Language, then es)');

// ── What every route file of the API shares ─────────────────────────────────────────────────────

/** The server as route files declare on it: schemas are zod's, and request and reply are typed from them. */
export type ApiServer = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

/** Both ways of authenticating to the API; `person` routes take only the browser session. */
export const SECURITY_SCHEMES = {
  bearerToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token (cta_…) made by a person in a browser session; it acts in one organisation with at most its scopes.',
  },
  sessionCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: '__Host-custodia_session',
    description: 'The browser session. State-changing requests must also send the session’s CSRF token in the x-csrf-token header.',
  },
} as const;
type SecurityRequirement = Record<string, readonly string[]>;
/** A route an API token or a browser session may call. */
export const anyone: SecurityRequirement[] = [{ bearerToken: [] }, { sessionCookie: [] }];
/** A route only a person in a browser session may call. */
export const personOnly: SecurityRequirement[] = [{ sessionCookie: [] }];

/** The refusals of a route for signed-in callers: unauthenticated, forbidden, not found, conflict, invalid. */
export const signedInProblems = { 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema };

/** Path and body strings: bounded here; their format and meaning are the module's to judge. */
export const text = (max: number, description: string) => z.string().max(max).describe(description);
export const Empty = z.null().describe('done; no content');

/** Answers with case or personal content: no shared or browser cache keeps them. */
export const noStore = async (_request: FastifyRequest, reply: FastifyReply) => {
  reply.header('cache-control', 'no-store');
};

/**
 * A signed-in route's options: its policy (checked before any input is read), its OpenAPI schema with
 * the tags, who may call it (API tokens and sessions unless said otherwise) and the refusals of
 * signed-in routes beside its own answers, and `no-store` for routes answering with case content.
 *
 * @example r.get('/api/v1/requests', signedIn({ permission: 'requests.read' }, { operationId, summary, response: { 200: S } }, { tags, noStore: true }), handler)
 */
export function signedIn<S extends { response: Record<number, z.ZodType> }>(
  policy: RoutePolicy,
  schema: S,
  how: { tags: string[]; security?: SecurityRequirement[]; noStore?: boolean },
) {
  return {
    config: { policy },
    ...(how.noStore ? { onRequest: noStore } : {}),
    schema: { tags: how.tags, security: how.security ?? anyone, ...schema, response: { ...signedInProblems, ...schema.response } },
  };
}
