export type { AuditFinding, AuditReport } from './audit.ts';
export { decodeEntry, encodeEntry, LedgerEntry, type LedgerEntryInput, parseEntry } from './entry.ts';
export { type Append, type Audit, type Change, type ChangeLedger, recordChange } from './record-change.ts';
export { type Appended, createLedgerService, type LedgerService } from './service.ts';
export type { WitnessAnswer } from './witness.ts';
