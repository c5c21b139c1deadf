import {
  type Authority,
  CONSENT_EVENTS,
  type Conduct,
  type Dataset,
  type Declaration,
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
const STATE_PARAMS = new Set(['state', 'a', 'b', 'requesting', 'requested', 'notParty']);
const CONDUCT_PARAMS = new Set(['conduct', 'conducts']);

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

  events(instrument: string, state: string): StatusEvent[] {
    return this.#events.get(`${instrument}/${state}`) ?? [];
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

  authorities(state: string): Authority[] {
    return this.#authorities.get(state) ?? [];
  }

  offencesFor(state: string, conduct: string): Offence[] {
    return this.#offencesByConduct.get(`${state}/${conduct}`) ?? [];
  }

  /** A citation for any fact with provenance. */
  cite(fact: Provenance, where: { instrument?: string | undefined; article?: string | undefined } = {}): Citation {
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
    const url = source?.url;
    if (url) citation.url = url;
    return citation;
  }

  /** Adds `<key>_es` / `<key>_en` names for parameters that hold State codes or conduct ids. */
  readonly namer = (params: Record<string, string | number>): Record<string, string | number> => {
    const out: Record<string, string | number> = { ...params };
    for (const [key, value] of Object.entries(params)) {
      if (typeof value !== 'string') continue;
      if (STATE_PARAMS.has(key)) {
        const names = value.split(', ').map((code) => this.states.get(code)?.name);
        if (names.every((n) => n !== undefined)) {
          out[`${key}_es`] = names.map((n) => n?.es).join(', ');
          out[`${key}_en`] = names.map((n) => n?.en).join(', ');
        }
      } else if (CONDUCT_PARAMS.has(key)) {
        const names = value.split(', ').map((id) => this.conducts.get(id)?.name);
        if (names.every((n) => n !== undefined)) {
          out[`${key}_es`] = names.map((n) => n?.es.toLowerCase()).join(', ');
          out[`${key}_en`] = names.map((n) => n?.en.toLowerCase()).join(', ');
        }
      }
    }
    return out;
  };

  stateName(code: string, locale: 'es' | 'en' = 'en'): string {
    return this.states.get(code)?.name[locale] ?? code;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
