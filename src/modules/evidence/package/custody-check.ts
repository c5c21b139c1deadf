// What the writer checks before it writes a byte: the checkpoint is signed by the log key, every
// custody proof verifies against it and carries the entry it claims (for a blinded leaf: the given
// details and salt open it), and each event is about the item it is filed under. A package is a statement made to a court; one whose proofs fail would be
// refused there, so it is refused here.
import { AppError } from '../../../lib/errors.ts';
import { parseCheckpoint } from '../../../lib/tlog/checkpoint.ts';
import { openNote, parseNote } from '../../../lib/tlog/note.ts';
import { parseTlogProof, verifyTlogProof } from '../../../lib/tlog/proof-bundle.ts';
import { decodeLeaf, encodeEntry, type LedgerEntry, openLeaf, parseEntry } from '../../ledger/index.ts';
import type { EvidenceItem } from '../model.ts';

/** A Custodia ledger type for custody events is `evidence.<event>`. */
const EVIDENCE_PREFIX = 'evidence.';

/** How a custody entry names its item among its subjects (see custodyEntry in ../context.ts). */
export function itemSubject(itemId: string): string {
  return `evidence:${itemId}`;
}
/** A cosignature/v1 signature is an 8-byte timestamp and a 64-byte Ed25519 signature. */
const COSIGNATURE_BYTES = 72;

export interface CustodyInput {
  index: number;
  itemId: string;
  /** The entry's details. */
  entry: LedgerEntry;
  /** The salt that opens the entry's blinded leaf; absent for a legacy leaf (which is the details). */
  disclosure?: { salt: Uint8Array } | undefined;
  proof: string;
}

export interface CheckedEvent {
  index: number;
  item: EvidenceItem;
  entry: LedgerEntry;
  proof: string;
  /** Set when the proof's leaf is blinded: the salt that, with the entry, opens it. */
  disclosure?: { salt: Buffer };
  /** The ledger type without its `evidence.` prefix. */
  event: string;
  reason: string;
}

export interface CheckedCheckpoint {
  origin: string;
  size: number;
  rootHash: string;
  note: string;
  /** Names on cosignature lines. Witness keys are not part of the input, so they are listed, not verified. */
  cosigners: string[];
}

function proofInvalid(index: number, message: string, cause?: unknown): AppError {
  return new AppError('evidence.package_proof_invalid', { message: `custody proof for ledger entry ${index}: ${message}`, params: { index }, cause });
}

function mismatch(index: number, message: string): AppError {
  return new AppError('evidence.package_custody_mismatch', { message: `ledger entry ${index}: ${message}`, params: { index } });
}

export function eventName(type: string): string {
  return type.startsWith(EVIDENCE_PREFIX) ? type.slice(EVIDENCE_PREFIX.length) : type;
}

export function reasonOf(entry: LedgerEntry): string {
  const reason = entry.data['reason'];
  return typeof reason === 'string' ? reason : '';
}

export function checkCheckpoint(note: string, logOrigin: string, logVerifierKey: string): CheckedCheckpoint {
  let cp: ReturnType<typeof parseCheckpoint>;
  try {
    cp = parseCheckpoint(openNote(note, [logVerifierKey]).text);
  } catch (err) {
    throw new AppError('evidence.package_checkpoint_invalid', {
      message: `checkpoint is not a checkpoint signed by the log key: ${(err as Error).message}`,
      cause: err,
    });
  }
  if (cp.origin !== logOrigin) {
    throw new AppError('evidence.package_checkpoint_invalid', {
      message: `checkpoint origin ${JSON.stringify(cp.origin)} is not ${JSON.stringify(logOrigin)}`,
    });
  }
  const cosigners = [
    ...new Set(
      parseNote(note)
        .signatures.filter((s) => s.signature.length === COSIGNATURE_BYTES)
        .map((s) => s.name),
    ),
  ];
  return { origin: cp.origin, size: cp.size, rootHash: cp.root.toString('hex'), note, cosigners };
}

function checkOne(c: CustodyInput, item: EvidenceItem, checkpoint: string, logOrigin: string, logVerifierKey: string): CheckedEvent {
  const parsed = parseEntry(c.entry as unknown as Record<string, unknown>);
  if (!parsed.success) throw mismatch(c.index, `not a valid ledger entry: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  const entry = parsed.data;
  const bytes = encodeEntry(entry);
  let disclosure: { salt: Buffer } | undefined;
  try {
    const p = parseTlogProof(c.proof);
    if (p.index !== c.index) throw proofInvalid(c.index, `the proof is for index ${p.index}`);
    if (p.checkpointNote !== checkpoint) throw proofInvalid(c.index, 'the proof carries another checkpoint than the package');
    if (!p.extra) throw proofInvalid(c.index, 'the proof does not carry the entry');
    let leaf: ReturnType<typeof decodeLeaf>;
    try {
      leaf = decodeLeaf(p.extra);
    } catch (err) {
      throw proofInvalid(c.index, `the proof carries no valid ledger leaf: ${(err as Error).message}`, err);
    }
    if (leaf.kind === 'legacy') {
      // Written before blinding: the leaf is the details.
      if (!p.extra.equals(bytes)) throw proofInvalid(c.index, 'the proof does not carry the entry bytes');
    } else {
      if (!c.disclosure) throw proofInvalid(c.index, 'the proof carries a blinded entry and no salt was given to open it');
      const salt = Buffer.from(c.disclosure.salt);
      try {
        openLeaf(p.extra, { salt, details: bytes });
      } catch (err) {
        throw proofInvalid(c.index, `the entry and salt do not open the proof's blinded entry: ${(err as Error).message}`, err);
      }
      disclosure = { salt };
    }
    verifyTlogProof(c.proof, { entry: p.extra }, logVerifierKey, [], { origin: logOrigin });
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw proofInvalid(c.index, (err as Error).message, err);
  }
  // The link between an event and its exhibit must be in the signed entry, not only in the input.
  if (!entry.subjects.includes(itemSubject(item.id)))
    throw mismatch(c.index, `the entry's subjects do not name ${itemSubject(item.id)} (exhibit ${item.exhibit})`);
  const content = entry.hashes['content'];
  if (content !== undefined && content !== `sha256:${item.sha256}`) {
    throw mismatch(c.index, `the entry's content hash ${content} is not exhibit ${item.exhibit}'s sha256:${item.sha256}`);
  }
  return { index: c.index, item, entry, proof: c.proof, ...(disclosure ? { disclosure } : {}), event: eventName(entry.type), reason: reasonOf(entry) };
}

/**
 * Checks the custody history given to the writer; returns the events in ledger order. Throws
 * evidence.package_input_invalid, evidence.package_checkpoint_invalid, evidence.package_proof_invalid,
 * evidence.package_custody_mismatch or evidence.package_item_unanchored.
 */
export function checkCustody(input: {
  items: ReadonlyArray<{ item: EvidenceItem }>;
  custody: readonly CustodyInput[];
  checkpoint: string;
  logOrigin: string;
  logVerifierKey: string;
}): { events: CheckedEvent[]; checkpoint: CheckedCheckpoint } {
  const checkpoint = checkCheckpoint(input.checkpoint, input.logOrigin, input.logVerifierKey);
  const items = new Map(input.items.map(({ item }) => [item.id, item]));
  const seen = new Set<number>();
  const events: CheckedEvent[] = [];
  for (const c of [...input.custody].sort((a, b) => a.index - b.index)) {
    if (seen.has(c.index))
      throw new AppError('evidence.package_input_invalid', { message: `ledger entry ${c.index} is listed twice`, params: { index: c.index } });
    seen.add(c.index);
    const item = items.get(c.itemId);
    if (!item)
      throw new AppError('evidence.package_input_invalid', {
        message: `ledger entry ${c.index} names item ${c.itemId}, not in the package`,
        params: { index: c.index },
      });
    events.push(checkOne(c, item, input.checkpoint, input.logOrigin, input.logVerifierKey));
  }
  // An exhibit's SHA-256 proves nothing unless a signed ledger entry states it.
  for (const item of items.values()) {
    if (!events.some((e) => e.item.id === item.id && e.entry.hashes['content'] === `sha256:${item.sha256}`)) {
      throw new AppError('evidence.package_item_unanchored', {
        message: `no custody event of exhibit ${item.exhibit} records its content hash sha256:${item.sha256}`,
        params: { exhibit: item.exhibit },
      });
    }
  }
  return { events, checkpoint };
}
