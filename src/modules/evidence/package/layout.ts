// Where things live in an evidence export package (a BagIt 1.0 bag) and how names become paths.
// Shared by the writer and the verifier so that both read the same layout.

export const CUSTODY_DIR = 'custody';
export const CASE_UCO_PATH = 'custody/case-uco.jsonld';
export const PROOFS_DIR = 'custody/proofs';
/** The details and salt that open each blinded custody entry (custodia.ledger-disclosure/v1). */
export const DISCLOSURES_DIR = 'custody/disclosures';
export const CHECKPOINT_PATH = 'custody/checkpoint.txt';
export const VKEY_PATH = 'custody/log.vkey';
export const EVENTS_PATH = 'custody/events.json';
export const REPORT_DIR = 'report';
export const REPORT_LOCALES = ['es', 'en'] as const;
export type ReportLocale = (typeof REPORT_LOCALES)[number];

export const SOFTWARE_AGENT = 'Custodia evidence export (BagIt 1.0, RFC 8493)';
/** The bag-info label naming each exhibit and its SHA-256: `<exhibit> sha256:<hex>`. */
export const EXHIBIT_LABEL = 'Custodia-Exhibit';
/** Payload files encrypted to the recipient end in this suffix (an age v1 file). */
export const AGE_SUFFIX = '.age';
/** Identifies the events.json structure, so a later change of shape can be told apart. */
export const EVENTS_FORMAT = 'custodia.evidence-package.events/v1';

export function proofPath(index: number): string {
  return `${PROOFS_DIR}/${index}.tlog-proof`;
}

/** `custody/proofs/<index>.tlog-proof` → index; a name that is not exactly that gives undefined. */
export function proofIndexOf(bagPath: string): number | undefined {
  const m = /^custody\/proofs\/(0|[1-9]\d{0,15})\.tlog-proof$/.exec(bagPath);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function disclosurePath(index: number): string {
  return `${DISCLOSURES_DIR}/${index}.json`;
}

/** `custody/disclosures/<index>.json` → index; a name that is not exactly that gives undefined. */
export function disclosureIndexOf(bagPath: string): number | undefined {
  const m = /^custody\/disclosures\/(0|[1-9]\d{0,15})\.json$/.exec(bagPath);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function reportPath(locale: ReportLocale, kind: 'html' | 'pdf'): string {
  return `${REPORT_DIR}/verification-report.${locale}.${kind}`;
}

export function exhibitInfoValue(exhibit: string, sha256: string): string {
  return `${exhibit} sha256:${sha256}`;
}

export function parseExhibitInfoValue(value: string): { exhibit: string; sha256: string } | undefined {
  const m = /^(\S+) sha256:([0-9a-f]{64})$/.exec(value.trim());
  return m ? { exhibit: m[1]!, sha256: m[2]! } : undefined;
}

/** events.json: the custody history as a plain list, for people and tools that do not read JSON-LD. */
export interface EventsFile {
  format: typeof EVENTS_FORMAT;
  case: { reference: string; title: string };
  logOrigin: string;
  items: EventsFileItem[];
  events: EventsFileEvent[];
}

export interface EventsFileItem {
  itemId: string;
  exhibit: string;
  /** Bag-relative payload path. */
  path: string;
  /** SHA-256 of the plaintext (the evidence identity), hex. */
  sha256: string;
  /** Plaintext size. */
  bytes: number;
  /** The payload file is an age file (re-wrapped to the recipient) rather than the plaintext. */
  encrypted: boolean;
}

export interface EventsFileEvent {
  /** Ledger index: the proof is `custody/proofs/<index>.tlog-proof`. */
  index: number;
  itemId: string;
  exhibit: string;
  /** `acquired`, `received`, … (the ledger type without its `evidence.` prefix). */
  event: string;
  at: string;
  actor: string;
  reason: string;
  proof: string;
}

// Characters no file system should get in a name: controls, invisible format characters (bidi
// overrides could disguise a name), separators and what Windows refuses.
const UNSAFE_CHARS = /[\p{Cc}\p{Cf}/\\:*?"<>|]/gu;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
/** Well under the 255-byte name limit of common file systems, leaving room for `.age` and `-2`. */
const MAX_SEGMENT_BYTES = 150;

/**
 * A name as one safe path segment: no separators, no `..`, no leading dot (hidden files) and no
 * trailing dot or space (Windows drops them, so two names could become one). Empty → `fallback`.
 */
export function safeSegment(name: string, fallback: string): string {
  let s = name
    .normalize('NFC')
    .replace(UNSAFE_CHARS, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[.\s]+/u, '')
    .replace(/[.\s]+$/u, '');
  if (Buffer.byteLength(s, 'utf8') > MAX_SEGMENT_BYTES) s = truncateKeepingExtension(s, MAX_SEGMENT_BYTES);
  if (s === '') return fallback;
  return WINDOWS_RESERVED.test(s) ? `_${s}` : s;
}

function truncateKeepingExtension(name: string, maxBytes: number): string {
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  let stem = ext ? name.slice(0, dot) : name;
  // Drop whole code points until it fits, so no character is cut in half.
  const points = [...stem];
  while (points.length > 0 && Buffer.byteLength(points.join('') + ext, 'utf8') > maxBytes) points.pop();
  stem = points.join('').replace(/[.\s]+$/u, '');
  return stem + ext;
}

/**
 * Payload paths (under data/) for each item: `<exhibit>/<file name or <exhibit>.bin>[.age]`.
 * Exhibit folders are kept unique ignoring case, since the package may be opened on a
 * case-insensitive file system.
 */
export function planPayloadPaths(items: ReadonlyArray<{ exhibit: string; fileName: string }>, encrypted: boolean): string[] {
  const taken = new Set<string>();
  return items.map((item, i) => {
    const base = safeSegment(item.exhibit, `exhibit-${i + 1}`);
    let folder = base;
    for (let n = 2; taken.has(folder.toLowerCase()); n++) folder = `${base}-${n}`;
    taken.add(folder.toLowerCase());
    const file = safeSegment(item.fileName, `${base}.bin`);
    return `${folder}/${file}${encrypted ? AGE_SUFFIX : ''}`;
  });
}
