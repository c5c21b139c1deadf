import type { Readable } from 'node:stream';
import { z } from 'zod';

/** What the vault records of an exhibit beside its bytes (ACPO/ISO 27037 acquisition facts). */
const isoInstant = z.iso.datetime({ offset: true, message: 'expected date and time with a time zone, e.g. 2026-11-24T10:30:00-05:00' });
const line = (max: number) => z.string().trim().max(max);

export const Acquisition = z.object({
  /** Who acquired it (name, badge or role). */
  by: line(200).min(1),
  /** When, with its time zone as recorded on the scene. */
  at: isoInstant,
  where: line(300).default(''),
  tool: line(200).default(''),
  toolVersion: line(100).default(''),
  /** e.g. logical acquisition, physical image, provider production. */
  method: line(200).default(''),
  /** The device or identifier it came from (serial, IMEI, account, URL). */
  source: line(300).default(''),
  /** The legal authority: order reference, warrant, request reference. */
  authority: line(300).default(''),
});
export type Acquisition = z.output<typeof Acquisition>;

/** How far ahead of the node's clock an acquisition time may lie: a scene laptop's clock drifts. */
export const ACQUISITION_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * An acquisition dated after now (beyond the clock skew) did not happen yet: a mistyped year or a
 * wrong offset, which would put the exhibit's custody out of order. The field problem, if any.
 */
export function futureAcquisition(
  acquisition: Pick<Acquisition, 'at'>,
  now: Date,
): { path: string; code: string; message: string; params: Record<string, string> } | undefined {
  if (Date.parse(acquisition.at) <= now.getTime() + ACQUISITION_CLOCK_SKEW_MS) return undefined;
  return {
    path: 'acquisition.at',
    code: 'evidence.acquisition_future',
    message: `the acquisition time ${acquisition.at} is in the future (now ${now.toISOString()})`,
    params: { at: acquisition.at, now: now.toISOString() },
  };
}

export const EXHIBIT = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,59}$/;

/** A new evidence item as people describe it, whatever the channel (CLI, tus upload, form). */
export const NewEvidence = z.object({
  caseReference: line(100).min(1),
  exhibit: z.string().trim().regex(EXHIBIT, 'letters, digits and . _ : / -, up to 60'),
  description: line(2000).default(''),
  /** The original file name, kept for the export package (never used as a storage path). */
  fileName: z
    .string()
    .trim()
    .max(255)
    .regex(/^[^/\\\0]*$/, 'a file name, without folders')
    .default(''),
  acquisition: Acquisition,
  md5: z.boolean().default(false),
  sha1: z.boolean().default(false),
});
export type NewEvidenceInput = z.input<typeof NewEvidence>;
export type NewEvidence = z.output<typeof NewEvidence>;

export type EvidenceState = 'stored' | 'destroyed';

export interface EvidenceItem {
  id: string;
  caseId: string;
  caseReference: string;
  orgId: string;
  exhibit: string;
  description: string;
  fileName: string;
  acquisition: Acquisition;
  bytes: number;
  sha256: string;
  md5?: string;
  sha1?: string;
  state: EvidenceState;
  createdAt: string;
  createdBy: string;
  lastFixity?: { at: string; ok: boolean };
  destroyedAt?: string;
}

/** Custody events people record by hand; the vault records the others itself. */
export const MANUAL_CUSTODY_EVENTS = ['analysed', 'copied', 'transferred', 'sealed', 'released'] as const;
export const CUSTODY_EVENTS = [
  'acquired',
  'received',
  'accessed',
  'downloaded',
  ...MANUAL_CUSTODY_EVENTS,
  'exported',
  'fixity_checked',
  'legal_hold_set',
  'legal_hold_lifted',
  'destroyed',
] as const;
export type CustodyEventType = (typeof CUSTODY_EVENTS)[number];

/** One custody event as the ledger holds it (type `evidence.<event>`). */
export interface CustodyEvent {
  index: number;
  type: CustodyEventType;
  at: string;
  actor: string;
  itemId: string;
  reason: string;
  data: Record<string, unknown>;
}

/**
 * An upload staged elsewhere (the tus server) whose bytes are already an age file to the vault's
 * recipients: the vault decrypts it once to hash it and moves the ciphertext to the blob store.
 */
export interface StagedUpload {
  /** Plaintext length. */
  bytes: number;
  /** The whole age file, from its first header byte. */
  open(): Readable;
  /**
   * The same file on the node's disk, when it is one: a store that can adopt files moves it in
   * instead of copying it (the file is then gone from the staging area).
   */
  path?: string;
  /**
   * The plaintext's digests, when the channel hashed the bytes as it sealed them (it did unless
   * the node restarted during the upload): the vault then need not decrypt the file to hash it.
   */
  digests?: { sha256: string; md5?: string; sha1?: string };
}

/**
 * What an ingest channel outside the vault (the tus upload server) needs from it. Errors are
 * AppErrors: `validation.failed` listing every field, `not_found` for a case the person cannot see,
 * `forbidden`, `evidence.exhibit_exists`.
 */
export interface EvidenceIntake {
  /** The age recipients staged uploads must be encrypted to (the vault's current key). */
  vaultRecipients(): Promise<string[]>;
  /** Checks a new item's description and the person's right to add it, before any byte is taken. */
  checkIntake(actor: IntakeActor, orgId: string, input: unknown): Promise<NewEvidence>;
  /** Takes a complete staged upload into the vault: hashes it, stores it, records the item and its custody events. */
  adoptStaged(actor: IntakeActor, orgId: string, input: NewEvidence, staged: StagedUpload): Promise<EvidenceItem>;
}
/** The identity module's Actor (kept structural here so this file stays free of imports beyond zod). */
export type IntakeActor = import('../identity/index.ts').Actor;
