import type { Confidence, SourceTier } from '../schema.ts';

/** Where a statement comes from, so a lawyer can check it. */
export interface Citation {
  instrument?: string;
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

/** Collects steps, citations and warnings while an engine function reasons. */
export type Namer = (params: Record<string, string | number>) => Record<string, string | number>;

export class Reasoning {
  readonly steps: Step[] = [];
  readonly warnings: Warning[] = [];
  readonly #name: Namer;

  /** `namer` adds the Spanish and English names of States and conducts named by code in the parameters. */
  constructor(namer: Namer = (p) => p) {
    this.#name = namer;
  }

  step(code: string, params: Record<string, string | number> = {}, citations: Citation[] = []): this {
    this.steps.push({ code, params: this.#name(params), citations });
    for (const c of citations) this.noteConfidence(c);
    return this;
  }

  warn(code: string, params: Record<string, string | number> = {}): this {
    const key = `${code}|${JSON.stringify(params)}`;
    if (!this.warnings.some((w) => `${w.code}|${JSON.stringify(w.params)}` === key)) this.warnings.push({ code, params: this.#name(params) });
    return this;
  }

  /** Every unverified or uncertain fact the answer rests on becomes a warning. */
  noteConfidence(c: Citation): void {
    if (c.confidence === 'unverified' || c.confidence === 'uncertain') {
      this.warn(`fact.${c.confidence}`, {
        fact: [c.instrument, c.article ? `art. ${c.article}` : undefined].filter(Boolean).join(' ') || c.sourceTitle,
        source: c.sourceTitle,
      });
    }
  }

  merge(other: Explained): this {
    this.steps.push(...other.explanation);
    for (const w of other.warnings) this.warn(w.code, w.params);
    return this;
  }

  done(): Explained {
    const seen = new Map<string, Citation>();
    for (const s of this.steps) {
      for (const c of s.citations) seen.set(`${c.source}|${c.instrument ?? ''}|${c.article ?? ''}`, c);
    }
    return { explanation: this.steps, citations: [...seen.values()], warnings: this.warnings };
  }
}
