// RFC 6962 / RFC 9162 Merkle tree hashing over SHA-256: hashes, roots, inclusion and consistency
// proofs (generation and verification) and the compact range (right edge) used to append.
// Tree sizes and indices are JS numbers (safe integers, logs up to 2^53 entries).
import { Buffer } from 'node:buffer';
import { createHash, hash } from 'node:crypto';
import type { TlogCode } from '../error-codes.ts';

export const HASH_SIZE = 32;

/** A failure of the transparency-log library. `code` is stable (`tlog.snake_reason`, registered in lib/error-codes.ts). */
export class TlogError extends Error {
  readonly code: TlogCode;

  constructor(code: TlogCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? code, options);
    this.name = 'TlogError';
    this.code = code;
  }
}

/** SHA-256 of the empty string: the root of the empty tree. */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** SHA-256 of a buffer that already starts with the 0x00 leaf prefix (saves a copy on the hot path). */
export function leafHashOfPrefixed(prefixed: Uint8Array): Buffer {
  return hash('sha256', prefixed, 'buffer');
}

/** RFC 6962 leaf hash: SHA-256(0x00 ‖ entry). */
export function leafHash(entry: Uint8Array): Buffer {
  // One-shot hashing: creating a Hash object per call costs more than the hash of a small entry.
  return hash('sha256', Buffer.concat([LEAF_PREFIX, entry]), 'buffer');
}

const NODE_INPUT = Buffer.alloc(65);

/** RFC 6962 interior node hash: SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
  }
  NODE_INPUT[0] = 0x01;
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 33);
  return hash('sha256', NODE_INPUT, 'buffer');
}

/** The layer above: each pair of hashes combined; an odd last hash (a partial tile's edge) has no parent yet. */
export function parentLayer(layer: Uint8Array[]): Buffer[] {
  const up: Buffer[] = [];
  for (let i = 0; i + 1 < layer.length; i += 2) up.push(nodeHash(layer[i] as Uint8Array, layer[i + 1] as Uint8Array));
  return up;
}

/** The root of a perfect subtree given its 2^k bottom hashes, in order. */
export function perfectRoot(layer: Uint8Array[]): Buffer {
  if (layer.length === 0 || (layer.length & (layer.length - 1)) !== 0) throw new TlogError('tlog.invalid_range', `not a power of two: ${layer.length}`);
  let current = layer;
  while (current.length > 1) current = parentLayer(current);
  return Buffer.from(current[0] as Uint8Array);
}

/**
 * Where the hashes of a tree come from. `node(level, index)` is the hash of the PERFECT subtree of
 * height `level` (2^level leaves) that starts at leaf `index * 2^level`; level 0 is the leaf hashes.
 */
export interface HashSource {
  node(level: number, index: number): Promise<Buffer>;
}

function checkSafe(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new TlogError('tlog.invalid_range', `${what} must be a non-negative safe integer, got ${n}`);
}

/** Largest power of two strictly smaller than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** log2(n) if n is a power of two, else -1. */
function exactLog2(n: number): number {
  let level = 0;
  let p = 1;
  while (p < n) {
    p *= 2;
    level++;
  }
  return p === n ? level : -1;
}

/** Halving that is exact for every safe integer (bit operators truncate to 32 bits). */
function half(n: number): number {
  return Math.floor(n / 2);
}

function isOdd(n: number): boolean {
  return n % 2 === 1;
}

/**
 * RFC 6962 MTH of the leaves [start, end). `start` must be aligned as in the proof recursion: every
 * perfect subtree met on the way (split at the largest power of two smaller than n) must start at a
 * multiple of its own size.
 */
export async function subtreeHash(src: HashSource, start: number, end: number): Promise<Buffer> {
  checkSafe(start, 'start');
  checkSafe(end, 'end');
  if (end <= start) throw new TlogError('tlog.invalid_range', `empty or inverted range [${start}, ${end})`);
  const n = end - start;
  const level = exactLog2(n);
  if (level >= 0) {
    if (start % n !== 0) throw new TlogError('tlog.invalid_range', `range [${start}, ${end}) is not aligned`);
    return src.node(level, start / n);
  }
  const k = splitPoint(n);
  const [left, right] = await Promise.all([subtreeHash(src, start, start + k), subtreeHash(src, start + k, end)]);
  return nodeHash(left, right);
}

/** Root hash of the tree of the first `size` leaves (EMPTY_ROOT for 0). */
export async function rootHash(src: HashSource, size: number): Promise<Buffer> {
  checkSafe(size, 'size');
  if (size === 0) return Buffer.from(EMPTY_ROOT);
  return subtreeHash(src, 0, size);
}

type Range = [start: number, end: number];

/** RFC 9162 §2.1.3.1 PATH(m, D[start:end]): the ranges whose MTHs form the audit path, leaf first. */
function pathRanges(m: number, start: number, end: number, out: Range[]): void {
  const n = end - start;
  if (n <= 1) return;
  const k = splitPoint(n);
  if (m < k) {
    pathRanges(m, start, start + k, out);
    out.push([start + k, end]);
  } else {
    pathRanges(m - k, start + k, end, out);
    out.push([start, start + k]);
  }
}

/** RFC 9162 §2.1.4.1 SUBPROOF(m, D[start:end], b). */
function subproofRanges(m: number, start: number, end: number, b: boolean, out: Range[]): void {
  const n = end - start;
  if (m === n) {
    if (!b) out.push([start, end]);
    return;
  }
  const k = splitPoint(n);
  if (m <= k) {
    subproofRanges(m, start, start + k, b, out);
    out.push([start + k, end]);
  } else {
    subproofRanges(m - k, start + k, end, false, out);
    out.push([start, start + k]);
  }
}

/** Inclusion proof (audit path) for leaf `index` in the tree of `size` leaves. */
export async function inclusionProof(src: HashSource, index: number, size: number): Promise<Buffer[]> {
  checkSafe(index, 'index');
  checkSafe(size, 'size');
  if (index >= size) throw new TlogError('tlog.invalid_range', `index ${index} is not below size ${size}`);
  const ranges: Range[] = [];
  pathRanges(index, 0, size, ranges);
  return Promise.all(ranges.map(([s, e]) => subtreeHash(src, s, e)));
}

/** Consistency proof from the tree of `size1` leaves to the tree of `size2` leaves (1 ≤ size1 ≤ size2). */
export async function consistencyProof(src: HashSource, size1: number, size2: number): Promise<Buffer[]> {
  checkSafe(size1, 'size1');
  checkSafe(size2, 'size2');
  if (size1 < 1 || size1 > size2) throw new TlogError('tlog.invalid_range', `no consistency proof from ${size1} to ${size2}`);
  if (size1 === size2) return [];
  const ranges: Range[] = [];
  subproofRanges(size1, 0, size2, true, ranges);
  return Promise.all(ranges.map(([s, e]) => subtreeHash(src, s, e)));
}

function proofInvalid(message: string): TlogError {
  return new TlogError('tlog.proof_invalid', message);
}

function checkHash(h: Uint8Array, what: string): void {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) throw proofInvalid(`${what} must be ${HASH_SIZE} bytes`);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function checkSizes(values: Array<[number, string]>): void {
  for (const [n, what] of values) {
    if (!Number.isSafeInteger(n) || n < 0) throw proofInvalid(`${what} must be a non-negative safe integer`);
  }
}

/**
 * RFC 9162 §2.1.3.2: verify that `leafHash` is the leaf at `index` of the tree of `size` leaves whose
 * root is `root`. Throws TlogError `tlog.proof_invalid` on any failure.
 */
export function verifyInclusion(leafHash: Uint8Array, index: number, size: number, proof: Uint8Array[], root: Uint8Array): void {
  checkSizes([
    [index, 'index'],
    [size, 'size'],
  ]);
  checkHash(leafHash, 'leaf hash');
  checkHash(root, 'root');
  if (!Array.isArray(proof)) throw proofInvalid('proof must be an array');
  for (const [i, p] of proof.entries()) checkHash(p, `proof[${i}]`);
  if (index >= size) throw proofInvalid(`index ${index} is not below size ${size}`);
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leafHash);
  for (const p of proof) {
    if (sn === 0) throw proofInvalid('proof is too long');
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw proofInvalid('proof is too short');
  if (!equalBytes(r, root)) throw proofInvalid('computed root does not match');
}

/**
 * RFC 9162 §2.1.4.2: verify that the tree of `size1` leaves with root `root1` is a prefix of the tree
 * of `size2` leaves with root `root2`. A proof from size 0 is rejected (even 0 → 0), as are hashes
 * that are not exactly 32 bytes (for equal sizes the roots are only compared). Throws TlogError `tlog.proof_invalid` on any failure.
 */
export function verifyConsistency(size1: number, size2: number, proof: Uint8Array[], root1: Uint8Array, root2: Uint8Array): void {
  checkSizes([
    [size1, 'size1'],
    [size2, 'size2'],
  ]);
  if (!Array.isArray(proof)) throw proofInvalid('proof must be an array');
  if (size1 === 0) throw proofInvalid('consistency proof from an empty tree is meaningless');
  if (size2 < size1) throw proofInvalid(`size2 ${size2} is below size1 ${size1}`);
  if (size1 === size2) {
    // Nothing is hashed: the proof must be empty and the roots identical. As in transparency-dev/merkle
    // (and its vector consistency/additional/sizes-are-equal-one-and-proof-is-empty.json), the roots
    // are compared as given, without a length check.
    if (proof.length !== 0) throw proofInvalid('proof must be empty for equal sizes');
    if (!(root1 instanceof Uint8Array) || !(root2 instanceof Uint8Array) || !equalBytes(root1, root2)) throw proofInvalid('roots differ for equal sizes');
    return;
  }
  // Every hash that enters a hash computation must be exactly 32 bytes (no byte-shifting between
  // concatenated inputs).
  checkHash(root1, 'root1');
  checkHash(root2, 'root2');
  for (const [i, p] of proof.entries()) checkHash(p, `proof[${i}]`);
  if (proof.length === 0) throw proofInvalid('empty proof');
  const path: Uint8Array[] = exactLog2(size1) >= 0 ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Buffer = Buffer.from(path[0]!);
  let sr: Buffer = Buffer.from(path[0]!);
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) throw proofInvalid('proof is too long');
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw proofInvalid('proof is too short');
  if (!equalBytes(fr, root1)) throw proofInvalid('computed root1 does not match');
  if (!equalBytes(sr, root2)) throw proofInvalid('computed root2 does not match');
}

/** Heights of the perfect subtrees of the binary decomposition of `size`, largest first. */
export function decompose(size: number): number[] {
  checkSafe(size, 'size');
  const levels: number[] = [];
  let n = size;
  let level = 0;
  while (n > 0) {
    if (isOdd(n)) levels.push(level);
    n = half(n);
    level++;
  }
  return levels.reverse();
}

/**
 * The right edge of a tree: the roots of the perfect subtrees of the binary decomposition of its
 * size, largest first. Enough to append leaves and compute roots without reading the whole tree.
 */
export class CompactRange {
  #size: number;
  #hashes: Buffer[];

  private constructor(size: number, hashes: Buffer[]) {
    this.#size = size;
    this.#hashes = hashes;
  }

  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  static fromHashes(size: number, rightEdge: Uint8Array[]): CompactRange {
    checkSafe(size, 'size');
    const expected = decompose(size).length;
    if (rightEdge.length !== expected) {
      throw new TlogError('tlog.invalid_range', `size ${size} needs ${expected} right-edge hashes, got ${rightEdge.length}`);
    }
    for (const h of rightEdge) {
      if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) throw new TlogError('tlog.invalid_range', 'right-edge hashes must be 32 bytes');
    }
    return new CompactRange(
      size,
      rightEdge.map((h) => Buffer.from(h)),
    );
  }

  /** Reads the right edge of the tree of `size` leaves from `src`. */
  static async load(src: HashSource, size: number): Promise<CompactRange> {
    const levels = decompose(size);
    let start = 0;
    const coords: Array<[number, number]> = [];
    for (const level of levels) {
      const width = 2 ** level;
      coords.push([level, start / width]);
      start += width;
    }
    const hashes = await Promise.all(coords.map(([level, index]) => src.node(level, index)));
    return new CompactRange(size, hashes);
  }

  get size(): number {
    return this.#size;
  }

  /** Appends one leaf hash; returns the perfect-subtree hashes completed by it (level 1 and up, lowest first). */
  append(leaf: Uint8Array): Array<{ level: number; index: number; hash: Buffer }> {
    if (!(leaf instanceof Uint8Array) || leaf.length !== HASH_SIZE) throw new TlogError('tlog.invalid_range', 'leaf hash must be 32 bytes');
    if (this.#size >= Number.MAX_SAFE_INTEGER) throw new TlogError('tlog.invalid_range', 'tree is full');
    const completed: Array<{ level: number; index: number; hash: Buffer }> = [];
    let h: Buffer = Buffer.from(leaf);
    let s = this.#size;
    let level = 0;
    let index = this.#size;
    while (isOdd(s)) {
      h = nodeHash(this.#hashes.pop()!, h);
      s = half(s);
      level++;
      index = half(index);
      completed.push({ level, index, hash: h });
    }
    this.#hashes.push(h);
    this.#size++;
    return completed;
  }

  /** Root hash of the tree (EMPTY_ROOT when empty). */
  root(): Buffer {
    const hs = this.#hashes;
    if (hs.length === 0) return Buffer.from(EMPTY_ROOT);
    let r = hs[hs.length - 1]!;
    for (let i = hs.length - 2; i >= 0; i--) r = nodeHash(hs[i]!, r);
    return Buffer.from(r);
  }

  /** The perfect-subtree roots of the size's binary decomposition, largest first (copies). */
  hashes(): Buffer[] {
    return this.#hashes.map((h) => Buffer.from(h));
  }

  clone(): CompactRange {
    return new CompactRange(this.#size, this.hashes());
  }
}

/**
 * An in-memory HashSource over a list of leaf hashes (tests, small tools). Perfect subtrees are
 * computed once, level by level; asking for a subtree beyond the leaves throws `tlog.invalid_range`.
 */
export function memoryHashSource(leafHashes: Uint8Array[]): HashSource & { size: number } {
  const levels: Buffer[][] = [leafHashes.map((h) => Buffer.from(h))];
  for (;;) {
    const below = levels[levels.length - 1]!;
    if (below.length < 2) break;
    const above: Buffer[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) above.push(nodeHash(below[i]!, below[i + 1]!));
    levels.push(above);
  }
  return {
    size: leafHashes.length,
    async node(level: number, index: number): Promise<Buffer> {
      const h = levels[level]?.[index];
      if (!h) throw new TlogError('tlog.invalid_range', `no node at level ${level} index ${index}`);
      return h;
    },
  };
}
