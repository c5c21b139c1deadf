import type { Kysely } from 'kysely';
import { type HashSource, parentLayer, perfectRoot } from '../../lib/tlog/merkle.ts';
import { TILE_WIDTH } from '../../lib/tlog/tiles.ts';
import type { Database } from '../../storage/db/schema.ts';

const HASH = 32;

export interface StoredTile {
  width: number;
  hashes: Buffer;
}

interface CachedTile {
  width: number;
  /** levels[r] holds the nodes r heights above the tile's hashes, computed when first needed. */
  levels: Buffer[][];
}

/**
 * Tile storage. Reads for proofs go through a cache of committed tiles (a tile's first W hashes
 * never change, so a cached tile stays true; a wider need re-reads it), with the nodes inside each
 * tile computed once. Reads and writes inside an appending transaction bypass the cache, so
 * nothing uncommitted is ever cached.
 */
export class TileStore {
  readonly #cache = new Map<string, CachedTile>();
  readonly #limit: number;

  constructor(limit = 4096) {
    this.#limit = limit;
  }

  /** The stored row, uncached: for writers and the auditor. */
  async read(db: Kysely<Database>, level: number, index: number): Promise<StoredTile | undefined> {
    const row = await db.selectFrom('ledger_tiles').select(['width', 'hashes']).where('level', '=', level).where('idx', '=', index).executeTakeFirst();
    return row ? { width: Number(row.width), hashes: Buffer.from(row.hashes) } : undefined;
  }

  async write(db: Kysely<Database>, level: number, index: number, hashes: Buffer): Promise<void> {
    const width = hashes.length / HASH;
    await db
      .insertInto('ledger_tiles')
      .values({ level, idx: index, width, hashes })
      .onConflict((oc) => oc.columns(['level', 'idx']).doUpdateSet({ width, hashes }))
      .execute();
  }

  /** The node `height` levels above the tile's hashes at position `position`, from committed data. */
  async node(db: Kysely<Database>, level: number, index: number, height: number, position: number): Promise<Buffer | undefined> {
    const needed = (position + 1) * 2 ** height;
    const key = `${level}/${index}`;
    let tile = this.#cache.get(key);
    if (!tile || tile.width < needed) {
      tile = await this.#load(db, level, index, key);
      if (!tile || tile.width < needed) return undefined;
    }
    for (let r = tile.levels.length; r <= height; r++) tile.levels.push(parentLayer(tile.levels[r - 1] as Buffer[]));
    return tile.levels[height]?.[position];
  }

  // A proof asks for several nodes of the same tile at once: they share one read.
  readonly #loading = new Map<string, Promise<CachedTile | undefined>>();

  #load(db: Kysely<Database>, level: number, index: number, key: string): Promise<CachedTile | undefined> {
    let pending = this.#loading.get(key);
    if (!pending) {
      pending = (async () => {
        const row = await this.read(db, level, index);
        if (!row) return undefined;
        const hashes: Buffer[] = [];
        for (let i = 0; i < row.width; i++) hashes.push(row.hashes.subarray(i * HASH, (i + 1) * HASH));
        const tile: CachedTile = { width: row.width, levels: [hashes] };
        if (this.#cache.size >= this.#limit) this.#cache.delete(this.#cache.keys().next().value as string);
        this.#cache.set(key, tile);
        return tile;
      })().finally(() => this.#loading.delete(key));
      this.#loading.set(key, pending);
    }
    return pending;
  }

  /** Forgets everything (e.g. after a detected tamper was repaired). */
  clear(): void {
    this.#cache.clear();
  }
}

/** The Merkle root of a full tile's 256 hashes: the node 8 levels above them. */
export function tileRoot(hashes: Buffer): Buffer {
  const layer: Buffer[] = [];
  for (let i = 0; i < hashes.length; i += HASH) layer.push(hashes.subarray(i, i + HASH));
  return perfectRoot(layer);
}

/**
 * Perfect-subtree hashes read from tiles (C2SP tlog-tiles, height 8): a node at height h is in the tile
 * of level floor(h/8), computed from the 2^(h mod 8) hashes it covers there. Proofs never read leaves.
 */
export function tileHashSource(db: Kysely<Database>, tiles: TileStore): HashSource {
  return {
    async node(height: number, index: number): Promise<Buffer> {
      const level = Math.floor(height / 8);
      const r = height % 8;
      const perTile = TILE_WIDTH / 2 ** r;
      const hash = await tiles.node(db, level, Math.floor(index / perTile), r, index % perTile);
      if (!hash) throw new Error(`the tiles do not hold node ${height}/${index} yet`);
      return hash;
    },
  };
}

/** The open (partial) tiles whose first hashes an append of `count` leaves at tree size `size` extends. */
export function openTilesFor(size: number, count: number): Array<{ level: number; index: number; width: number }> {
  const open: Array<{ level: number; index: number; width: number }> = [];
  let start = size;
  let added = count;
  for (let level = 0; added > 0; level++) {
    const index = Math.floor(start / TILE_WIDTH);
    if (start % TILE_WIDTH > 0) open.push({ level, index, width: start % TILE_WIDTH });
    added = Math.floor((start + added) / TILE_WIDTH) - index;
    start = index;
  }
  return open;
}

/**
 * The tiles to write when `leafHashes` are appended at tree size `size`: the open tile of each level is
 * filled (its current hashes come from `prefix`), and each tile that becomes full adds its root to the
 * level above. Pure, so the same plan serves the in-process and the writer-thread paths.
 */
export function tileWrites(
  size: number,
  leafHashes: Buffer[],
  prefix: (level: number, index: number) => Buffer,
): Array<{ level: number; index: number; hashes: Buffer }> {
  const writes: Array<{ level: number; index: number; hashes: Buffer }> = [];
  let start = size;
  let hashes = leafHashes;
  for (let level = 0; hashes.length > 0; level++) {
    const firstTile = Math.floor(start / TILE_WIDTH);
    const offset = start % TILE_WIDTH;
    const head = offset > 0 ? prefix(level, firstTile) : Buffer.alloc(0);
    if (head.length !== offset * HASH) throw new Error(`ledger tiles are behind the entries at level ${level}, tile ${firstTile}`);
    const completed: Buffer[] = [];
    let position = 0;
    let tile = firstTile;
    let tileOffset = offset;
    while (position < hashes.length) {
      const take = Math.min(TILE_WIDTH - tileOffset, hashes.length - position);
      const content = Buffer.concat([tile === firstTile ? head : Buffer.alloc(0), ...hashes.slice(position, position + take)]);
      writes.push({ level, index: tile, hashes: content });
      if (tileOffset + take === TILE_WIDTH) completed.push(tileRoot(content));
      position += take;
      tile += 1;
      tileOffset = 0;
    }
    hashes = completed;
    start = firstTile;
  }
  return writes;
}

/** Adds new leaf hashes to the stored tiles, inside the caller's transaction. */
export async function extendTiles(db: Kysely<Database>, tiles: TileStore, size: number, leafHashes: Buffer[]): Promise<void> {
  const prefixes = new Map<string, Buffer>();
  for (const open of openTilesFor(size, leafHashes.length)) {
    const row = await tiles.read(db, open.level, open.index);
    if (!row || row.width < open.width) throw new Error(`ledger tiles are behind the entries at level ${open.level}, tile ${open.index}`);
    prefixes.set(`${open.level}/${open.index}`, row.hashes.subarray(0, open.width * HASH));
  }
  for (const write of tileWrites(size, leafHashes, (level, index) => prefixes.get(`${level}/${index}`) ?? Buffer.alloc(0))) {
    await tiles.write(db, write.level, write.index, write.hashes);
  }
}
