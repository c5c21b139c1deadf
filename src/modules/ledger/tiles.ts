import type { Kysely } from 'kysely';
import { type HashSource, nodeHash } from '../../lib/tlog/merkle.ts';
import { TILE_WIDTH } from '../../lib/tlog/tiles.ts';
import type { Database } from '../../storage/db/schema.ts';

const HASH = 32;
const CACHE_LIMIT = 8192;

export interface StoredTile {
  width: number;
  hashes: Buffer;
}

/** Full tiles never change, so they are cached; partial tiles are always read fresh. */
export class TileStore {
  readonly #full = new Map<string, Buffer>();

  async read(db: Kysely<Database>, level: number, index: number): Promise<StoredTile | undefined> {
    const key = `${level}/${index}`;
    const cached = this.#full.get(key);
    if (cached) return { width: TILE_WIDTH, hashes: cached };
    const row = await db.selectFrom('ledger_tiles').select(['width', 'hashes']).where('level', '=', level).where('idx', '=', index).executeTakeFirst();
    if (!row) return undefined;
    const tile = { width: Number(row.width), hashes: Buffer.from(row.hashes) };
    if (tile.width === TILE_WIDTH) this.remember(key, tile.hashes);
    return tile;
  }

  async write(db: Kysely<Database>, level: number, index: number, hashes: Buffer): Promise<void> {
    const width = hashes.length / HASH;
    await db
      .insertInto('ledger_tiles')
      .values({ level, idx: index, width, hashes })
      .onConflict((oc) => oc.columns(['level', 'idx']).doUpdateSet({ width, hashes }))
      .execute();
    if (width === TILE_WIDTH) this.remember(`${level}/${index}`, hashes);
  }

  /** Forgets everything, e.g. after a rolled-back transaction or a detected tamper. */
  clear(): void {
    this.#full.clear();
  }

  private remember(key: string, hashes: Buffer): void {
    if (this.#full.size >= CACHE_LIMIT) this.#full.delete(this.#full.keys().next().value as string);
    this.#full.set(key, hashes);
  }
}

/** The Merkle root of a full tile's 256 hashes: the node 8 levels above them. */
export function tileRoot(hashes: Buffer): Buffer {
  let level: Buffer[] = [];
  for (let i = 0; i < hashes.length; i += HASH) level.push(hashes.subarray(i, i + HASH));
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i] as Buffer, level[i + 1] as Buffer));
    level = next;
  }
  return level[0] as Buffer;
}

/**
 * Perfect-subtree hashes read from tiles (C2SP tlog-tiles, height 8): a node at height h is in the tile
 * of level floor(h/8), computed from the 2^(h mod 8) hashes it covers there. Proofs never read leaves.
 */
export function tileHashSource(db: Kysely<Database>, tiles: TileStore): HashSource {
  return {
    async node(height: number, index: number): Promise<Buffer> {
      const level = Math.floor(height / 8);
      const span = 2 ** (height % 8);
      const first = index * span;
      const tileIndex = Math.floor(first / TILE_WIDTH);
      const offset = first % TILE_WIDTH;
      const tile = await tiles.read(db, level, tileIndex);
      if (!tile || tile.width < offset + span) {
        throw new Error(`tile ${level}/${tileIndex} does not hold node ${height}/${index}`);
      }
      let hashes: Buffer[] = [];
      for (let i = 0; i < span; i++) hashes.push(tile.hashes.subarray((offset + i) * HASH, (offset + i + 1) * HASH));
      while (hashes.length > 1) {
        const next: Buffer[] = [];
        for (let i = 0; i < hashes.length; i += 2) next.push(nodeHash(hashes[i] as Buffer, hashes[i + 1] as Buffer));
        hashes = next;
      }
      return hashes[0] as Buffer;
    },
  };
}

/**
 * Adds new leaf hashes to the tiles, starting at tree size `size`: fills the open tile of each level,
 * and each tile that becomes full contributes its root to the level above.
 */
export async function extendTiles(db: Kysely<Database>, tiles: TileStore, size: number, leafHashes: Buffer[]): Promise<void> {
  let level = 0;
  let start = size;
  let hashes = leafHashes;
  while (hashes.length > 0) {
    const firstTile = Math.floor(start / TILE_WIDTH);
    const offset = start % TILE_WIDTH;
    let prefix: Buffer = Buffer.alloc(0);
    if (offset > 0) {
      const open = await tiles.read(db, level, firstTile);
      if (!open || open.width < offset) throw new Error(`ledger tiles are behind the entries at level ${level}, tile ${firstTile}`);
      prefix = open.hashes.subarray(0, offset * HASH);
    }
    const completed: Buffer[] = [];
    let position = 0;
    let tile = firstTile;
    let tileOffset = offset;
    while (position < hashes.length) {
      const take = Math.min(TILE_WIDTH - tileOffset, hashes.length - position);
      const content = Buffer.concat([tile === firstTile ? prefix : Buffer.alloc(0), ...hashes.slice(position, position + take)]);
      await tiles.write(db, level, tile, content);
      if (tileOffset + take === TILE_WIDTH) completed.push(tileRoot(content));
      position += take;
      tile += 1;
      tileOffset = 0;
    }
    hashes = completed;
    start = firstTile;
    level += 1;
  }
}
