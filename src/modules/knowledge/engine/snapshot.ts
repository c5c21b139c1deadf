import {
  type Authority,
  CONSENT_EVENTS,
  type Conduct,
  type Dataset,
  type Declaration,
  declarationInEffect,
  type Instrument,
  type Offence,
  type OffenceCatalogue,
  type Provenance,
  SOURCE_TIERS,
  type Source,
  type State,
  type StatusEvent,
} from '../schema.ts';
import type { Citation } from './answer.ts';

const CONSENT = new Set<string>(CONSENT_EVENTS);
const LIST_ES = new Intl.ListFormat('es-PE', { type: 'conjunction' });
const LIST_EN = new Intl.ListFormat('en-GB', { type: 'conjunction' });
const MEMO_LIMIT = 500_000;
const withNames = (keys: string[]) => keys.map((k) => [k, `${k}_es`, `${k}_en`] as const);
type NamedKind = 'state' | 'conduct' | 'instrument';
const NAMED_PARAMS: Array<[NamedKind, ReturnType<typeof withNames>]> = [
  ['state', withNames(['state', 'a', 'b', 'requesting', 'requested', 'notParty'])],
  ['conduct', withNames(['conduct', 'conducts'])],
  ['instrument', withNames(['instrument', 'parent', 'best'])],
];

/** Lower is stronger: the index of the tier in the PRODUCT.md ranking. */
export function tierRank(tier: Source['tier']): number {
  return SOURCE_TIERS.indexOf(tier);
}

/**
 * An immutable, indexed view of one version of the knowledge base. The engine's functions are pure
 * functions of a snapshot and their arguments; building it once keeps each answer cheap.
 */
export class KnowledgeSnapshot {
  readonly dataset: Dataset;
  readonly versionId: string;
  readonly sources = new Map<string, Source>();
  readonly states = new Map<string, State>();
  readonly conducts = new Map<string, Conduct>();
  readonly instruments = new Map<string, Instrument>();
  readonly catalogues = new Map<string, OffenceCatalogue>();
  readonly #events = new Map<string, StatusEvent[]>();
  readonly #eventsByInstrument = new Map<string, StatusEvent[]>();
  readonly #declarations = new Map<string, Declaration[]>();
  readonly #authorities = new Map<string, Authority[]>();
  readonly #offencesByConduct = new Map<string, Offence[]>();
  readonly #memo = new Map<string, unknown>();

  constructor(dataset: Dataset, versionId: string) {
    this.dataset = dataset;
    this.versionId = versionId;
    for (const s of dataset.sources) this.sources.set(s.id, s);
    for (const s of dataset.states) this.states.set(s.code, s);
    for (const c of dataset.conducts) this.conducts.set(c.id, c);
    for (const i of dataset.instruments) this.instruments.set(i.id, i);
    for (const e of dataset.statusEvents) {
      push(this.#events, `${e.instrument}/${e.state}`, e);
      push(this.#eventsByInstrument, e.instrument, e);
    }
    for (const d of dataset.declarations) push(this.#declarations, `${d.instrument}/${d.state}`, d);
    for (const a of dataset.authorities) push(this.#authorities, a.state, a);
    for (const c of dataset.offenceCatalogues) {
      this.catalogues.set(c.state, c);
      for (const o of c.offences) for (const conduct of o.conducts) push(this.#offencesByConduct, `${c.state}/${conduct}`, o);
    }
  }

  /**
   * Caches a derived answer. A snapshot never changes, so an answer computed from it for the same
   * arguments is the same answer; callers must treat cached values as read-only.
   */
  memo<T>(key: string, compute: () => T): T {
    const hit = this.#memo.get(key);
    if (hit !== undefined) return hit as T;
    const value = compute();
    // Bounded: a node asked about many dates must not grow without limit.
    if (this.#memo.size >= MEMO_LIMIT) this.#memo.clear();
    this.#memo.set(key, value);
    return value;
  }

  /** An asynchronous caller's view of the same cache: look, then remember. */
  peek<T>(key: string): T | undefined {
    return this.#memo.get(key) as T | undefined;
  }

  remember<T>(key: string, value: T): T {
    if (this.#memo.size >= MEMO_LIMIT) this.#memo.clear();
    this.#memo.set(key, value);
    return value;
  }

  events(instrument: string, state: string): StatusEvent[] {
    return this.#events.get(`${instrument}/${state}`) ?? [];
  }

  /** The States (and organisations) with any act recorded for an instrument. */
  statesWithEvents(instrument: string): string[] {
    return this.memo(`states-with-events|${instrument}`, () => [...new Set((this.#eventsByInstrument.get(instrument) ?? []).map((e) => e.state))].sort());
  }

  /** Every consent instrument recorded for an instrument, one per State (the best-sourced earliest). */
  consents(instrument: string): StatusEvent[] {
    const byState = Map.groupBy(
      (this.#eventsByInstrument.get(instrument) ?? []).filter((e) => CONSENT.has(e.event)),
      (e) => e.state,
    );
    return [...byState.values()].map((events) => this.best(events)).filter((e): e is StatusEvent => e !== undefined);
  }

  /** The claim a careful reader would rely on: highest-ranked source, then the earliest act it records. */
  best(events: StatusEvent[]): StatusEvent | undefined {
    return [...events].sort((a, b) => this.rankOf(a.source) - this.rankOf(b.source) || a.date.localeCompare(b.date) || b.asOf.localeCompare(a.asOf))[0];
  }

  rankOf(sourceId: string): number {
    const source = this.sources.get(sourceId);
    return source ? tierRank(source.tier) : SOURCE_TIERS.length;
  }

  declarations(instrument: string, state: string): Declaration[] {
    return this.#declarations.get(`${instrument}/${state}`) ?? [];
  }

  /** The declarations of a State under an instrument that apply on `on`: a withdrawn one (Budapest Art. 43)
   * stops applying on the date its withdrawal took effect. */
  declarationsOn(instrument: string, state: string, on: string): Declaration[] {
    return this.declarations(instrument, state).filter((d) => declarationInEffect(d, on));
  }

  /** The declarations of a State under an instrument withdrawn on or before `on`. */
  withdrawnBy(instrument: string, state: string, on: string): Declaration[] {
    return this.declarations(instrument, state).filter((d) => !declarationInEffect(d, on));
  }

  authorities(state: string): Authority[] {
    return this.#authorities.get(state) ?? [];
  }

  offencesFor(state: string, conduct: string): Offence[] {
    return this.#offencesByConduct.get(`${state}/${conduct}`) ?? [];
  }

  /**
   * A citation for any fact with provenance. An offence is cited by its own law and article, kept apart
   * so that readers print "<law>, art. <n>" once (never "art. <law> art. <n>").
   */
  cite(fact: Provenance, where: { instrument?: string | undefined; article?: string | undefined; law?: string | undefined } = {}): Citation {
    const source = this.sources.get(fact.source);
    const citation: Citation = {
      source: fact.source,
      sourceTitle: source?.title ?? fact.source,
      tier: source?.tier ?? 'secondary',
      confidence: fact.confidence,
      asOf: fact.asOf,
    };
    if (where.instrument) citation.instrument = where.instrument;
    if (where.article) citation.article = where.article;
    const offence = isOffence(fact) ? fact : undefined;
    const law = where.law ?? offence?.law;
    if (law) {
      citation.law = law;
      if (offence && !where.law) citation.article = offence.article;
    }
    const url = source?.url;
    if (url) citation.url = url;
    return citation;
  }

  /** Adds `<key>_es` / `<key>_en` names for parameters that hold State codes, instrument ids or conduct ids. */
  readonly namer = (params: Record<string, string | number>): Record<string, string | number> => {
    // Parameters are fresh literals at every call site, so they are completed in place.
    for (const [kind, keys] of NAMED_PARAMS) {
      for (const [key, es, en] of keys) {
        const value = params[key];
        if (typeof value !== 'string') continue;
        const names = this.#names(kind, value);
        if (names) {
          params[es] = names.es;
          params[en] = names.en;
          // How many are named, so a message can agree with them ("Perú y España no son Partes").
          params[`${key}_count`] = names.count;
        }
      }
    }
    return params;
  };

  readonly #nameCaches: Record<NamedKind, Map<string, { es: string; en: string; count: number } | null>> = {
    state: new Map(),
    conduct: new Map(),
    instrument: new Map(),
  };

  /**
   * Spanish and English names for a comma-separated list of State codes or conduct ids, joined as each
   * language lists them ("Perú y España", "Peru and Spain"), with how many there are.
   */
  #names(kind: NamedKind, value: string): { es: string; en: string; count: number } | null {
    const cache = this.#nameCaches[kind];
    const cached = cache.get(value);
    if (cached !== undefined) return cached;
    const names = value
      .split(', ')
      .map((id) => (kind === 'state' ? this.states.get(id)?.name : kind === 'conduct' ? this.conducts.get(id)?.name : this.instruments.get(id)?.shortTitle));
    const lower = kind === 'conduct';
    const result = names.every((n): n is { es: string; en: string } => n !== undefined)
      ? {
          es: LIST_ES.format(names.map((n) => (lower ? n.es.toLowerCase() : n.es))),
          en: LIST_EN.format(names.map((n) => (lower ? n.en.toLowerCase() : n.en))),
          count: names.length,
        }
      : null;
    cache.set(value, result);
    return result;
  }

  stateName(code: string, locale: 'es' | 'en' = 'en'): string {
    return this.states.get(code)?.name[locale] ?? code;
  }
}

function isOffence(fact: Provenance): fact is Offence {
  const f = fact as Partial<Offence>;
  return typeof f.law === 'string' && typeof f.article === 'string' && Array.isArray(f.conducts);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
