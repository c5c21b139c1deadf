import type { DualCriminalityAnswer } from './engine/dual-criminality.ts';
import type { InForceAnswer } from './engine/in-force.ts';
import type { LegalBasesAnswer } from './engine/legal-bases.ts';
import type { KnowledgeSnapshot } from './engine/snapshot.ts';
import type { KbVersion, StoredRecord } from './repo.ts';
import type { Dataset } from './schema.ts';
import type { EntryIntoForceAnswer, ImportResult, StateProfile, TreatyStatus, WithKbVersion } from './service.ts';

/**
^ * The legal knowledge base and its engine (PRODUCT.md C1, C8): instruments, States, their status
 * events, declarations, authorities and offence catalogues, imported as versioned records, and the
 * answers given from them (in force between two States, legal bases for a request, dual
 * criminality). This module owns the `kb_versions` and `kb_records` tables; each import is a new
 * version, recorded in the custody ledger (`kb.import`, `kb.import_status`) in its own transaction.
 * Every answer names the version it was given from. Inputs are checked here: unknown States,
 * instruments, measures or conducts are `validation.failed` with a `legal.*` code per field.
 */
export interface KnowledgeService {
  /** The legal "today": the calendar date in the node's time zone. */
  today(): string;
  /** The latest version, loaded once and kept until the next import; `kb.empty` before the first. */
  snapshot(): Promise<KnowledgeSnapshot>;
  /** Validates a directory of knowledge-base files, no database needed; throws `kb.invalid` with every problem. */
  validateDirectory(dir: string): Dataset;
  /** Loads the shipped files when the database holds no knowledge base yet (undefined: nothing to do). */
  ensureLoaded(dir: string, actor: string): Promise<ImportResult | undefined>;
  /** A new version from a directory of files, replacing the records it no longer has. */
  importDirectory(dir: string, actor: string): Promise<ImportResult>;
  /** Status events (signatures, ratifications…) from a CSV, added as a new version; every problem in `kb.invalid_status_csv`. */
  importStatusCsv(text: string, actor: string, label: string): Promise<ImportResult & { events: number }>;
  /** Writes the current version as files; returns their names and the data hash. */
  exportDirectory(dir: string): Promise<{ files: string[]; hash: string }>;
  /** Every version, newest first. */
  versions(): Promise<KbVersion[]>;
  /** Every claim ever stored under one kind and key (a prefix), oldest first, current or retired. */
  history(kind: string, key: string): Promise<StoredRecord[]>;
  /** Is the instrument in force between States `a` and `b` on `on` (default: today). */
  inForce(input: { instrument?: unknown; a?: unknown; b?: unknown; on?: unknown }): Promise<WithKbVersion<InForceAnswer>>;
  entryIntoForce(input: { instrument?: unknown; state?: unknown; on?: unknown }): Promise<EntryIntoForceAnswer>;
  /** The instruments that can carry a request of this measure from `requesting` to `requested`, best first. */
  legalBases(input: { measure?: unknown; requesting?: unknown; requested?: unknown; on?: unknown }): Promise<WithKbVersion<LegalBasesAnswer>>;
  /** Whether the conducts are punishable in both States, when the measure and instrument require it. */
  dualCriminality(input: {
    conducts?: unknown;
    requesting?: unknown;
    requested?: unknown;
    measure?: unknown;
    instrument?: unknown;
    on?: unknown;
  }): Promise<WithKbVersion<DualCriminalityAnswer>>;
  profile(state: unknown): Promise<StateProfile>;
  /** Parties, signatories and the projected general entry into force of one instrument. */
  treatyStatus(instrument: unknown): Promise<TreatyStatus>;
}

export type { Citation, Explained, Step, Warning } from './engine/answer.ts';
export type { ConductFinding, CoveringOffence, DualCriminalityAnswer } from './engine/dual-criminality.ts';
export type { InForceAnswer } from './engine/in-force.ts';
export type { ChannelRoute, LegalBasesAnswer, LegalBasis } from './engine/legal-bases.ts';
export { KnowledgeSnapshot } from './engine/snapshot.ts';
export type { GeneralEntryIntoForce, PartyStatus, StateEntryIntoForce } from './engine/status.ts';
export type { ResolvedClaim, ResolvedFact } from './profile.ts';
export type { KbVersion, StoredRecord } from './repo.ts';
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
export {
  createKnowledgeService,
  type EntryIntoForceAnswer,
  type ImportResult,
  type KnowledgeDeps,
  type StateProfile,
  type TreatyStatus,
  validateKnowledgeDirectory,
  type WithKbVersion,
} from './service.ts';
