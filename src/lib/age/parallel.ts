// age encryption of a stream with the payload sealed on the sealing pool's worker threads: the same
// format as encryptStream (a binary age file, 64 KiB STREAM chunks), produced in order.
import { Transform, type TransformCallback } from 'node:stream';
import { beginFile } from './age.ts';
import { BLOCK_BYTES, type SealingPool, sealingPool } from './sealing-pool.ts';
import { ByteQueue, CHUNK_SIZE } from './stream.ts';

/** Blocks sealed or waiting per worker: enough to keep every worker busy, little enough to stay flat. */
const IN_FLIGHT_PER_WORKER = 3;

export class ParallelEncryptor extends Transform {
  readonly #pool: SealingPool;
  readonly #key: Buffer;
  #prefix: Buffer[] = [];
  readonly #pending = new ByteQueue();
  readonly #sealing: Array<Promise<Buffer>> = [];
  readonly #maxInFlight: number;
  /** Blocks pushed downstream and not released yet. */
  readonly #out = new Set<ArrayBufferLike>();
  #counter = 0;

  constructor(recipients: readonly string[], pool: SealingPool) {
    // A few blocks on either side, so the stages around keep going while blocks are sealed.
    super({ highWaterMark: 4 * BLOCK_BYTES });
    const file = beginFile(recipients);
    this.#pool = pool;
    this.#key = file.payloadKey;
    this.#prefix = file.prefix;
    this.#maxInFlight = pool.size * IN_FLIGHT_PER_WORKER;
  }

  /**
   * The consumer is done with a chunk this stream produced: it reads it no more and keeps no view
   * of it. Its memory serves a later block. Chunks not released are simply collected.
   */
  release(chunk: Uint8Array): void {
    if (this.#out.delete(chunk.buffer)) this.#pool.recycle(chunk.buffer as ArrayBuffer);
  }

  #dispatch(length: number, final: boolean): void {
    const block = this.#pool.block();
    this.#pending.takeInto(length, new Uint8Array(block, 0, length));
    const sealed = this.#pool.seal(this.#key, this.#counter, final, block, length);
    // Awaited in order below; observed now so that a failure is never an unhandled rejection.
    sealed.catch(() => undefined);
    this.#sealing.push(sealed);
    this.#counter += length / CHUNK_SIZE;
  }

  async #emit(keep: number): Promise<void> {
    for (const part of this.#prefix.splice(0)) this.push(part);
    while (this.#sealing.length > keep) {
      const sealed = await (this.#sealing.shift() as Promise<Buffer>);
      this.#out.add(sealed.buffer);
      this.push(sealed);
    }
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#pending.push(chunk);
    // Keep at least one byte back: only the final chunk may be flagged last, and it may be full.
    while (this.#pending.length > BLOCK_BYTES) this.#dispatch(BLOCK_BYTES, false);
    if (this.#sealing.length < this.#maxInFlight) callback();
    else this.#emit(this.#maxInFlight - 1).then(() => callback(), callback);
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
