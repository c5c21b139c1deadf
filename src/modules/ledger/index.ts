import type { EventEmitter } from 'node:events';
import type { AuditReport } from './audit.ts';
import type { LedgerEntryInput } from './entry.ts';
import type { ChangeLedger, ShredRequest } from './record-change.ts';
import type {
  Appended,
  ConsistencyProof,
  FoundEntry,
  InclusionProof,
  Shredded,
  SignedCheckpoint,
  StoredEntry,
  VerifierKey,
  WitnessedLog,
  WitnessPeer,
} from './service.ts';
import type { StoredCheckpoint } from './store.ts';
import type { WitnessAnswer } from './witness.ts';

/**
 * The custody ledger (PRODUCT.md C2): an append-only, verifiable log (RFC 9162 Merkle tree stored as
 * C2SP tlog tiles) of every event the other modules record, with signed checkpoints, inclusion and
 * consistency proofs, offline proof bundles, and witness cosignatures. This module owns the
 * `ledger_*` tables and `witnessed_logs`, the log's signing keys, and the one way a module records
 * a change (`recordChange`: its rows, entries and jobs in one transaction). One sequencer at a time;
 * concurrent appends are committed together and acknowledged once durable. It also serves as a
 * witness for other logs.
 */
export interface LedgerService extends ChangeLedger {
  /** The log's origin line (its name), fixed at first start. */
  readonly origin: string;
  /** Emits 'checkpoint' (a StoredCheckpoint) after each checkpoint is signed and stored. */
  readonly events: EventEmitter;
  /** The verifier key of the current log signing key. */
  vkey(): string;
  /** The verifier key this node cosigns other logs' checkpoints with, as a witness. */
  witnessVkey(): string;
  /** Every log signing key, current and retired. */
  verifierKeys(): Promise<VerifierKey[]>;
  /** Appends in a transaction of its own (group commit); resolves once the entries are durable. */
  append(inputs: LedgerEntryInput[]): Promise<Appended[]>;
  /** Signs and stores a checkpoint covering every committed entry; returns the latest one (none while the log is empty). */
  publish(): Promise<StoredCheckpoint | undefined>;
  /** Brings the subject index up to the stored tree. */
  indexSubjects(): Promise<void>;
  /** Finishes what is under way: the subject index and a checkpoint covering every append. */
  settle(): Promise<void>;
  /** The first index whose leaf is blinded: entries below it were written before blinding and are served only to signed-in readers. */
  publicFrom(): Promise<number>;
  /** Crypto-shreds every entry naming a subject, in a transaction of its own (see ShredRequest). */
  shred(actor: string, request: ShredRequest): Promise<Shredded>;
  /** The number of entries stored. */
  size(): Promise<number>;
  signedCheckpoint(): Promise<SignedCheckpoint | undefined>;
  /** One entry: its public leaf and, unless shredded, its details and salt (for adapters to show only to those who may read them); `not_found` beyond the tree. */
  entry(index: number): Promise<StoredEntry>;
  /** The indexes of the first `limit` entries naming `subject`, oldest first. */
  entriesFor(subject: string, limit?: number): Promise<number[]>;
  /** Entries naming every one of `subjects`, newest first; `before` pages back from an index, `from`/`to` bound the recording time. */
  findEntries(query: { subjects: string[]; typePrefix?: string; from?: string; to?: string; before?: number; limit: number }): Promise<FoundEntry[]>;
  /** An inclusion proof for entry `index` in the tree of `size` (default: the latest checkpoint). */
  inclusion(index: number, size?: number): Promise<InclusionProof>;
  consistency(size1: number, size2: number): Promise<ConsistencyProof>;
  /** An offline proof for one entry: c2sp.org/tlog-proof@v1, with the entry's bytes as `extra`. */
  proofBundle(index: number): Promise<string>;
  /** A proof bundle against a given signed checkpoint, so that many bundles can share one. */
  proofBundleAt(index: number, signed: { checkpoint: StoredCheckpoint; note: string }): Promise<string>;
  /** A tile as tlog-tiles serves it; `width` below the stored width gives the older partial tile. */
  tile(level: number, index: number, width: number): Promise<Buffer | undefined>;
  /** An entry bundle (tlog-tiles) of `width` entries; undefined when not all are stored yet. */
  entryBundle(index: number, width: number): Promise<Buffer | undefined>;
  /** Rebuilds the tree from the entries alone and checks everything stored against it: tiles, checkpoint roots and signatures, consistency. */
  audit(): Promise<AuditReport>;
  checkpoints(): Promise<StoredCheckpoint[]>;
  /** A new log signing key; returns its verifier key. Earlier checkpoints stay verifiable with the retired keys. */
  rotateLogKey(): Promise<string>;
  addWitnessPeer(peer: { name: string; url: string; vkey: string }): Promise<void>;
  listWitnessPeers(): Promise<WitnessPeer[]>;
  /** Starts witnessing another log (its origin and verifier key). */
  witnessLog(log: { origin: string; vkey: string }): Promise<void>;
  listWitnessedLogs(): Promise<WitnessedLog[]>;
  /** The C2SP tlog-witness add-checkpoint endpoint, served by this node as a witness. */
  addCheckpoint(body: string): Promise<WitnessAnswer>;
  /** Asks the witness peers to cosign the latest checkpoint. */
  requestCosignatures(): Promise<void>;
}

export type { AuditFinding, AuditReport } from './audit.ts';
export {
  BlindedLeaf,
  type Disclosure,
  decodeBlindedLeaf,
  decodeLeaf,
  type Leaf,
  openLeaf,
  SALT_BYTES,
  subjectCommitment,
} from './blinding.ts';
export { DISCLOSURE_FORMAT, type DisclosureFile, encodeDisclosureFile, openDisclosureFile, parseDisclosureFile } from './disclosure-file.ts';
export { decodeEntry, encodeEntry, LedgerEntry, type LedgerEntryInput, parseEntry } from './entry.ts';
export { type Append, type Audit, type Change, type ChangeLedger, recordChange, type ShredRequest } from './record-change.ts';
export {
  type Appended,
  type ConsistencyProof,
  createLedgerService,
  type FoundEntry,
  type InclusionProof,
  type LedgerDeps,
  type Shredded,
  type SignedCheckpoint,
  type StoredEntry,
  type VerifierKey,
  type WitnessedLog,
  type WitnessPeer,
} from './service.ts';
export type { StoredCheckpoint } from './store.ts';
export type { WitnessAnswer } from './witness.ts';
