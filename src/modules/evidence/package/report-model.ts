import type { Acquisition } from '../model.ts';

/**
 * What the verification report of an export package says, in data: the package writer fills it,
 * the report renderer (HTML and PDF, Spanish and English) turns it into something a judge can read.
 * Times are ISO 8601 instants with an offset; hashes are lowercase hex.
 */
export interface ReportModel {
  /** When the package was made, and by whom (a person's name and organisation). */
  generatedAt: string;
  generatedBy: string;
  /** The node that holds the evidence: its custody log's origin and verifier key (signed-note text form). */
  logOrigin: string;
  logVerifierKey: string;
  /** The signed checkpoint every proof in the package is checked against. */
  checkpoint: { size: number; rootHash: string; note: string; cosigners: string[] };
  case: { reference: string; title: string; organisation: string };
  /** The recipient's age public key when the payload files are encrypted to it. */
  encryptedTo?: string;
  items: ReportItem[];
  custody: ReportCustodyEvent[];
  /** How to check the package independently, one step per line (already in the report's language is not needed: the renderer translates the step codes). */
  checks: ReportCheck[];
}

export interface ReportItem {
  exhibit: string;
  description: string;
  fileName: string;
  /** Bag-relative path of the payload file, e.g. `data/EXH-1/disk.img` (or `…disk.img.age`). */
  path: string;
  bytes: number;
  sha256: string;
  md5?: string;
  sha1?: string;
  acquisition: Acquisition;
}

export interface ReportCustodyEvent {
  /** Ledger index of the event. */
  index: number;
  /** `acquired`, `received`, `downloaded`, … (see CUSTODY_EVENTS in ../model.ts). */
  event: string;
  at: string;
  actor: string;
  exhibit: string;
  reason: string;
  /** Bag-relative path of the event's proof bundle (c2sp.org/tlog-proof@v1). */
  proofPath: string;
  /** Bag-relative path of the details and salt that open the event's blinded ledger entry (custodia.ledger-disclosure/v1); absent for a legacy entry. */
  disclosurePath?: string;
}

/** A check the writer performed, with its outcome (the verifier repeats them offline). */
export interface ReportCheck {
  code: 'bag_valid' | 'payload_hashes' | 'custody_proofs' | 'custody_disclosures' | 'checkpoint_signature' | 'case_uco';
  ok: boolean;
  detail?: string;
}
