import type { Authority, Channel, DeadlineRule, Instrument, Localized, MandatoryElement, Measure, MeasureProvision } from '../schema.ts';
import { type Citation, type Explained, Reasoning } from './answer.ts';
import { inForceBetween } from './in-force.ts';
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
  available: boolean;
  /** Why not available, when it is not. */
  unavailableReason?: string;
  inForceSince?: string;
  articles: string[];
  channels: ChannelRoute[];
  mandatoryContent: MandatoryElement[];
  languages: string[];
  urgentMeans?: { text: Localized; article: string };
  deadlines: DeadlineRule[];
  conditions: Array<{ text: Localized; article: string }>;
  dualCriminality: MeasureProvision['dualCriminality'];
  reservations: Array<{ id: string; state: string; kind: string; articles: string[]; text: Localized; effect: string }>;
}

export interface LegalBasesAnswer extends Explained {
  measure: Measure;
  requesting: string;
  requested: string;
  on: string;
  bases: LegalBasis[];
}

/**
 * Which instruments can carry a request of this type from `requesting` to `requested` on `on`, best
 * first. Available bases come first, ordered by the provision's preference (the specialised expedited
 * mechanism before general MLA), then by how well sourced the answer is.
 */
export function legalBases(kb: KnowledgeSnapshot, measure: Measure, requesting: string, requested: string, on: string, today: string): LegalBasesAnswer {
  const summary = new Reasoning(kb.namer);
  const bases: LegalBasis[] = [];
  for (const instrument of kb.instruments.values()) {
    const provision = instrument.measures.find((m) => m.measure === measure);
    if (!provision) continue;
    bases.push(basisFor(kb, instrument, provision, requesting, requested, on, today));
  }
  const weakness = (b: LegalBasis) => b.warnings.filter((w) => w.code.startsWith('fact.')).length;
  bases.sort(
    (a, b) =>
      Number(b.available) - Number(a.available) ||
      provisionOf(kb, a, measure).preference - provisionOf(kb, b, measure).preference ||
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

function provisionOf(kb: KnowledgeSnapshot, basis: LegalBasis, measure: Measure): MeasureProvision {
  const provision = kb.instruments.get(basis.instrument)?.measures.find((m) => m.measure === measure);
  if (!provision) throw new Error(`no provision ${measure} in ${basis.instrument}`);
  return provision;
}

function basisFor(
  kb: KnowledgeSnapshot,
  instrument: Instrument,
  provision: MeasureProvision,
  requesting: string,
  requested: string,
  on: string,
  today: string,
): LegalBasis {
  const force = inForceBetween(kb, instrument, requesting, requested, on, today);
  const side = requestedSide(kb, instrument, provision, requested);
  const r = new Reasoning(kb.namer).merge(force).merge(side.reasoning);
  const basis: LegalBasis = {
    rank: null,
    instrument: instrument.id,
    instrumentTitle: instrument.shortTitle,
    available: force.inForce,
    articles: provision.articles,
    channels: side.channels,
    mandatoryContent: provision.mandatoryContent,
    languages: side.languages,
    deadlines: provision.deadlines,
    conditions: provision.conditions,
    dualCriminality: provision.dualCriminality,
    reservations: side.reservations,
    ...r.done(),
  };
  if (!force.inForce) basis.unavailableReason = 'not-in-force-between-states';
  if (force.since) basis.inForceSince = force.since;
  if (provision.urgentMeans) basis.urgentMeans = provision.urgentMeans;
  return basis;
}

interface RequestedSide {
  channels: ChannelRoute[];
  languages: string[];
  reservations: LegalBasis['reservations'];
  reasoning: Explained;
}

/**
 * What a provision requires and where it goes in the requested State: channels and designated
 * authorities, languages, reservations, deadlines, conditions. It does not depend on the requesting
 * State or the date, so it is computed once per instrument, measure and requested State.
 */
function requestedSide(kb: KnowledgeSnapshot, instrument: Instrument, provision: MeasureProvision, requested: string): RequestedSide {
  return kb.memo(`requested-side|${instrument.id}|${provision.measure}|${requested}`, () => {
    const r = new Reasoning(kb.namer);
    const provisionCite = kb.cite(provision, { instrument: instrument.id, article: provision.articles.join(', ') });
    r.step('bases.provision', { instrument: instrument.id, measure: provision.measure, articles: provision.articles.join(', ') }, [provisionCite]);

    const declarations = kb.declarations(instrument.id, requested);
    const urgentToCentral = declarations.find((d) => d.effect.type === 'urgent-requests-via-central-authority');
    const channels = provision.channels.map((channel) => route(kb, channel, requested, instrument.id));
    if (urgentToCentral) {
      r.step('bases.urgent_via_central', { state: requested, instrument: instrument.id, articles: urgentToCentral.articles.join(', ') }, [
        kb.cite(urgentToCentral, { instrument: instrument.id, article: urgentToCentral.articles.join(', ') }),
      ]);
      if (!channels.some((c) => c.channel === 'central-authority'))
        channels.push({ ...route(kb, 'central-authority', requested, instrument.id), urgentOnly: true });
    }
    for (const c of channels) {
      if (c.authority) {
        r.step('bases.channel_authority', { channel: c.channel, authority_es: c.authority.name.es, authority_en: c.authority.name.en, state: requested }, [
          c.authority.citation,
        ]);
      } else if (c.channel === 'central-authority' || c.channel === 'point-of-contact-24-7') {
        r.warn('bases.authority_unknown', { channel: c.channel, state: requested, instrument: instrument.id });
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
      .filter((d) => d.effect.type !== 'informational')
      .map((d) => ({ id: d.id, state: d.state, kind: d.kind, articles: d.articles, text: d.text, effect: d.effect.type }));
    if (provision.measure === 'preservation') {
      for (const d of declarations.filter((x) => x.effect.type === 'dual-criminality-for-preservation')) {
        r.step('bases.preservation_reservation', { state: requested, instrument: instrument.id, articles: d.articles.join(', ') }, [
          kb.cite(d, { instrument: instrument.id, article: d.articles.join(', ') }),
        ]);
      }
    }
    for (const d of provision.deadlines) r.step('bases.deadline', { label_es: d.label.es, label_en: d.label.en, article: d.article }, [provisionCite]);
    for (const c of provision.conditions) r.step('bases.condition', { article: c.article, text_es: c.text.es, text_en: c.text.en }, [provisionCite]);
    return { channels, languages, reservations, reasoning: r.done() };
  });
}

function applies(a: Authority, instrument: string): boolean {
  return a.instruments.length === 0 || a.instruments.includes(instrument);
}

function route(kb: KnowledgeSnapshot, channel: Channel, state: string, instrument: string): ChannelRoute {
  const role = channel === 'central-authority' ? 'central-authority' : channel === 'point-of-contact-24-7' ? 'point-of-contact-24-7' : undefined;
  const designated = role
    ? kb
        .authorities(state)
        .filter((a) => a.role === role && applies(a, instrument))
        .sort((a, b) => kb.rankOf(a.source) - kb.rankOf(b.source))[0]
    : undefined;
  return designated ? { channel, authority: { id: designated.id, name: designated.name, citation: kb.cite(designated, { instrument }) } } : { channel };
}
