// The verifier's custody checks: each proof file verifies against the package's log key and
// checkpoint and carries a valid ledger leaf; a blinded leaf is opened by its disclosure file (the
// details and salt recompute its commitments); events.json agrees with those proven details; every
// exhibit's SHA-256 is stated by a proven entry. Nothing here throws for a bad package: each finding
// is a problem naming the file or ledger entry at fault.
import { z } from 'zod';
import { AppError } from '../../../lib/errors.ts';
import { parseTlogProof, verifyTlogProof } from '../../../lib/tlog/proof-bundle.ts';
import { decodeLeaf, type Leaf, type LedgerEntry, openDisclosureFile } from '../../ledger/index.ts';
import { eventName, itemSubject, reasonOf } from './custody-check.ts';
import { disclosureIndexOf, disclosurePath, EVENTS_FORMAT, EVENTS_PATH, type EventsFile, proofIndexOf, proofPath } from './layout.ts';
import type { PackageProblem } from './verifier.ts';

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
const codeOf = (err: unknown) => (err !== null && typeof err === 'object' && 'code' in err ? `${String(err.code)}: ` : '');

/** A proof file that verified: the leaf it proves (its bytes, and what they are). */
export interface VerifiedLeaf {
  index: number;
  bytes: Buffer;
  leaf: Leaf;
}

/** Checks one proof file; returns its verified leaf, or undefined after reporting why not. */
export function checkProofFile(
  path: string,
  text: string,
  checkpoint: string | undefined,
  vkey: string | undefined,
  add: (p: PackageProblem) => void,
): VerifiedLeaf | undefined {
  const index = proofIndexOf(path);
  if (index === undefined) {
    add({ code: 'package.proof_name_invalid', path, message: `${path} is not named custody/proofs/<ledger index>.tlog-proof` });
    return undefined;
  }
  let proof: ReturnType<typeof parseTlogProof>;
  try {
    proof = parseTlogProof(text);
  } catch (err) {
    add({ code: 'package.proof_malformed', path, entry: index, message: `not a c2sp.org/tlog-proof@v1 proof: ${messageOf(err)}` });
    return undefined;
  }
  if (proof.index !== index)
    add({ code: 'package.proof_index_mismatch', path, entry: index, message: `the file is named for entry ${index} but proves entry ${proof.index}` });
  if (checkpoint !== undefined && proof.checkpointNote !== checkpoint)
    add({ code: 'package.proof_checkpoint_mismatch', path, entry: index, message: 'the proof carries another checkpoint than custody/checkpoint.txt' });
  if (!proof.extra) {
    add({ code: 'package.proof_entry_missing', path, entry: index, message: 'the proof does not carry the ledger entry' });
    return undefined;
  }
  let leaf: Leaf | undefined;
  try {
    leaf = decodeLeaf(proof.extra);
  } catch (err) {
    add({ code: 'package.entry_invalid', path, entry: index, message: `the carried ledger entry is not valid: ${messageOf(err)}` });
  }
  if (vkey === undefined) return undefined;
  try {
    verifyTlogProof(text, { entry: proof.extra }, vkey);
  } catch (err) {
    add({ code: 'package.proof_invalid', path, entry: index, message: `the proof does not verify against custody/log.vkey: ${codeOf(err)}${messageOf(err)}` });
    return undefined;
  }
  return proof.index === index && leaf ? { index, bytes: proof.extra, leaf } : undefined;
}

/**
 * The proven details of each verified leaf: a legacy leaf is its details; a blinded one is opened
 * by its disclosure file (`disclosures`: bag path → text), and only details that open it count.
 * A disclosure file that opens no verified blinded leaf is reported too. `proofIndexes` are the
 * entries with a proof file, verified or not (a failed proof has been reported already).
 */
export function openEntries(
  leaves: readonly VerifiedLeaf[],
  disclosures: ReadonlyMap<string, string>,
  proofIndexes: ReadonlySet<number>,
  add: (p: PackageProblem) => void,
): Map<number, LedgerEntry> {
  const entries = new Map<number, LedgerEntry>();
  const blinded = new Set<number>();
  for (const { index, bytes, leaf } of leaves) {
    if (leaf.kind === 'legacy') {
      entries.set(index, leaf.entry);
      continue;
    }
    blinded.add(index);
    const path = disclosurePath(index);
    const text = disclosures.get(path);
    if (text === undefined) {
      add({
        code: 'package.disclosure_missing',
        path,
        entry: index,
        message: `ledger entry ${index} is blinded (type ${leaf.leaf.type}, at ${leaf.leaf.at}) and ${path}, which opens it, is missing`,
      });
      continue;
    }
    try {
      entries.set(index, openDisclosureFile(bytes, index, text));
    } catch (err) {
      const mismatch = err instanceof AppError && err.code === 'ledger.disclosure_mismatch';
      add({
        code: mismatch ? 'package.disclosure_mismatch' : 'package.disclosure_invalid',
        path,
        entry: index,
        message: mismatch
          ? `the details and salt in ${path} do not open ledger entry ${index}: ${messageOf(err)}`
          : `${path} is not a valid disclosure: ${messageOf(err)}`,
      });
    }
  }
  for (const path of [...disclosures.keys()].sort()) {
    const index = disclosureIndexOf(path);
    if (index !== undefined && blinded.has(index)) continue;
    if (index !== undefined && proofIndexes.has(index) && !leaves.some((l) => l.index === index)) continue; // its proof failed, and says so
    add({
      code: 'package.disclosure_unlisted',
      path,
      ...(index !== undefined ? { entry: index } : {}),
      message:
        index === undefined
          ? `${path} is not named custody/disclosures/<ledger index>.json`
          : proofIndexes.has(index)
            ? `ledger entry ${index} is not blinded: ${path} opens nothing`
            : `${path} discloses ledger entry ${index}, which has no proof in the package`,
    });
  }
  return entries;
}

const EventsSchema = z.object({
  format: z.literal(EVENTS_FORMAT),
  case: z.object({ reference: z.string(), title: z.string() }),
  logOrigin: z.string(),
  items: z.array(
    z.object({
      itemId: z.string().min(1),
      exhibit: z.string().min(1),
      path: z.string().startsWith('data/'),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      bytes: z.number().int().min(0),
      encrypted: z.boolean(),
    }),
  ),
  events: z.array(
    z.object({
      index: z.number().int().min(0),
      itemId: z.string(),
      exhibit: z.string(),
      event: z.string(),
      at: z.string(),
      actor: z.string(),
      reason: z.string(),
      proof: z.string(),
    }),
  ),
});

export function parseEventsFile(text: string, add: (p: PackageProblem) => void): EventsFile | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    add({ code: 'package.events_invalid', path: EVENTS_PATH, message: `not JSON: ${messageOf(err)}` });
    return undefined;
  }
  const parsed = EventsSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) add({ code: 'package.events_invalid', path: EVENTS_PATH, message: `${issue.path.join('.')}: ${issue.message}` });
    return undefined;
  }
  const file = parsed.data as EventsFile;
  const ids = new Set<string>();
  const exhibits = new Set<string>();
  for (const item of file.items) {
    if (ids.has(item.itemId) || exhibits.has(item.exhibit))
      add({ code: 'package.events_invalid', path: EVENTS_PATH, message: `item ${item.itemId} (exhibit ${item.exhibit}) is listed twice` });
    ids.add(item.itemId);
    exhibits.add(item.exhibit);
  }
  return file;
}

/** events.json against the verified entries (by ledger index) and the proof files present. */
export function crossCheckEvents(file: EventsFile, entries: Map<number, LedgerEntry>, proofIndexes: Set<number>, add: (p: PackageProblem) => void): void {
  const items = new Map(file.items.map((i) => [i.itemId, i]));
  const listed = new Set<number>();
  for (const e of file.events) {
    const problem = (code: string, message: string) => add({ code, path: EVENTS_PATH, entry: e.index, message });
    if (listed.has(e.index)) problem('package.events_invalid', `ledger entry ${e.index} is listed twice`);
    listed.add(e.index);
    const item = items.get(e.itemId);
    if (!item) {
      problem('package.events_invalid', `ledger entry ${e.index} names item ${e.itemId}, which is not in the package`);
      continue;
    }
    if (e.proof !== proofPath(e.index)) problem('package.events_invalid', `the proof of entry ${e.index} should be ${proofPath(e.index)}, not ${e.proof}`);
    if (!proofIndexes.has(e.index)) {
      add({ code: 'package.proof_missing', path: proofPath(e.index), entry: e.index, message: `no proof for ledger entry ${e.index}` });
      continue;
    }
    const entry = entries.get(e.index);
    if (!entry) continue; // its proof file has been reported
    const differs: string[] = [];
    if (eventName(entry.type) !== e.event) differs.push(`event ${e.event} (ledger: ${eventName(entry.type)})`);
    if (entry.at !== e.at) differs.push(`time ${e.at} (ledger: ${entry.at})`);
    if (entry.actor !== e.actor) differs.push(`actor ${e.actor} (ledger: ${entry.actor})`);
    if (reasonOf(entry) !== e.reason) differs.push('reason');
    if (!entry.subjects.includes(itemSubject(e.itemId))) differs.push(`item ${e.itemId} (${itemSubject(e.itemId)} is not among the ledger entry's subjects)`);
    if (e.exhibit !== item.exhibit) differs.push(`exhibit ${e.exhibit} (item's: ${item.exhibit})`);
    if (differs.length > 0) problem('package.event_mismatch', `events.json differs from the signed ledger entry ${e.index}: ${differs.join('; ')}`);
    const content = entry.hashes['content'];
    if (content !== undefined && content !== `sha256:${item.sha256}`)
      add({
        code: 'package.custody_hash_mismatch',
        path: proofPath(e.index),
        entry: e.index,
        message: `ledger entry ${e.index} records content ${content}, but exhibit ${item.exhibit} is sha256:${item.sha256}`,
      });
  }
  for (const index of [...proofIndexes].sort((a, b) => a - b)) {
    if (!listed.has(index))
      add({ code: 'package.proof_unlisted', path: proofPath(index), entry: index, message: `the proof of entry ${index} is not in events.json` });
  }
  // An exhibit's SHA-256 is only evidence if a signed entry states it.
  for (const item of file.items) {
    const anchored = file.events.some((e) => e.itemId === item.itemId && entries.get(e.index)?.hashes['content'] === `sha256:${item.sha256}`);
    if (!anchored)
      add({
        code: 'package.item_unanchored',
        path: EVENTS_PATH,
        message: `no verified custody entry of exhibit ${item.exhibit} records its content hash sha256:${item.sha256}`,
      });
  }
}
