import { z } from 'zod';

/**
 * The knowledge-base file format (schemaVersion 1). Every fact carries its provenance: the source
 * it comes from, the date it was true as of, the date we recorded it and a confidence level.
 * Confidence maps the reference tags: [V] verified, [V2] secondary, [M] unverified, [U] uncertain.
 */

export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected an ISO date YYYY-MM-DD')
  .refine((value) => {
    const date = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
  }, 'not a calendar date');

export const Localized = z.object({ es: z.string().min(1), en: z.string().min(1) }).strict();
export type Localized = z.infer<typeof Localized>;

export const StateCode = z.string().regex(/^(?:[A-Z]{2}|EU)$/, 'expected an ISO 3166-1 alpha-2 code or EU');
export const InstrumentId = z.string().regex(/^[A-Z0-9][A-Z0-9-]{1,31}$/, 'expected an instrument id such as ETS185');
const Slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case id (a-z, 0-9, -)');

export const CONFIDENCE = ['verified', 'secondary', 'unverified', 'uncertain'] as const;
export const Confidence = z.enum(CONFIDENCE);
export type Confidence = z.infer<typeof Confidence>;

/** Source rank, highest first (PRODUCT.md: depositary > gazette > government > profile > index > news). */
export const SOURCE_TIERS = ['depositary', 'gazette', 'government', 'igo_profile', 'index', 'news', 'secondary', 'curator'] as const;
export const SourceTier = z.enum(SOURCE_TIERS);
export type SourceTier = z.infer<typeof SourceTier>;

export const provenance = {
  source: z.string().min(1),
  asOf: IsoDate,
  recorded: IsoDate,
  confidence: Confidence,
  locator: z.string().min(1).optional(),
  note: z.string().min(1).optional(),
};
export const Provenance = z.object(provenance);
export type Provenance = z.infer<typeof Provenance>;

export const Source = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9.:_-]*$/, 'expected a lower-case source id'),
    tier: SourceTier,
    title: z.string().min(1),
    publisher: z.string().min(1),
    url: z.string().url().optional(),
    citation: z.string().min(1).optional(),
    published: IsoDate.optional(),
    statusAsOf: IsoDate.optional(),
    retrieved: IsoDate,
  })
  .strict()
  .refine((s) => s.url !== undefined || s.citation !== undefined, { message: 'a source needs a url or a citation', path: ['url'] });
export type Source = z.infer<typeof Source>;

export const State = z
  .object({
    code: StateCode,
    name: Localized,
    kind: z.enum(['state', 'reio']),
    groups: z.array(Slug).default([]),
    ...provenance,
  })
  .strict();
export type State = z.infer<typeof State>;

/**
 * A conduct of the taxonomy offences and reservations are mapped to. A sub-conduct names its
 * `parent` (one level): an offence mapped to the parent covers every sub-conduct, while a partial
 * reservation or an offence that covers only one sub-conduct bites on that one alone.
 */
export const Conduct = z.object({ id: Slug, name: Localized, description: Localized, parent: Slug.optional() }).strict();
export type Conduct = z.infer<typeof Conduct>;

export const MEASURES = [
  'preservation',
  'preserved-traffic-disclosure',
  'stored-data-access',
  'subscriber-information',
  'real-time-collection',
  'interception',
  'assistance-24-7',
  'spontaneous-information',
  'direct-provider-request',
  'domain-registration-information',
  'emergency-disclosure',
  'mutual-legal-assistance',
  'joint-investigation',
  'extradition',
  /** Named aliases: the domestic powers (Budapest Arts. 18 and 19) are asked for between States through
   * the instruments' stored-data provisions (Budapest Art. 31); the provision says so in `aliasOf`. */
  'production-order',
  'search-and-seizure',
] as const;
export const Measure = z.enum(MEASURES);
export type Measure = z.infer<typeof Measure>;

export const CHANNELS = [
  'central-authority',
  'point-of-contact-24-7',
  'direct-to-provider',
  'judicial-authority',
  'diplomatic',
  'interpol',
  /** Budapest Art. 24(7): the authority designated for extradition or provisional arrest absent a treaty. */
  'extradition-authority',
] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

export const Period = z.discriminatedUnion('type', [
  z.object({ type: z.literal('days-after'), days: z.number().int().min(0) }).strict(),
  z.object({ type: z.literal('first-of-month-after-months'), months: z.number().int().min(1) }).strict(),
  z.object({ type: z.literal('months-after'), months: z.number().int().min(1) }).strict(),
]);
export type Period = z.infer<typeof Period>;

export const CONSENT_EVENTS = ['ratification', 'acceptance', 'approval', 'accession', 'definitive-signature'] as const;
export const STATUS_EVENTS = ['signature', ...CONSENT_EVENTS, 'entry-into-force', 'denunciation'] as const;
export const StatusEventType = z.enum(STATUS_EVENTS);
export type StatusEventType = z.infer<typeof StatusEventType>;

export const EntryIntoForceRule = z
  .object({
    /** The article that fixes it; absent when no source consulted shows it (some bilateral treaties). */
    article: z.string().min(1).optional(),
    /** Consent instruments needed for the general entry into force. */
    threshold: z.number().int().min(1),
    /** REIO instruments are not counted on top of their members' (UNCC Art. 65(1)). */
    excludeKinds: z.array(z.enum(['reio'])).default([]),
    /** e.g. Budapest Art. 36(3): at least three member States of the Council of Europe. */
    minFromGroup: z
      .object({ group: Slug, count: z.number().int().min(1) })
      .strict()
      .optional(),
    /** e.g. CETS 224 binds only Parties to ETS 185. */
    requiresPartyTo: InstrumentId.optional(),
    /**
     * The periods after the triggering deposit and after a later joiner's deposit. Absent when not read in
     * a source: the engine then computes no date and relies on the recorded entries into force.
     */
    general: Period.optional(),
    laterJoiner: Period.optional(),
    /** UNCC Art. 65(2): the 30th day after deposit "or" the general date, whichever is later. */
    laterJoinerNotBeforeGeneral: z.boolean().default(false),
    ...provenance,
  })
  .strict();
export type EntryIntoForceRule = z.infer<typeof EntryIntoForceRule>;

export const Article = z
  .object({
    number: z.string().regex(/^[0-9]+(?:[-.][A-Za-z0-9]+)*$/, 'expected an article number such as 29 or 5-A'),
    title: Localized,
    /** Conducts this article establishes as offences (offence articles only). */
    conducts: z.array(Slug).default([]),
    ...provenance,
  })
  .strict();
export type Article = z.infer<typeof Article>;

export const MandatoryElement = z.object({ id: Slug, label: Localized, article: z.string().min(1) }).strict();
export type MandatoryElement = z.infer<typeof MandatoryElement>;

/** The step of a request a deadline is counted from (see cooperation/lifecycle.ts). */
export const DEADLINE_ANCHORS = ['sent', 'received', 'acknowledged', 'in_execution', 'executed'] as const;

export const DeadlineRule = z
  .object({
    id: Slug,
    kind: z.enum(['minimum', 'maximum', 'target']),
    /** Counted from this step of the request... */
    from: z.enum(DEADLINE_ANCHORS).default('sent'),
    /** ...and, until that step is known, provisionally from this earlier one, so a reminder is never late. */
    provisionalFrom: z.enum(DEADLINE_ANCHORS).optional(),
    days: z.number().int().min(1).optional(),
    hours: z.number().int().min(1).optional(),
    label: Localized,
    article: z.string().min(1),
  })
  .strict()
  .refine((d) => d.days !== undefined || d.hours !== undefined, { message: 'a deadline needs days or hours', path: ['days'] });
export type DeadlineRule = z.infer<typeof DeadlineRule>;

export const DUAL_CRIMINALITY_RULES = ['not-required', 'required', 'requested-state-law'] as const;

export const MeasureProvision = z
  .object({
    measure: Measure,
    articles: z.array(z.string().min(1)).min(1),
    channels: z.array(Channel).min(1),
    /** Lower is preferred when several instruments can carry the same request. */
    preference: z.number().int().min(1).max(99),
    dualCriminality: z.object({ rule: z.enum(DUAL_CRIMINALITY_RULES), article: z.string().min(1).optional(), explanation: Localized }).strict(),
    mandatoryContent: z.array(MandatoryElement).default([]),
    urgentMeans: z
      .object({ text: Localized, article: z.string().min(1) })
      .strict()
      .optional(),
    deadlines: z.array(DeadlineRule).default([]),
    conditions: z.array(z.object({ text: Localized, article: z.string().min(1) }).strict()).default([]),
    /** What the provision does, in a sentence a prosecutor can check against the article. */
    explanation: Localized.optional(),
    /** A named alias (production order, search and seizure): the measure is requested through the
     * provision of `measure`; `domesticArticles` are the domestic powers it corresponds to. */
    aliasOf: z
      .object({ measure: Measure, domesticArticles: z.array(z.string().min(1)).min(1), text: Localized })
      .strict()
      .optional(),
    /** Channels the instrument opens only in urgent cases (Budapest Art. 27(9)(a)/(b)). */
    urgentOnly: z
      .object({ channels: z.array(Channel).min(1), article: z.string().min(1), text: Localized })
      .strict()
      .optional(),
    /** The instrument's own clause on other agreements (Budapest Art. 27(1), 24(5), 39): when a treaty
     * between the two States providing `treatyMeasure` is in force, that treaty is applied first. */
    yieldsToTreaty: z
      .object({ treatyMeasure: Measure, articles: z.array(z.string().min(1)).min(1), text: Localized })
      .strict()
      .optional(),
    ...provenance,
  })
  .strict();
export type MeasureProvision = z.infer<typeof MeasureProvision>;

export const Instrument = z
  .object({
    id: InstrumentId,
    kind: z.enum(['multilateral', 'bilateral']),
    title: Localized,
    shortTitle: Localized,
    depositary: z.string().min(1),
    adopted: IsoDate.optional(),
    openedForSignature: IsoDate.optional(),
    parent: InstrumentId.optional(),
    entryIntoForce: EntryIntoForceRule,
    /** The general entry-into-force date as recorded by the depositary, when known. */
    generalEntryIntoForce: z
      .object({ date: IsoDate, ...provenance })
      .strict()
      .optional(),
    denunciation: z
      .object({ article: z.string().min(1), effect: Period, ...provenance })
      .strict()
      .optional(),
    articles: z.array(Article).min(1),
    measures: z.array(MeasureProvision).default([]),
    refusalGrounds: z.array(z.object({ id: Slug, label: Localized, articles: z.array(z.string().min(1)).min(1) }).strict()).default([]),
    ...provenance,
  })
  .strict();
export type Instrument = z.infer<typeof Instrument>;

export const StatusEvent = z.object({ instrument: InstrumentId, state: StateCode, event: StatusEventType, date: IsoDate, ...provenance }).strict();
export type StatusEvent = z.infer<typeof StatusEvent>;

export const DeclarationEffect = z.discriminatedUnion('type', [
  /** Budapest Art. 29(4) and the like: the requested State may refuse preservation when dual criminality
   * cannot be met, except for offences established under the listed articles. */
  z.object({ type: z.literal('dual-criminality-for-preservation'), exceptArticles: z.array(z.string()).default([]) }).strict(),
  /** Budapest Art. 27(9)(e): urgent requests must go to the central authority. */
  z.object({ type: z.literal('urgent-requests-via-central-authority') }).strict(),
  /** An extra element the State requires for an offence (e.g. breach of security measures). */
  z.object({ type: z.literal('offence-element'), conduct: Slug, element: Localized }).strict(),
  /** The State does not criminalise part of a conduct (reservation). */
  z.object({ type: z.literal('not-criminalised'), conduct: Slug, scope: Localized }).strict(),
  /** A reservation on a criminalisation article (e.g. Budapest Art. 6(3) on Art. 6(1)(b)): the State reserved
   * the right not to criminalise this conduct or sub-conduct, established by `article` of the instrument. Dual
   * criminality for that conduct is then not met unless an offence of the State is mapped to it directly. */
  z.object({ type: z.literal('criminalisation-reservation'), conduct: Slug, article: z.string().min(1) }).strict(),
  /** Budapest Art. 14(3): the State reserved the right to apply a procedural measure (Art. 20 real-time collection of
   * traffic data, Art. 21 interception of content data) only to the offences described in `scope`. Shown as a
   * condition on the matching measures when the State is the requested one. */
  z.object({ type: z.literal('measure-restriction'), measures: z.array(Measure).min(1), scope: Localized }).strict(),
  z.object({ type: z.literal('informational') }).strict(),
]);
export type DeclarationEffect = z.infer<typeof DeclarationEffect>;

export const Declaration = z
  .object({
    id: Slug,
    instrument: InstrumentId,
    state: StateCode,
    kind: z.enum(['reservation', 'declaration']),
    articles: z.array(z.string().min(1)).min(1),
    made: IsoDate.optional(),
    /** Withdrawn (Budapest Art. 43): the declaration stops applying on this date (the date the withdrawal took
     * effect, e.g. its receipt by the depositary), with the provenance of the withdrawal itself. */
    withdrawn: z
      .object({ date: IsoDate, ...provenance })
      .strict()
      .optional(),
    text: Localized,
    effect: DeclarationEffect,
    ...provenance,
  })
  .strict();
export type Declaration = z.infer<typeof Declaration>;

/** A declaration applies on `on` unless it was withdrawn on or before that date. */
export function declarationInEffect(d: Pick<Declaration, 'withdrawn'>, on: string): boolean {
  return d.withdrawn === undefined || on < d.withdrawn.date;
}

export const AUTHORITY_ROLES = [
  'central-authority',
  'point-of-contact-24-7',
  'prosecution',
  'police',
  'csirt',
  'data-protection',
  'foreign-affairs',
  'digital-security',
  /** The authority that makes or receives requests for extradition or provisional arrest: for a Budapest Party, the
   * one designated under Art. 24(7) (in the absence of a treaty; `instruments: ["ETS185"]`); otherwise the national
   * one (`instruments: []`). Answers route the `extradition-authority` channel to it. */
  'extradition-authority',
] as const;
export const Authority = z
  .object({
    id: Slug,
    state: StateCode,
    role: z.enum(AUTHORITY_ROLES),
    name: Localized,
    /** Instruments the designation is made under; empty means "all". */
    instruments: z.array(InstrumentId).default([]),
    acceptedLanguages: z.array(z.string().regex(/^[a-z]{2,3}$/)).default([]),
    description: Localized.optional(),
    ...provenance,
  })
  .strict();
export type Authority = z.infer<typeof Authority>;

export const Penalty = z
  .object({
    minYears: z.number().min(0).optional(),
    maxYears: z.number().min(0).optional(),
    text: Localized,
  })
  .strict();

export const Offence = z
  .object({
    id: Slug,
    law: z.string().min(1),
    article: z.string().min(1),
    name: Localized,
    summary: Localized,
    conducts: z.array(Slug).min(1),
    penalty: Penalty,
    amendedBy: z.string().min(1).optional(),
    repealed: IsoDate.optional(),
    ...provenance,
  })
  .strict();
export type Offence = z.infer<typeof Offence>;

export const OffenceCatalogue = z
  .object({
    state: StateCode,
    /** Conducts whose coverage was reviewed: for these, no offence means "not criminalised". */
    reviewedConducts: z.array(Slug),
    offences: z.array(Offence),
    ...provenance,
  })
  .strict();
export type OffenceCatalogue = z.infer<typeof OffenceCatalogue>;

export const PROFILE_SECTIONS = [
  'status',
  'strategy',
  'agencies',
  'csirt',
  'legislation',
  'cooperation',
  'memberships',
  'child-online-protection',
  'indices',
] as const;
export const ProfileFact = z
  .object({
    id: Slug,
    state: StateCode,
    section: z.enum(PROFILE_SECTIONS),
    /** What the fact is about; claims with the same predicate are compared for conflicts. */
    predicate: z.string().regex(/^[a-z0-9][a-zA-Z0-9.:-]*$/, 'expected a predicate such as treaty-party:ETS185'),
    value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
    text: Localized,
    ...provenance,
  })
  .strict();
export type ProfileFact = z.infer<typeof ProfileFact>;

export const Manifest = z
  .object({
    format: z.literal('custodia-kb'),
    schemaVersion: z.literal(1),
    version: z.string().min(1),
    title: Localized,
  })
  .strict();
export type Manifest = z.infer<typeof Manifest>;

/** The whole knowledge base, as it is loaded from files or from the database. */
export interface Dataset {
  manifest: Manifest;
  sources: Source[];
  states: State[];
  conducts: Conduct[];
  instruments: Instrument[];
  statusEvents: StatusEvent[];
  declarations: Declaration[];
  authorities: Authority[];
  offenceCatalogues: OffenceCatalogue[];
  profileFacts: ProfileFact[];
}

/** A knowledge base with nothing in it but its manifest. */
export function emptyDataset(manifest: Manifest): Dataset {
  return {
    manifest,
    sources: [],
    states: [],
    conducts: [],
    instruments: [],
    statusEvents: [],
    declarations: [],
    authorities: [],
    offenceCatalogues: [],
    profileFacts: [],
  };
}
