import {
  AUTHORITY_ROLES,
  type Authority,
  type Channel,
  type DeadlineRule,
  type Declaration,
  type Instrument,
  type Localized,
  type MandatoryElement,
  type Measure,
  type MeasureProvision,
} from '../schema.ts';
import { type Citation, type Explained, Reasoning } from './answer.ts';
import { type InForceAnswer, inForceBetween } from './in-force.ts';
import type { KnowledgeSnapshot } from './snapshot.ts';

export interface ChannelRoute {
  channel: Channel;
  /** The designated body in the requested State, when the knowledge base has one. */
  authority?: { id: string; name: Localized; citation: Citation };
  urgentOnly?: boolean;
}

export interface LegalBasis extends Explained {
  rank: number | null;
  instrument: string;
  instrumentTitle: Localized;
  kind: Instrument['kind'];
  available: boolean;
  /** Why not available, when it is not. */
  unavailableReason?: string;
  inForceSince?: string;
  articles: string[];
  /** What the provision does, when the knowledge base says it in words. */
  provisionText?: Localized;
  /** A named alias (production order, search and seizure): the provision that carries it and the domestic powers it stands for. */
  alias?: { measure: Measure; domesticArticles: string[]; text: Localized };
  /** The measure whose provision carries the request when it is not the one asked for (a bilateral MLA treaty). */
  via?: Measure;
  channels: ChannelRoute[];
  /** Where an urgent request goes: the requested State's Art. 27(9)(e)-style declaration narrows it to the central authority. */
  urgentChannels: ChannelRoute[];
  mandatoryContent: MandatoryElement[];
  languages: string[];
  urgentMeans?: { text: Localized; article: string };
  deadlines: DeadlineRule[];
  conditions: Array<{ text: Localized; article: string }>;
  dualCriminality: MeasureProvision['dualCriminality'];
  reservations: Array<{ id: string; state: string; kind: string; articles: string[]; text: Localized; effect: string }>;
  /** Treaties in force between the two States that this basis gives way to, by its own clause on other agreements. */
  yieldsTo: string[];
  /** Multilateral bases that give way to this treaty. */
  prevailsOver: string[];
}

export interface LegalBasesAnswer extends Explained {
  measure: Measure;
  requesting: string;
  requested: string;
  on: string;
  bases: LegalBasis[];
}

interface Candidate {
  instrument: Instrument;
  provision: MeasureProvision;
  basis: LegalBasis;
  force: InForceAnswer;
}

/**
 * Which instruments can carry a request of this type from `requesting` to `requested` on `on`, best
 * first. Available bases come first; a multilateral provision that by its own terms gives way to a
 * treaty in force between the two States (Budapest Art. 27(1), 24(5), 39(2)) ranks after that treaty;
 * then the provision's preference (the specialised expedited mechanism before general MLA), then how
 * well sourced the answer is. Bilateral treaties count only between their own two States.
 */
export function legalBases(kb: KnowledgeSnapshot, measure: Measure, requesting: string, requested: string, on: string, today: string): LegalBasesAnswer {
  const summary = new Reasoning(kb.namer);
  const candidates: Candidate[] = [];
  for (const instrument of kb.instruments.values()) {
    if (instrument.kind === 'bilateral' && !bindsPair(kb, instrument, requesting, requested)) continue;
    const own = instrument.measures.find((m) => m.measure === measure);
    // A bilateral MLA treaty carries every request a multilateral provision sends to "a mutual assistance
    // treaty": it is listed under its general provision for that measure.
    const viaTreaty = own ? undefined : instrument.kind === 'bilateral' ? treatyMeasureFor(kb, measure, instrument) : undefined;
    const provision = own ?? viaTreaty;
    if (!provision) continue;
    const force = inForceBetween(kb, instrument, requesting, requested, on, today);
    const basis = basisFor(kb, instrument, provision, force, requested, on);
    if (viaTreaty) {
      basis.via = viaTreaty.measure;
      basis.explanation.push(
        ...new Reasoning(kb.namer).step('bases.via_treaty_provision', {
          instrument: instrument.id,
          measure,
          via: viaTreaty.measure,
          articles: viaTreaty.articles.join(', '),
        }).steps,
      );
    }
    candidates.push({ instrument, provision, basis, force });
  }
  rankAgainstTreaties(kb, candidates);

  const weakness = (b: LegalBasis) => b.warnings.filter((w) => w.code.startsWith('fact.')).length;
  const preference = new Map(candidates.map((c) => [c.basis, c.provision.preference]));
  const bases = candidates.map((c) => c.basis);
  bases.sort(
    (a, b) =>
      Number(b.available) - Number(a.available) ||
      Number(a.yieldsTo.length > 0) - Number(b.yieldsTo.length > 0) ||
      (preference.get(a) ?? 99) - (preference.get(b) ?? 99) ||
      weakness(a) - weakness(b) ||
      a.instrument.localeCompare(b.instrument),
  );
  let rank = 0;
  for (const b of bases) b.rank = b.available ? ++rank : null;
  if (bases.length === 0) summary.step('bases.none_provide', { measure });
  else if (rank === 0) summary.step('bases.none_available', { measure, requesting, requested, on });
  else summary.step('bases.found', { measure, requesting, requested, on, count: rank, best: bases[0]?.instrument ?? '' });
  for (const b of bases) summary.merge({ explanation: [], citations: [], warnings: b.warnings });
  return { measure, requesting, requested, on, bases, ...summary.done() };
}

/** A bilateral treaty concerns only the two States with acts recorded under it. */
function bindsPair(kb: KnowledgeSnapshot, instrument: Instrument, a: string, b: string): boolean {
  return kb.events(instrument.id, a).length > 0 && kb.events(instrument.id, b).length > 0;
}

/** The bilateral's provision for the measure a multilateral provision for `measure` gives way to, if any. */
function treatyMeasureFor(kb: KnowledgeSnapshot, measure: Measure, bilateral: Instrument): MeasureProvision | undefined {
  const wanted = kb.memo(`treaty-measures|${measure}`, () => {
    const set = new Set<Measure>();
    for (const i of kb.instruments.values()) {
      if (i.kind !== 'multilateral') continue;
      const p = i.measures.find((m) => m.measure === measure);
      if (p?.yieldsToTreaty) set.add(p.yieldsToTreaty.treatyMeasure);
    }
    return [...set];
  });
  for (const m of wanted) {
    const p = bilateral.measures.find((x) => x.measure === m);
    if (p) return p;
  }
  return undefined;
}

/**
 * A multilateral provision whose text gives way to a treaty between the two Parties (Budapest Art.
 * 27(1): the Art. 27 procedure applies only where no mutual assistance treaty is in force; Art. 24(5):
 * extradition is subject to the applicable extradition treaties; Art. 39(1)-(2): the Convention
 * supplements them) ranks after an available bilateral treaty that provides the measure it names.
 */
function rankAgainstTreaties(kb: KnowledgeSnapshot, candidates: Candidate[]): void {
  const treaties = candidates.filter((c) => c.instrument.kind === 'bilateral' && c.basis.available);
  if (treaties.length === 0) return;
  for (const c of candidates) {
    const clause = c.provision.yieldsToTreaty;
    if (c.instrument.kind !== 'multilateral' || !clause || !c.basis.available) continue;
    for (const t of treaties) {
      if (!t.instrument.measures.some((m) => m.measure === clause.treatyMeasure)) continue;
      c.basis.yieldsTo.push(t.instrument.id);
      t.basis.prevailsOver.push(c.instrument.id);
      const params = {
        instrument: c.instrument.id,
        treaty: t.instrument.id,
        treaty_es: t.instrument.shortTitle.es,
        treaty_en: t.instrument.shortTitle.en,
        articles: clause.articles.join(', '),
        text_es: clause.text.es,
        text_en: clause.text.en,
      };
      const cite = kb.cite(c.provision, { instrument: c.instrument.id, article: clause.articles.join(', ') });
      c.basis.explanation.push(...new Reasoning(kb.namer).step('bases.yields_to_treaty', params, [cite]).steps);
      t.basis.explanation.push(...new Reasoning(kb.namer).step('bases.treaty_prevails', { ...params, since: t.basis.inForceSince ?? '' }, [cite]).steps);
      addCitation(c.basis, cite);
      addCitation(t.basis, cite);
    }
  }
}

function addCitation(basis: LegalBasis, cite: Citation): void {
  if (!basis.citations.some((c) => c.source === cite.source && c.instrument === cite.instrument && c.article === cite.article)) basis.citations.push(cite);
}

function basisFor(kb: KnowledgeSnapshot, instrument: Instrument, provision: MeasureProvision, force: InForceAnswer, requested: string, on: string): LegalBasis {
  const side = requestedSide(kb, instrument, provision, requested, on);
  const r = new Reasoning(kb.namer).merge(force).merge(side.reasoning);
  const basis: LegalBasis = {
    rank: null,
    instrument: instrument.id,
    instrumentTitle: instrument.shortTitle,
    kind: instrument.kind,
    available: force.inForce,
    articles: provision.articles,
    channels: side.channels,
    urgentChannels: side.urgentChannels,
    mandatoryContent: provision.mandatoryContent,
    languages: side.languages,
    deadlines: provision.deadlines,
    conditions: provision.conditions,
    dualCriminality: provision.dualCriminality,
    reservations: side.reservations,
    yieldsTo: [],
    prevailsOver: [],
    ...r.done(),
  };
  if (!force.inForce) basis.unavailableReason = 'not-in-force-between-states';
  if (force.since) basis.inForceSince = force.since;
  if (provision.urgentMeans) basis.urgentMeans = provision.urgentMeans;
  if (provision.explanation) basis.provisionText = provision.explanation;
  if (provision.aliasOf) basis.alias = provision.aliasOf;
  return basis;
}

interface RequestedSide {
  channels: ChannelRoute[];
  urgentChannels: ChannelRoute[];
  languages: string[];
  reservations: LegalBasis['reservations'];
  reasoning: Explained;
}

/**
 * What a provision requires and where it goes in the requested State: channels and designated
 * authorities, languages, reservations, deadlines, conditions. It does not depend on the requesting
 * State; the date matters only through the declarations withdrawn by then (Budapest Art. 43), so it is
 * computed once per instrument, measure, requested State and set of withdrawn declarations.
 */
function requestedSide(kb: KnowledgeSnapshot, instrument: Instrument, provision: MeasureProvision, requested: string, on: string): RequestedSide {
  const withdrawn = kb.withdrawnBy(instrument.id, requested, on);
  const withdrawnKey = withdrawn.map((d) => d.id).join(',');
  return kb.memo(`requested-side|${instrument.id}|${provision.measure}|${requested}|${withdrawnKey}`, () => {
    const r = new Reasoning(kb.namer);
    const provisionCite = kb.cite(provision, { instrument: instrument.id, article: provision.articles.join(', ') });
    r.step('bases.provision', { instrument: instrument.id, measure: provision.measure, articles: provision.articles.join(', ') }, [provisionCite]);
    if (provision.explanation) {
      r.step('bases.provision_text', { articles: provision.articles.join(', '), text_es: provision.explanation.es, text_en: provision.explanation.en }, [
        provisionCite,
      ]);
    }
    if (provision.aliasOf) {
      const a = provision.aliasOf;
      r.step(
        'bases.alias',
        {
          instrument: instrument.id,
          measure: provision.measure,
          via: a.measure,
          articles: provision.articles.join(', '),
          domestic: a.domesticArticles.join(', '),
          text_es: a.text.es,
          text_en: a.text.en,
        },
        [provisionCite],
      );
    }

    const declarations = kb.declarationsOn(instrument.id, requested, on);
    // A withdrawn declaration that would have bitten on this provision is said to be gone, with its withdrawal cited.
    for (const d of withdrawn.filter((x) => shapesRoute(x, provision))) {
      if (!d.withdrawn) continue;
      r.step('bases.declaration_withdrawn', { state: requested, instrument: instrument.id, articles: d.articles.join(', '), date: d.withdrawn.date }, [
        kb.cite(d.withdrawn, { instrument: instrument.id, article: d.articles.join(', ') }),
      ]);
    }
    const urgentToCentral = declarations.find((d) => d.effect.type === 'urgent-requests-via-central-authority');
    const urgentOnly = new Set<Channel>(provision.urgentOnly?.channels ?? []);
    let channels = provision.channels.map((channel) => route(kb, channel, requested, instrument.id, urgentOnly.has(channel)));
    let urgentChannels = channels;
    if (provision.urgentOnly) {
      r.step(
        'bases.urgent_only_channels',
        { instrument: instrument.id, article: provision.urgentOnly.article, text_es: provision.urgentOnly.text.es, text_en: provision.urgentOnly.text.en },
        [kb.cite(provision, { instrument: instrument.id, article: provision.urgentOnly.article })],
      );
    }
    if (urgentToCentral) {
      const declarationCite = kb.cite(urgentToCentral, { instrument: instrument.id, article: urgentToCentral.articles.join(', ') });
      r.step('bases.urgent_via_central', { state: requested, instrument: instrument.id, articles: urgentToCentral.articles.join(', ') }, [declarationCite]);
      const central = channels.find((c) => c.channel === 'central-authority') ?? {
        ...route(kb, 'central-authority', requested, instrument.id, false),
        urgentOnly: true,
      };
      if (!channels.includes(central)) channels = [...channels, central];
      if (provision.urgentOnly) {
        // Art. 27(9)(e): the direct judicial and INTERPOL routes the provision opens for urgent cases are
        // closed for this State; an urgent request goes to its central authority.
        channels = channels.filter((c) => !urgentOnly.has(c.channel));
        urgentChannels = [central];
        r.step(
          'bases.urgent_channels_closed',
          { state: requested, instrument: instrument.id, article: provision.urgentOnly.article, articles: urgentToCentral.articles.join(', ') },
          [declarationCite],
        );
      } else {
        urgentChannels = [central, ...channels.filter((c) => c !== central)];
      }
    } else {
      urgentChannels = channels;
    }
    for (const c of channels) {
      if (c.authority && c.channel === 'extradition-authority') {
        // The body the requested State designated for extradition or provisional arrest absent a treaty (Budapest
        // Art. 24(7)): said with the declaration that designates it when the knowledge base records one.
        const authority = kb.authorities(requested).find((a) => a.id === c.authority?.id);
        const declaration = declarations.find((d) => d.articles.some((a) => provision.articles.some((p) => a.startsWith(`${p}(`))));
        const kind = declaration ? 'declared' : authority?.instruments.includes(instrument.id) ? 'designated' : 'national';
        const article = declaration?.articles.find((a) => provision.articles.some((p) => a.startsWith(`${p}(`))) ?? provision.articles.join(', ');
        const cites = [c.authority.citation];
        if (declaration) cites.push(kb.cite(declaration, { instrument: instrument.id, article }));
        r.step(
          'bases.extradition_authority',
          { kind, article, authority_es: c.authority.name.es, authority_en: c.authority.name.en, state: requested, instrument: instrument.id },
          cites,
        );
      } else if (c.authority) {
        r.step('bases.channel_authority', { channel: c.channel, authority_es: c.authority.name.es, authority_en: c.authority.name.en, state: requested }, [
          c.authority.citation,
        ]);
      } else if (designates(c.channel)) {
        r.warn('bases.authority_not_published', { channel: c.channel, state: requested, instrument: instrument.id });
      }
    }

    const languages = [
      ...new Set(
        kb
          .authorities(requested)
          .filter((a) => applies(a, instrument.id))
          .flatMap((a) => a.acceptedLanguages),
      ),
    ];
    if (languages.length === 0) r.warn('bases.languages_unknown', { state: requested });
    else r.step('bases.languages', { state: requested, languages: languages.join(', ') });

    const reservations = declarations
      .filter((d) => bitesOn(d, provision))
      .map((d) => ({ id: d.id, state: d.state, kind: d.kind, articles: d.articles, text: d.text, effect: d.effect.type }));
    if (provision.measure === 'preservation') {
      for (const d of declarations.filter((x) => x.effect.type === 'dual-criminality-for-preservation')) {
        r.step('bases.preservation_reservation', { state: requested, instrument: instrument.id, articles: d.articles.join(', ') }, [
          kb.cite(d, { instrument: instrument.id, article: d.articles.join(', ') }),
        ]);
      }
    }
    // Budapest Art. 14(3): the requested State applies this measure only to the offences its reservation names.
    for (const d of declarations) {
      if (d.effect.type !== 'measure-restriction' || !d.effect.measures.includes(provision.measure)) continue;
      const params = {
        state: requested,
        instrument: instrument.id,
        measure: provision.measure,
        articles: d.articles.join(', '),
        scope_es: d.effect.scope.es,
        scope_en: d.effect.scope.en,
      };
      r.step('bases.measure_restriction', params, [kb.cite(d, { instrument: instrument.id, article: d.articles.join(', ') })]);
      r.warn('bases.measure_restriction', params);
    }
    for (const d of provision.deadlines) r.step('bases.deadline', { label_es: d.label.es, label_en: d.label.en, article: d.article }, [provisionCite]);
    for (const c of provision.conditions) r.step('bases.condition', { article: c.article, text_es: c.text.es, text_en: c.text.en }, [provisionCite]);
    return { channels, urgentChannels, languages, reservations, reasoning: r.done() };
  });
}

/** Whether a declaration concerns this provision: every non-informational one does, except a measure restriction
 * (Budapest Art. 14(3)), which concerns only the measures it names. */
function bitesOn(d: Declaration, provision: MeasureProvision): boolean {
  if (d.effect.type === 'informational') return false;
  if (d.effect.type === 'measure-restriction') return d.effect.measures.includes(provision.measure);
  return true;
}

/** Whether a declaration changes what this answer says about the provision itself (conduct effects belong to the
 * dual-criminality answer): the measure restriction on it, the urgent route, the preservation reservation. */
function shapesRoute(d: Declaration, provision: MeasureProvision): boolean {
  if (d.effect.type === 'measure-restriction') return d.effect.measures.includes(provision.measure);
  if (d.effect.type === 'dual-criminality-for-preservation') return provision.measure === 'preservation';
  return d.effect.type === 'urgent-requests-via-central-authority';
}

function applies(a: Authority, instrument: string): boolean {
  return a.instruments.length === 0 || a.instruments.includes(instrument);
}

const ROLES = new Set<string>(AUTHORITY_ROLES);

/** Channels that run through a body the requested State designates (and publishes): every authority role that is
 * also a channel, the extradition authority (Budapest Art. 24(7)) included. */
function designates(channel: Channel): boolean {
  return ROLES.has(channel);
}

function route(kb: KnowledgeSnapshot, channel: Channel, state: string, instrument: string, urgentOnly: boolean): ChannelRoute {
  const designated = ROLES.has(channel)
    ? kb
        .authorities(state)
        .filter((a) => a.role === channel && applies(a, instrument))
        .sort((a, b) => kb.rankOf(a.source) - kb.rankOf(b.source))[0]
    : undefined;
  const out: ChannelRoute = designated
    ? { channel, authority: { id: designated.id, name: designated.name, citation: kb.cite(designated, { instrument }) } }
    : { channel };
  if (urgentOnly) out.urgentOnly = true;
  return out;
}
