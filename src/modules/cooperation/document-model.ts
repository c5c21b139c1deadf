/**
 * What a request's formal document says, gathered by the request service from the request, its
 * frozen version, the case and the knowledge base. The renderer (document.ts) only lays it out, so
 * the PDF, the HTML and the tests read the same facts.
 */
export type Locale = 'es' | 'en';

export interface Localized {
  es: string;
  en: string;
}

export interface DocumentParty {
  state: string;
  stateName: Localized;
  /** The designated authority from the knowledge base's directory, or a name typed by the user. */
  authority?: { name: Localized; inDirectory: boolean };
}

export interface DocumentElement {
  /** The knowledge base's mandatory-element id, e.g. `custodian-or-location`. */
  id: string;
  label: Localized;
  /** The article requiring it, e.g. `29(2)(d)` or `29`. */
  article: string;
  /** What the drafter wrote, in the drafting language; empty when missing (only in a draft). */
  value: string;
}

export interface DocumentIdentifier {
  kind: string;
  value: string;
  port?: number;
  /** ISO 8601 with its offset, as recorded. */
  observedAt?: string;
  timeZone?: string;
}

export interface RequestDocument {
  reference: string;
  caseReference: string;
  direction: 'outgoing' | 'incoming';
  measure: { id: string; label: Localized };
  instrument: { id: string; title: Localized; shortTitle: Localized; articles: string[] };
  requesting: DocumentParty;
  requested: DocumentParty;
  urgency: 'normal' | 'urgent' | 'emergency';
  urgencyJustification: string;
  confidential: boolean;
  noNotification: boolean;
  /** ISO 639-1 codes of the languages the answer or the execution needs. */
  languages: string[];
  /** The summary of facts in the document's language when the case has it (es and en kept apart). */
  facts: Localized;
  /** The mandatory content of (measure, instrument), in the knowledge base's order. */
  elements: DocumentElement[];
  identifiers: DocumentIdentifier[];
  /** A user-set answer-by date, ISO with offset. */
  dueAt?: string;
  version: number;
  /** A draft carries a visible DRAFT mark and no ledger reference. */
  draft: boolean;
  signature: { name: string; organisation: string; role: string };
  /** When this version was fixed (sent) or, for a draft, rendered; ISO with offset. */
  issuedAt: string;
  /** The ledger entry that recorded this version being sent, and the code a reader checks it with. */
  ledger?: { index: number; origin: string; contentHash: string; verificationCode: string };
}
