import type { Citation } from './engine/answer.ts';
import { type KnowledgeSnapshot, tierRank } from './engine/snapshot.ts';
import { stateEntryIntoForce } from './engine/status.ts';
import type { ProfileFact } from './schema.ts';

export type ClaimStanding = 'current' | 'superseded' | 'contradicted';

export interface ResolvedClaim {
  fact: ProfileFact;
  standing: ClaimStanding;
  /** Why a claim was set aside: a stable code the UI translates. */
  reason?: 'older-than-current' | 'lower-ranked-source' | 'contradicted-by-depositary';
  citation: Citation;
}

export interface ResolvedFact {
  predicate: string;
  section: ProfileFact['section'];
  current: ResolvedClaim;
  others: ResolvedClaim[];
  disputed: boolean;
}

/**
 * Resolves a State's profile claims: the strongest source wins (depositary > gazette > government >
 * profile > index > news), then the most recent as-of date. Claims set aside are kept and say why.
 * A claim about treaty membership (`treaty-party:<instrument>`) is also checked against the status
 * the depositary's events give on the claim's own date, which is how a stale "not a Party" shows as
 * superseded.
 */
export function resolveProfile(kb: KnowledgeSnapshot, state: string, today: string): ResolvedFact[] {
  const facts = kb.dataset.profileFacts.filter((f) => f.state === state);
  const groups = Map.groupBy(facts, (f) => f.predicate);
  const resolved: ResolvedFact[] = [];
  for (const [predicate, claims] of groups) {
    const ordered = [...claims].sort((a, b) => kb.rankOf(a.source) - kb.rankOf(b.source) || b.asOf.localeCompare(a.asOf));
    const [winner, ...rest] = ordered;
    if (!winner) continue;
    const treaty = predicate.startsWith('treaty-party:') ? kb.instruments.get(predicate.slice('treaty-party:'.length)) : undefined;
    const others: ResolvedClaim[] = rest.map((fact) => {
      if (treaty && typeof fact.value === 'boolean') {
        const onThatDate = stateEntryIntoForce(kb, treaty, state, fact.asOf, today);
        const party = onThatDate.status === 'party';
        const evidenceRank = Math.min(...onThatDate.citations.map((c) => tierRank(c.tier)));
        if (party !== fact.value && evidenceRank <= kb.rankOf(fact.source)) {
          return { fact, standing: 'contradicted', reason: 'contradicted-by-depositary', citation: kb.cite(fact) };
        }
      }
      const reason = kb.rankOf(fact.source) > kb.rankOf(winner.source) ? 'lower-ranked-source' : 'older-than-current';
      return { fact, standing: 'superseded', reason, citation: kb.cite(fact) };
    });
    resolved.push({
      predicate,
      section: winner.section,
      current: { fact: winner, standing: 'current', citation: kb.cite(winner) },
      others,
      disputed: others.some((o) => o.fact.value !== winner.value),
    });
  }
  return resolved.sort((a, b) => a.section.localeCompare(b.section) || a.predicate.localeCompare(b.predicate));
}
