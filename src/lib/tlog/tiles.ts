// C2SP tlog-tiles: tile and entry-bundle paths, entry bundles and the tile geometry (height 8).
import { Buffer } from 'node:buffer';
import { HASH_SIZE, type HashSource, perfectRoot, TlogError } from './merkle.ts';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;
/** Tile levels are 0..63 per the spec. */
export const MAX_TILE_LEVEL = 63;
/** Entries in a bundle are uint16 length-prefixed. */
export const MAX_ENTRY_SIZE = 0xffff;

function badPath(path: string, why: string): TlogError {
  return new TlogError('tlog.bad_tile_path', `bad tile path ${JSON.stringify(path)}: ${why}`);
}

function checkIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0) throw new TlogError('tlog.invalid_range', `tile index must be a non-negative safe integer, got ${index}`);
}

function checkWidth(width: number | undefined): number {
  const w = width ?? TILE_WIDTH;
  if (!Number.isInteger(w) || w < 1 || w > TILE_WIDTH) throw new TlogError('tlog.invalid_range', `tile width must be 1..256, got ${width}`);
  return w;
}

/** `1234067` → `x001/x234/067`. */
function encodeIndex(index: number): string {
  let n = index;
  let s = String(n % 1000).padStart(3, '0');
  while (n >= 1000) {
    n = Math.floor(n / 1000);
    s = `x${String(n % 1000).padStart(3, '0')}/${s}`;
  }
  return s;
}

function suffix(width: number): string {
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/** Path of a hash tile, e.g. `tile/0/x001/x234/067.p/8` (no leading slash; full tile when width is 256 or undefined). */
export function tilePath(level: number, index: number, width?: number): string {
  if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL) throw new TlogError('tlog.invalid_range', `tile level must be 0..63, got ${level}`);
  checkIndex(index);
  return `tile/${level}/${encodeIndex(index)}${suffix(checkWidth(width))}`;
}

/** Path of an entry bundle, e.g. `tile/entries/x001/x234/067.p/8`. */
export function entriesPath(index: number, width?: number): string {
  checkIndex(index);
  return `tile/entries/${encodeIndex(index)}${suffix(checkWidth(width))}`;
}

export interface ParsedTilePath {
  kind: 'hash' | 'entries';
  /** Tile level (0 for entry bundles). */
  level: number;
  index: number;
  /** 256 for a full tile. */
  width: number;
}

const INDEX_RE = /^((?:x\d{3}\/)*)(\d{3})(?:\.p\/([1-9]\d*))?$/;

/** Strict parser of `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`; only canonical encodings are accepted. */
export function parseTilePath(path: string): ParsedTilePath {
  if (typeof path !== 'string') throw badPath(String(path), 'not a string');
  const m = /^tile\/(entries|0|[1-9]\d?)\/(.*)$/.exec(path);
  if (!m) throw badPath(path, 'expected tile/<L>/ or tile/entries/');
  const kind = m[1] === 'entries' ? 'entries' : 'hash';
  const level = kind === 'entries' ? 0 : Number(m[1]);
  if (level > MAX_TILE_LEVEL) throw badPath(path, 'level above 63');
  const im = INDEX_RE.exec(m[2]!);
  if (!im) throw badPath(path, 'malformed index or width');
  const groups = [...(im[1]!.match(/\d{3}/g) ?? []), im[2]!];
  let index = 0;
  for (const g of groups) {
    index = index * 1000 + Number(g);
    if (!Number.isSafeInteger(index)) throw badPath(path, 'index too large');
  }
  const width = im[3] === undefined ? TILE_WIDTH : Number(im[3]);
  if (im[3] !== undefined && width >= TILE_WIDTH) throw badPath(path, 'partial width must be 1..255');
  // Canonical form only (no redundant x000/ groups).
  const canonical = kind === 'entries' ? entriesPath(index, width) : tilePath(level, index, width);
  if (canonical !== path) throw badPath(path, 'not canonical');
  return { kind, level, index, width };
}

/** Entry bundle: each entry as a big-endian uint16 length followed by the entry bytes. */
export function encodeEntryBundle(entries: Uint8Array[]): Buffer {
  if (entries.length > TILE_WIDTH) throw new TlogError('tlog.invalid_range', `a bundle holds at most ${TILE_WIDTH} entries`);
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (e.length > MAX_ENTRY_SIZE) throw new TlogError('tlog.invalid_range', `entry of ${e.length} bytes exceeds ${MAX_ENTRY_SIZE}`);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(e.length);
    parts.push(len, Buffer.from(e.buffer, e.byteOffset, e.length));
  }
  return Buffer.concat(parts);
}

/** Inverse of encodeEntryBundle; throws `tlog.bad_bundle` on truncation or more than 256 entries. */
export function decodeEntryBundle(buf: Uint8Array): Buffer[] {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  const out: Buffer[] = [];
  let off = 0;
  while (off < b.length) {
    if (off + 2 > b.length) throw new TlogError('tlog.bad_bundle', 'truncated length prefix');
    const len = b.readUInt16BE(off);
    off += 2;
    if (off + len > b.length) throw new TlogError('tlog.bad_bundle', 'truncated entry');
    out.push(Buffer.from(b.subarray(off, off + len)));
    off += len;
    if (out.length > TILE_WIDTH) throw new TlogError('tlog.bad_bundle', `more than ${TILE_WIDTH} entries`);
  }
  return out;
}

export interface TileCoordinates {
  /** Tile level: floor(height / 8). */
  tileLevel: number;
  /** Index of the tile within its level. */
  tileIndex: number;
  /** Height of the node above the tile's hashes (0..7). */
  subHeight: number;
  /** First tile hash covered by the node. */
  start: number;
  /** Number of tile hashes covered (2^subHeight); the tile must be at least start+count wide. */
  count: number;
}

/** Which tile holds the hashes of the node at tree height `height` and index `index`, and which ones. */
export function tileCoordinates(height: number, index: number): TileCoordinates {
  if (!Number.isInteger(height) || height < 0 || height > 8 * MAX_TILE_LEVEL + 7) throw new TlogError('tlog.invalid_range', `bad height ${height}`);
  checkIndex(index);
  const tileLevel = Math.floor(height / TILE_HEIGHT);
  const subHeight = height - tileLevel * TILE_HEIGHT;
  const count = 2 ** subHeight;
  const first = index * count; // index of the first covered hash within the level
  if (!Number.isSafeInteger(first)) throw new TlogError('tlog.invalid_range', 'node beyond 2^53');
  const tileIndex = Math.floor(first / TILE_WIDTH);
  return { tileLevel, tileIndex, subHeight, start: first - tileIndex * TILE_WIDTH, count };
}

/**
 * Width of tile (level, index) in the tree of `size` leaves: 256 when full, 1..255 when partial, 0 when
 * the tile does not exist at that size.
 */
export function tileWidth(level: number, index: number, size: number): number {
  checkIndex(index);
  checkIndex(size);
  const perHash = 2 ** (TILE_HEIGHT * level);
  const hashes = Math.floor(size / perHash); // complete hashes at this level
  const first = index * TILE_WIDTH;
  if (hashes >= first + TILE_WIDTH) return TILE_WIDTH;
  if (hashes <= first) return 0;
  return hashes - first;
}

/** Splits tile bytes into 32-byte hashes. */
export function tileHashes(tile: Uint8Array): Buffer[] {
  if (tile.length % HASH_SIZE !== 0 || tile.length > TILE_WIDTH * HASH_SIZE) throw new TlogError('tlog.bad_tile', `tile of ${tile.length} bytes`);
  const b = Buffer.from(tile.buffer, tile.byteOffset, tile.length);
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += HASH_SIZE) out.push(Buffer.from(b.subarray(i, i + HASH_SIZE)));
  return out;
}

/** Hash of the node described by `coords`, computed from the tile's hashes. */
export function nodeFromTile(tile: Uint8Array, coords: TileCoordinates): Buffer {
  const hashes = tileHashes(tile);
  if (coords.start + coords.count > hashes.length) throw new TlogError('tlog.bad_tile', `tile of width ${hashes.length} does not cover the node`);
  return perfectRoot(hashes.slice(coords.start, coords.start + coords.count));
}

/** Bytes of tile (level, index) of the given width, read from a HashSource (for writers). */
export async function buildTile(src: HashSource, level: number, index: number, width: number = TILE_WIDTH): Promise<Buffer> {
  checkIndex(index);
  const w = checkWidth(width);
  const height = TILE_HEIGHT * level;
  const hashes = await Promise.all(Array.from({ length: w }, (_, i) => src.node(height, index * TILE_WIDTH + i)));
  return Buffer.concat(hashes);
}

/**
 * A HashSource over tiles, for a tree of `size` leaves. `readTile(level, index, width)` returns the
 * tile bytes (the full tile when width is 256). Tiles are read once per source.
 */
export function tileHashSource(size: number, readTile: (level: number, index: number, width: number) => Promise<Uint8Array>): HashSource {
  const cache = new Map<string, Promise<Uint8Array>>();
  return {
    async node(level: number, index: number): Promise<Buffer> {
      const c = tileCoordinates(level, index);
      const width = tileWidth(c.tileLevel, c.tileIndex, size);
      if (width < c.start + c.count) throw new TlogError('tlog.invalid_range', `node (${level}, ${index}) is not in the tree of size ${size}`);
      const key = `${c.tileLevel}/${c.tileIndex}/${width}`;
      let p = cache.get(key);
      if (!p) {
        p = readTile(c.tileLevel, c.tileIndex, width);
        cache.set(key, p);
        p.catch(() => cache.delete(key));
      }
      const tile = await p;
      if (tile.length !== width * HASH_SIZE) throw new TlogError('tlog.bad_tile', `tile ${key} has ${tile.length} bytes`);
      return nodeFromTile(tile, c);
    },
  };
}
