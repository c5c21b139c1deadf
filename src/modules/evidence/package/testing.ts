// Test fixtures for the package writer and verifier (not used by production code): a real custody
// log (Merkle tree, Ed25519-signed and cosigned checkpoint, tlog-proof bundles) whose leaves are
// blinded as the ledger writes them (or, on request, legacy leaves that are the entries themselves),
// real age blobs encrypted to a vault key, and two exhibits with several custody events.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { encrypt, generateIdentity } from '../../../lib/age/age.ts';
import { canonicalJson } from '../../../lib/canonical-json.ts';
import { formatCheckpoint } from '../../../lib/tlog/checkpoint.ts';
import { cosign } from '../../../lib/tlog/cosignature.ts';
import { inclusionProof, leafHash, memoryHashSource, rootHash } from '../../../lib/tlog/merkle.ts';
import { generateCosignerKey, generateSignerKey, signNote } from '../../../lib/tlog/note.ts';
import { formatTlogProof } from '../../../lib/tlog/proof-bundle.ts';
import { encodeEntry, type LedgerEntry, SALT_BYTES, subjectCommitment } from '../../ledger/index.ts';
import type { EvidenceItem } from '../model.ts';
import type { PackageInput } from './writer.ts';

export const LOG_ORIGIN = 'custodia.test/log';
const hex = (alg: string, b: Uint8Array) => createHash(alg).update(b).digest('hex');

export async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'custodia-package-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function item(id: string, exhibit: string, fileName: string, plaintext: Buffer, extra: { md5?: boolean; sha1?: boolean } = {}): EvidenceItem {
  return {
    id,
    caseId: 'case-7',
    caseReference: 'CASO-2026-001',
    orgId: 'org-1',
    exhibit,
    description: `Exhibit ${exhibit}`,
    fileName,
    acquisition: {
      by: 'Ana Quispe',
      at: '2026-03-01T09:15:00-05:00',
      where: 'Lima',
      tool: 'ddrescue',
      toolVersion: '1.28',
      method: 'physical image',
      source: 'SN-12345',
      authority: 'Orden 2026-17',
    },
    bytes: plaintext.length,
    sha256: hex('sha256', plaintext),
    ...(extra.md5 ? { md5: hex('md5', plaintext) } : {}),
    ...(extra.sha1 ? { sha1: hex('sha1', plaintext) } : {}),
    state: 'stored',
    createdAt: '2026-03-01T10:00:00-05:00',
    createdBy: 'user-1',
  };
}

/**
 * The public leaf the ledger writes for an entry (blinding.ts, written again here from its
 * description): type, time, node and salted commitments, canonical JSON.
 */
export function blindedLeaf(entry: LedgerEntry, node: string, salt: Uint8Array): Buffer {
  const commitment = `sha256:${createHash('sha256').update(salt).update(encodeEntry(entry)).digest('hex')}`;
  const subjects = entry.subjects.map((s, j) => subjectCommitment(salt, j, s));
  return Buffer.from(canonicalJson({ type: entry.type, at: entry.at, node, commitment, subjects }), 'utf8');
}

export interface Fixture {
  input: PackageInput;
  /** The ledger's entries (details), by index. */
  ledger: LedgerEntry[];
  /** The salt of each blinded leaf, by index (none with `legacy`). */
  salts: Buffer[];
  plaintexts: Buffer[];
  blobs: Buffer[];
  vault: { identity: string; recipient: string };
  log: { skey: string; vkey: string };
  /** Ledger indices of the custody events, in order, with their item. */
  custodyIndexes: number[];
  /** A proof bundle for ledger entry `index` under another checkpoint note. */
  proofWith(index: number, checkpointNote: string): Promise<string>;
  /** The checkpoint body (unsigned note text). */
  checkpointBody: string;
}

/**
 * Two items (the second with MD5/SHA-1, no file name, and an exhibit number with `/` and `:`),
 * five custody events among unrelated ledger entries. `options.wrongHashFor` records the given
 * item's SHA-256 (in the item and in its ledger entries) as something its blob does not hold.
 */
export async function makeFixture(
  options: {
    wrongHashFor?: number;
    /** Item A's content produced on the fly instead (its vault blob is `open(vaultRecipient)`). */
    streamed?: { bytes: number; sha256: string; open(vaultRecipient: string): Readable };
    /** Leaves written before blinding: each is the entry's canonical bytes. */
    legacy?: boolean;
  } = {},
): Promise<Fixture> {
  const plaintexts = [options.streamed ? Buffer.alloc(0) : randomBytes(200_000), Buffer.from('chat export\nline 2\n', 'utf8')];
  const vault = generateIdentity();
  const items = [item('item-a', 'EXH-1', 'disk image.dd', plaintexts[0]!), item('item-b', 'PE:2026/002', '', plaintexts[1]!, { md5: true, sha1: true })];
  if (options.streamed) Object.assign(items[0]!, { bytes: options.streamed.bytes, sha256: options.streamed.sha256 });
  if (options.wrongHashFor !== undefined) items[options.wrongHashFor]!.sha256 = hex('sha256', Buffer.from('something else'));
  const blobs = plaintexts.map((p) => encrypt(p, [vault.recipient]));
  const streamed = options.streamed;

  const other = (n: number): LedgerEntry => ({
    type: 'kb.import',
    subjects: [`kb-${n}`],
    actor: 'system',
    at: '2026-02-01T00:00:00-05:00',
    hashes: {},
    refs: [],
    data: {},
  });
  const custody = (i: number, type: string, at: string, actor: string, reason: string, withHash: boolean): LedgerEntry => ({
    type: `evidence.${type}`,
    subjects: [`evidence:${items[i]!.id}`, `case:${items[i]!.caseId}`, `org:${items[i]!.orgId}`],
    actor,
    at,
    hashes: withHash ? { content: `sha256:${items[i]!.sha256}` } : {},
    refs: [],
    data: { reason, exhibit: items[i]!.exhibit },
  });
  const ledger: LedgerEntry[] = [
    other(0),
    other(1),
    custody(0, 'acquired', '2026-03-01T09:15:00-05:00', 'user-ana', 'seized under order 2026-17', true),
    other(2),
    custody(1, 'acquired', '2026-03-01T11:00:00-05:00', 'user-ana', 'provider production', true),
    custody(0, 'received', '2026-03-02T08:00:00-05:00', 'user-luis', 'received at the lab', false),
    other(3),
    custody(0, 'transferred', '2026-03-03T12:30:00-05:00', 'user-luis', 'to the prosecutor', true),
    custody(1, 'analysed', '2026-03-04T16:45:00-05:00', 'user-maria', '', false),
    other(4),
  ];
  const owners = new Map([
    [2, 0],
    [4, 1],
    [5, 0],
    [7, 0],
    [8, 1],
  ]);
  const salts = options.legacy ? [] : ledger.map(() => randomBytes(SALT_BYTES));
  const bytes = options.legacy ? ledger.map(encodeEntry) : ledger.map((e, i) => blindedLeaf(e, LOG_ORIGIN, salts[i]!));
  const src = memoryHashSource(bytes.map(leafHash));
  const root = await rootHash(src, ledger.length);
  const log = generateSignerKey(LOG_ORIGIN);
  const witness = generateCosignerKey('witness.test');
  const checkpointBody = formatCheckpoint({ origin: LOG_ORIGIN, size: ledger.length, root });
  const checkpoint = signNote(checkpointBody, [log]) + cosign(checkpointBody, 1_780_000_000, witness);
  const proofWith = async (index: number, checkpointNote: string) =>
    formatTlogProof({ extra: bytes[index]!, index, proof: await inclusionProof(src, index, ledger.length), checkpointNote });

  const custodyIndexes = [...owners.keys()];
  const input: PackageInput = {
    case: {
      id: 'case-7',
      reference: 'CASO-2026-001',
      title: 'Fraude informático — banca en línea',
      orgId: 'org-1',
      orgName: 'Fiscalía Especializada en Ciberdelincuencia',
    },
    generatedAt: '2026-03-10T18:00:00-05:00',
    generatedBy: 'Rosa Huamán',
    vaultIdentities: [vault.identity],
    items: items.map((it, i) => ({
      item: it,
      // Several chunks, to exercise the streaming paths.
      openStored: async () =>
        i === 0 && streamed
          ? streamed.open(vault.recipient)
          : Readable.from([blobs[i]!.subarray(0, 100), blobs[i]!.subarray(100, 70_000), blobs[i]!.subarray(70_000)]),
    })),
    custody: await Promise.all(
      custodyIndexes.map(async (index) => ({
        index,
        itemId: items[owners.get(index)!]!.id,
        entry: ledger[index]!,
        disclosure: options.legacy ? undefined : { salt: salts[index]! },
        proof: await proofWith(index, checkpoint),
      })),
    ),
    logOrigin: LOG_ORIGIN,
    logVerifierKey: log.vkey,
    checkpoint,
  };
  return { input, ledger, salts, plaintexts, blobs, vault, log, custodyIndexes, proofWith, checkpointBody };
}
