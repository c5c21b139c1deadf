import type { Confidence, SourceTier } from '../schema.ts';

/** Where a statement comes from, so a lawyer can check it. */
export interface Citation {
  instrument?: string;
  /** The national law an offence is in (its article is `article`). */
  law?: string;
  article?: string;
  source: string;
  sourceTitle: string;
  url?: string;
  tier: SourceTier;
  confidence: Confidence;
  asOf: string;
}

/** One line of reasoning: a stable code with parameters; adapters render it in Spanish or English. */
export interface Step {
  code: string;
  params: Record<string, string | number>;
  citations: Citation[];
}

export interface Warning {
  code: string;
  params: Record<string, string | number>;
}

export interface Explained {
  explanation: Step[];
  citations: Citation[];
  warnings: Warning[];
}

// Answers are cached and merged into larger answers many times, so each warning and citation carries
// its identity key under a symbol (invisible to JSON and to response schemas), computed once.
const KEY = Symbol('key');
type Keyed = { [KEY]?: string };
function keyOf(value: object, compute: () => string): string {
  const keyed = value as Keyed;
  let key = keyed[KEY];
  if (key === undefined) {
    key = compute();
    keyed[KEY] = key;
  }
  return key;
}

/** Collects steps, citations and warnings while an engine function reasons. */
export type Namer = (params: Record<string, string | number>) => Record<string, string | number>;

export class Reasoning {
  readonly steps: Step[] = [];
  readonly warnings: Warning[] = [];
  readonly #name: Namer;
  readonly #warningKeys = new Set<string>();
  readonly #citations = new Map<string, Citation>();

  /** `namer` adds the Spanish and English names of States and conducts named by code in the parameters. */
  constructor(namer: Namer = (p) => p) {
    this.#name = namer;
  }

  step(code: string, params: Record<string, string | number> = {}, citations: Citation[] = []): this {
    this.steps.push({ code, params: this.#name(params), citations });
    for (const c of citations) {
      this.#cite(c);
      this.noteConfidence(c);
    }
    return this;
  }

  #cite(c: Citation): void {
    const key = keyOf(c, () => `${c.source}|${c.instrument ?? ''}|${c.law ?? ''}|${c.article ?? ''}`);
    if (!this.#citations.has(key)) this.#citations.set(key, c);
  }

  warn(code: string, params: Record<string, string | number> = {}): this {
    return this.#addWarning({ code, params: this.#name(params) });
  }

  #addWarning(warning: Warning): this {
    const key = keyOf(warning, () => `${warning.code}|${JSON.stringify(warning.params)}`);
    if (!this.#warningKeys.has(key)) {
      this.#warningKeys.add(key);
      this.warnings.push(warning);
    }
    return this;
  }

  /**
   * Every unverified or uncertain fact the answer rests on becomes a warning. Its parameters name the
   * fact by parts (`cited` says which: an instrument's article, an instrument, a law's article, or only
   * its source) so each language writes it its own way; `tier` lets a curators' note be shown as one.
   */
  noteConfidence(c: Citation): void {
    if (c.confidence === 'unverified' || c.confidence === 'uncertain') {
      const params: Record<string, string | number> = { source: c.sourceTitle, tier: c.tier, cited: 'source' };
      if (c.law && c.article) Object.assign(params, { cited: 'law', law: c.law, article: c.article });
      else if (c.instrument) Object.assign(params, { cited: c.article ? 'article' : 'instrument', instrument: c.instrument, article: c.article ?? '' });
      this.warn(`fact.${c.confidence}`, params);
    }
  }

  /** Takes over another answer's reasoning; its parameters are already named. */
  merge(other: Explained): this {
    this.steps.push(...other.explanation);
    for (const w of other.warnings) this.#addWarning(w);
    for (const c of other.citations) this.#cite(c);
    return this;
  }

  done(): Explained {
    return { explanation: this.steps, citations: [...this.#citations.values()], warnings: this.warnings };
  }
}
