export type { FixityResult } from './fixity.ts';
export * from './model.ts';
export type { LegalHold, Retention } from './retention.ts';
export { createEvidenceVault, type EvidenceVault } from './service.ts';
