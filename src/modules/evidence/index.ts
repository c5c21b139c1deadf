export type { FixityResult } from './fixity.ts';
export { scheduleFixity } from './fixity-schedule.ts';
export * from './model.ts';
export { VKEY_PATH } from './package/layout.ts';
export { type PackageProblem, type PackageVerification, verifyEvidencePackage } from './package/verifier.ts';
export type { LegalHold, Retention } from './retention.ts';
export { createEvidenceVault, type EvidenceVault } from './service.ts';
export {
  CHECKSUM_ALGORITHMS,
  type ChecksumAlgorithm,
  createUploads,
  evidenceInputFromMetadata,
  METADATA_KEYS,
  type UploadStatus,
  type Uploads,
} from './uploads/index.ts';
