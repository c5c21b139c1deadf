import type { Kysely } from 'kysely';
import { parseCheckpoint } from '../../lib/tlog/checkpoint.ts';
import { CompactRange, consistencyProof, leafHash, verifyConsistency } from '../../lib/tlog/merkle.ts';
import { openNote } from '../../lib/tlog/note.ts';
import { TILE_WIDTH } from '../../lib/tlog/tiles.ts';
import type { Database } from '../../storage/db/schema.ts';
import { decodeLeaf, type Leaf, openLeaf } from './blinding.ts';
import { allCheckpoints } from './store.ts';
import { type TileStore, tileHashSource, tileRoot } from './tiles.ts';

/** The first thing found wrong, named exactly: where, what was expected, what was found. */
export interface AuditFinding {
  kind: 'entry' | 'details' | 'tile' | 'checkpoint-root' | 'checkpoint-signature' | 'checkpoint-consistency' | 'gap';
  index?: number;
  level?: number;
  tile?: number;
  size?: number;
  expected?: string;
  found?: string;
  message: string;
}

export interface AuditReport {
  ok: boolean;
  entries: number;
  tiles: number;
  checkpoints: number;
  /** Entries whose details and salt were deleted on purpose (each pointing to the entry recording it). */
  shredded: number;
  /** Entries written before blinding, whose leaf is their details. */
  legacy: number;
  root?: string;
  finding?: AuditFinding;
}

const CHUNK = 5000;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * Rebuilds the tree from the entries alone and compares it with everything stored: every leaf with
 * the level-0 tiles, every tile with the one rebuilt from the level below, every checkpoint's root
 * and signature, and each checkpoint against its predecessor with a consistency proof.
 */
export async function auditLedger(deps: {
  db: Kysely<Database>;
  tiles: TileStore;
  origin: string;
  verifierKeys: () => Promise<Array<{ vkey: string }>>;
}): Promise<AuditReport> {
  const { db } = deps;
  const checkpoints = await allCheckpoints(db);
  const vkeys = (await deps.verifierKeys()).map((k) => k.vkey);
  const range = CompactRange.fromHashes(0, []);
  const openTiles: Buffer[][] = [];
  let tilesChecked = 0;
  let nextCheckpoint = 0;
  let count = 0;
  let shredded = 0;
  let legacy = 0;
  const fail = (finding: AuditFinding): AuditReport => ({
    ok: false,
    entries: count,
    tiles: tilesChecked,
    checkpoints: nextCheckpoint,
    shredded,
    legacy,
    finding,
  });

  /**
   * An entry's details against its leaf: they open its commitments (a legacy leaf is its own
   * details); details may be absent only when shredded, by a `ledger.shredded` entry written after it.
   */
  async function checkDetails(
    index: number,
    bytes: Buffer,
    decoded: Leaf,
    row: { salt: Uint8Array | null; details: string | null; shredded_at: string | null; shredded_by: number | null },
  ): Promise<AuditFinding | undefined> {
    const kind = decoded.kind;
    if (kind === 'legacy') legacy += 1;
    if (row.details === null) {
      const by = row.shredded_by === null ? undefined : Number(row.shredded_by);
      if (!row.shredded_at || by === undefined || by <= index) {
        return { kind: 'details', index, message: `entry ${index} has lost its details without a shredding that records it: missing, not shredded` };
      }
      const record = await db.selectFrom('ledger_entries').select('type').where('idx', '=', by).executeTakeFirst();
      if (record?.type !== 'ledger.shredded') {
        return { kind: 'details', index, message: `entry ${index} is marked shredded by entry ${by}, which is not a ledger.shredded entry` };
      }
      shredded += 1;
      return undefined;
    }
    const details = Buffer.from(row.details, 'utf8');
    if (kind === 'legacy') {
      if (!details.equals(bytes)) return { kind: 'details', index, message: `entry ${index}: the details stored differ from the legacy entry` };
      return undefined;
    }
    if (!row.salt) return { kind: 'details', index, message: `entry ${index} has details but no salt` };
    try {
      openLeaf(bytes, { salt: Buffer.from(row.salt), details }, decoded.kind === 'blinded' ? decoded.leaf : undefined);
    } catch (err) {
      return { kind: 'details', index, message: `entry ${index}: ${(err as Error).message}` };
    }
    return undefined;
  }

  // Compares a rebuilt tile (full, or the final partial one) with the stored tile of the same place.
  async function checkTile(level: number, index: number, hashes: Buffer[]): Promise<AuditFinding | undefined> {
    const stored = await deps.tiles.read(db, level, index);
    tilesChecked += 1;
    if (!stored || stored.width < hashes.length) {
      return {
        kind: 'tile',
        level,
        tile: index,
        message: `tile ${level}/${index} is missing or shorter than ${hashes.length} hashes (found ${stored?.width ?? 0})`,
      };
    }
    for (let i = 0; i < hashes.length; i++) {
      const found = stored.hashes.subarray(i * 32, (i + 1) * 32);
      if (!found.equals(hashes[i] as Buffer)) {
        return {
          kind: 'tile',
          level,
          tile: index,
          index: level === 0 ? index * TILE_WIDTH + i : i,
          expected: hex(hashes[i] as Buffer),
          found: hex(found),
          message: `tile ${level}/${index} position ${i} differs from the hash rebuilt from the entries`,
        };
      }
    }
    return undefined;
  }

  async function push(level: number, hash: Buffer): Promise<AuditFinding | undefined> {
    if (!openTiles[level]) openTiles[level] = [];
    const open = openTiles[level] as Buffer[];
    open.push(hash);
    if (open.length < TILE_WIDTH) return undefined;
    const index = Math.floor((range.size - 1) / TILE_WIDTH ** (level + 1));
    const problem = await checkTile(level, index, open);
    if (problem) return problem;
    openTiles[level] = [];
    return push(level + 1, tileRoot(Buffer.concat(open)));
  }

  async function checkCheckpoint(i: number): Promise<AuditFinding | undefined> {
    const cp = checkpoints[i];
    if (!cp) return undefined;
    let opened: ReturnType<typeof openNote>;
    try {
      opened = openNote(cp.note, vkeys);
    } catch (err) {
      return { kind: 'checkpoint-signature', size: cp.size, message: `checkpoint ${cp.size}: ${(err as Error).message}` };
    }
    if (!opened.signatures.some((s) => s.verified))
      return { kind: 'checkpoint-signature', size: cp.size, message: `checkpoint ${cp.size} has no valid signature by this log` };
    const body = parseCheckpoint(opened.text);
    const rebuilt = range.root();
    if (body.origin !== deps.origin || body.size !== cp.size || !body.root.equals(rebuilt) || !cp.root.equals(rebuilt)) {
      return {
        kind: 'checkpoint-root',
        size: cp.size,
        expected: hex(rebuilt),
        found: hex(body.root),
        message: `checkpoint ${cp.size} does not match the tree rebuilt from the entries`,
      };
    }
    return undefined;
  }

  // Runs after every tile has been checked, so a proof never rests on an unchecked tile.
  async function checkConsistency(): Promise<AuditFinding | undefined> {
    const source = tileHashSource(db, deps.tiles);
    for (let i = 1; i < checkpoints.length; i++) {
      const previous = checkpoints[i - 1] as (typeof checkpoints)[number];
      const cp = checkpoints[i] as (typeof checkpoints)[number];
      if (previous.size === 0) continue;
      try {
        verifyConsistency(previous.size, cp.size, await consistencyProof(source, previous.size, cp.size), previous.root, cp.root);
      } catch (err) {
        return {
          kind: 'checkpoint-consistency',
          size: cp.size,
          message: `checkpoint ${cp.size} is not consistent with checkpoint ${previous.size}: ${(err as Error).message}`,
        };
      }
    }
    return undefined;
  }

  while (nextCheckpoint < checkpoints.length && checkpoints[nextCheckpoint]?.size === 0) nextCheckpoint += 1;
  for (;;) {
    const rows = await db
      .selectFrom('ledger_entries')
      .select(['idx', 'entry', 'leaf_hash', 'salt', 'details', 'shredded_at', 'shredded_by'])
      .where('idx', '>=', count)
      .orderBy('idx')
      .limit(CHUNK)
      .execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      const index = Number(row.idx);
      if (index !== count) return fail({ kind: 'gap', index: count, message: `entry ${count} is missing (next stored index is ${index})` });
      const bytes = Buffer.from(row.entry, 'utf8');
      let decoded: Leaf;
      try {
        decoded = decodeLeaf(bytes);
      } catch (err) {
        return fail({ kind: 'entry', index, message: `entry ${index}: ${(err as Error).message}` });
      }
      const leaf = leafHash(bytes);
      if (!leaf.equals(Buffer.from(row.leaf_hash))) {
        return fail({
          kind: 'entry',
          index,
          expected: hex(row.leaf_hash),
          found: hex(leaf),
          message: `entry ${index} does not hash to the leaf hash recorded with it`,
        });
      }
      // The leaf first: details can only be checked against a leaf known to be the logged one.
      const detailsProblem = await checkDetails(index, bytes, decoded, row);
      if (detailsProblem) return fail(detailsProblem);
      range.append(leaf);
      count += 1;
      const problem = await push(0, leaf);
      if (problem) return fail(problem);
      while (nextCheckpoint < checkpoints.length && checkpoints[nextCheckpoint]?.size === count) {
        const cpProblem = await checkCheckpoint(nextCheckpoint);
        if (cpProblem) return fail(cpProblem);
        nextCheckpoint += 1;
      }
    }
  }
  // The open (partial) tile of each level must hold exactly what was rebuilt so far.
  for (let level = 0; level < openTiles.length; level++) {
    const open = openTiles[level] ?? [];
    if (open.length === 0) continue;
    const index = Math.floor(count / TILE_WIDTH ** (level + 1));
    const problem = await checkTile(level, index, open);
    if (problem) return fail(problem);
  }
  if (nextCheckpoint < checkpoints.length) {
    const cp = checkpoints[nextCheckpoint] as (typeof checkpoints)[number];
    return fail({ kind: 'checkpoint-root', size: cp.size, message: `checkpoint ${cp.size} is beyond the ${count} entries stored` });
  }
  const inconsistent = await checkConsistency();
  if (inconsistent) return fail(inconsistent);
  return { ok: true, entries: count, tiles: tilesChecked, checkpoints: checkpoints.length, shredded, legacy, root: range.root().toString('base64') };
}
