export type { Citation, Explained, Step, Warning } from './engine/answer.ts';
export type { ConductFinding, CoveringOffence, DualCriminalityAnswer } from './engine/dual-criminality.ts';
export type { LegalBasesAnswer, LegalBasis } from './engine/legal-bases.ts';
export { KnowledgeSnapshot } from './engine/snapshot.ts';
export type { ResolvedClaim, ResolvedFact } from './profile.ts';
export * as schema from './schema.ts';
export {
  type Dataset,
  type DeadlineRule,
  emptyDataset,
  type Instrument,
  type Localized,
  type MandatoryElement,
  MEASURES,
  type Measure,
  type MeasureProvision,
  PROFILE_SECTIONS,
  type StatusEvent,
} from './schema.ts';
export { createKnowledgeService, type KnowledgeService, validateKnowledgeDirectory } from './service.ts';
