import type { Readable } from 'node:stream';
import type { Actor } from '../identity/index.ts';
import type { CustodyStep } from './custody.ts';
import type { ExportProgress } from './export.ts';
import type { FixityResult } from './fixity.ts';
import type { EvidenceIntake, EvidenceItem } from './model.ts';
import type { PackageWriteResult } from './package/writer.ts';
import type { LegalHold, Retention } from './retention.ts';

/**
 * The evidence vault (PRODUCT.md C3): digital evidence taken in, kept encrypted and handed on with a
 * chain of custody anyone can check. This module owns the `evidence_items`, `evidence_uploads`,
 * `case_retention`, `legal_holds` and `vault_keys` tables and the blobs in the blob store (age-
 * encrypted to the vault key); it decides who may add, read, handle, export and destroy an item (the
 * case's need-to-know plus the `evidence.*` permission), hashes every byte on intake, re-checks
 * fixity, and keeps content while a retention period or a legal hold says so. Every custody event
 * (`evidence.*`: acquired, received, accessed, downloaded, exported, fixity_checked, destroyed…) is a
 * custody-ledger entry.
 */
export interface EvidenceVault {
  /**
   * Streams bytes into the vault: a stream (the form upload), or a file on the node's own disk (the
   * CLI). The content is hashed as it is encrypted; the item and its `acquired` event are recorded.
   */
  add(
    actor: Actor,
    orgId: string,
    input: unknown,
    source: Readable | { path: string },
    options?: { onProgress?: (bytes: number) => void },
  ): Promise<EvidenceItem>;
  /** What the uploads (tus) service needs of the vault: its key, the check of a description, and adoption. */
  intake: EvidenceIntake;
  get(actor: Actor, orgId: string, itemId: string): Promise<EvidenceItem>;
  /** For the operator at the shell, who acts in no organisation: which organisation holds a case reference (or an item). */
  locate(actor: Actor, what: { caseReference?: string; itemId?: string; orgId?: string }): Promise<string>;
  /** The items of a case, for someone on its access list. */
  list(actor: Actor, orgId: string, caseReference: string): Promise<EvidenceItem[]>;
  /** The plaintext, as a custody event recorded before the first byte leaves; the stream fails at the end if the bytes are not the item's. */
  download(actor: Actor, orgId: string, itemId: string, reason: string): Promise<{ item: EvidenceItem; stream: Readable }>;
  /** A custody step recorded by a person: analysed, copied, transferred, sealed, released. */
  recordCustody(actor: Actor, orgId: string, itemId: string, input: unknown): Promise<void>;
  /** Viewing an item's page is itself a custody event ("accessed"). */
  recordAccess(actor: Actor, item: EvidenceItem): Promise<void>;
  /** The item's custody events, each with its ledger proof against the latest signed checkpoint (of `checkpointSize`). */
  history(actor: Actor, orgId: string, itemId: string): Promise<{ item: EvidenceItem; steps: CustodyStep[]; checkpointSize: number }>;
  /** Re-hashes an item's stored content now (a custody event); a mismatch is logged and reported, not thrown. */
  verify(actor: Actor, orgId: string, itemId: string): Promise<FixityResult>;
  /** One background fixity round: the `limit` stored items checked longest ago (never-checked first). */
  fixityRound(limit?: number): Promise<FixityResult[]>;
  retention(actor: Actor, orgId: string, caseReference: string): Promise<{ retention?: Retention; holds: LegalHold[] }>;
  setRetention(actor: Actor, orgId: string, caseReference: string, input: unknown): Promise<Retention>;
  /** A legal hold on the whole case or one item: a custody event on every item it covers. */
  setHold(actor: Actor, orgId: string, caseReference: string, input: unknown): Promise<LegalHold>;
  liftHold(actor: Actor, orgId: string, caseReference: string, holdId: string, input: unknown): Promise<void>;
  /** Destroys an item's content once its case's retention is over and no hold covers it; the record and its hashes stay. */
  destroy(actor: Actor, orgId: string, itemId: string, input: unknown): Promise<void>;
  /** The export package of a case (BagIt): every stored item, its custody history and ledger proofs, and the report. */
  exportCase(
    actor: Actor,
    orgId: string,
    caseReference: string,
    input: unknown,
    options?: { onProgress?: (p: ExportProgress) => void },
  ): Promise<PackageWriteResult>;
  /** Removes blobs an interrupted intake left without a record (older than `graceMs`); returns their keys. */
  sweepOrphanBlobs(graceMs?: number): Promise<string[]>;
  /** A new vault key for new blobs (the operator at the shell only); old blobs stay readable with the retired keys. */
  rotateKey(actor: Actor): Promise<string>;
}

export type { CustodyStep } from './custody.ts';
export type { ExportProgress } from './export.ts';
export type { FixityResult } from './fixity.ts';
export { scheduleFixity } from './fixity-schedule.ts';
export * from './model.ts';
export { VKEY_PATH } from './package/layout.ts';
export { type PackageProblem, type PackageVerification, verifyEvidencePackage } from './package/verifier.ts';
export type { PackageWriteResult } from './package/writer.ts';
export type { LegalHold, Retention } from './retention.ts';
export { createEvidenceVault, type VaultDeps } from './service.ts';
export {
  CHECKSUM_ALGORITHMS,
  type ChecksumAlgorithm,
  createUploads,
  evidenceInputFromMetadata,
  METADATA_KEYS,
  type UploadStatus,
  type Uploads,
} from './uploads/index.ts';
