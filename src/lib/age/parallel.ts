// age encryption with the payload sealed on the sealing pool's worker threads: the same format as
// encryptStream (a binary age file, 64 KiB STREAM chunks), produced in order.
import { Transform, type TransformCallback } from 'node:stream';
import { beginFile } from './age.ts';
import { BLOCK_BYTES, type SealingPool, sealingPool } from './sealing-pool.ts';
import { ByteQueue, chunksOf } from './stream.ts';

/** Blocks sealed or waiting per worker: enough to keep every worker busy, little enough to stay flat. */
const IN_FLIGHT_PER_WORKER = 3;

/**
 * A new age file whose payload is sealed a block at a time on the pool and handed back in order.
 * Write `prefix` first (header and payload nonce), then each block `next()` gives.
 */
export class PayloadSealer {
  readonly prefix: Buffer[];
  readonly pool: SealingPool;
  /** Blocks to keep in flight before waiting for the oldest. */
  readonly maxInFlight: number;
  readonly #key: Buffer;
  readonly #sealing: Array<Promise<Buffer>> = [];
  /** Sealed blocks handed out and not released yet. */
  readonly #out = new Set<ArrayBufferLike>();
  #counter = 0;

  constructor(recipients: readonly string[], pool: SealingPool = sealingPool()) {
    const file = beginFile(recipients);
    this.prefix = file.prefix;
    this.#key = file.payloadKey;
    this.pool = pool;
    this.maxInFlight = pool.size * IN_FLIGHT_PER_WORKER;
  }

  get inFlight(): number {
    return this.#sealing.length;
  }

  /**
   * Seals the first `length` bytes of `block` (from `pool.block()`; it is handed over) as the next
   * chunks: whole chunks only, unless it is the `final` block.
   */
  seal(block: ArrayBuffer, length: number, final: boolean): void {
    const sealed = this.pool.seal(this.#key, this.#counter, final, block, length);
    // Awaited in order by next(); observed now so that a failure is never an unhandled rejection.
    sealed.catch(() => undefined);
    this.#sealing.push(sealed);
    this.#counter += chunksOf(length, final);
  }

  /** The oldest block given to `seal`, sealed. */
  async next(): Promise<Buffer> {
    const sealed = await (this.#sealing.shift() as Promise<Buffer>);
    this.#out.add(sealed.buffer);
    return sealed;
  }

  /**
   * The consumer is done with a sealed block: it reads it no more and keeps no view of it. Its
   * memory serves a later block. Blocks not released are simply collected.
   */
  release(chunk: Uint8Array): void {
    if (this.#out.delete(chunk.buffer)) this.pool.recycle(chunk.buffer as ArrayBuffer);
  }
}

export class ParallelEncryptor extends Transform {
  readonly #sealer: PayloadSealer;
  #prefix: Buffer[];
  readonly #pending = new ByteQueue();

  constructor(recipients: readonly string[], pool: SealingPool) {
    // A few blocks on either side, so the stages around keep going while blocks are sealed.
    super({ highWaterMark: 4 * BLOCK_BYTES });
    this.#sealer = new PayloadSealer(recipients, pool);
    this.#prefix = this.#sealer.prefix;
  }

  /** See PayloadSealer.release. */
  release(chunk: Uint8Array): void {
    this.#sealer.release(chunk);
  }

  #dispatch(length: number, final: boolean): void {
    const block = this.#sealer.pool.block();
    this.#pending.takeInto(length, new Uint8Array(block, 0, length));
    this.#sealer.seal(block, length, final);
  }

  async #emit(keep: number): Promise<void> {
    for (const part of this.#prefix.splice(0)) this.push(part);
    while (this.#sealer.inFlight > keep) this.push(await this.#sealer.next());
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#pending.push(chunk);
    // Keep at least one byte back: only the final chunk may be flagged last, and it may be full.
    while (this.#pending.length > BLOCK_BYTES) this.#dispatch(BLOCK_BYTES, false);
    const max = this.#sealer.maxInFlight;
    if (this.#sealer.inFlight < max) callback();
    else this.#emit(max - 1).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.#dispatch(this.#pending.length, true);
    this.#emit(0).then(() => callback(), callback);
  }
}

/**
 * A Transform: plaintext in, binary age file out, the encryption done by `pool`'s workers while
 * this thread is free for whatever else reads the plaintext (hashing it, for the vault).
 */
export function encryptStreamParallel(recipients: readonly string[], pool: SealingPool = sealingPool()): ParallelEncryptor {
  return new ParallelEncryptor(recipients, pool);
}
