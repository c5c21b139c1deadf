// Worker threads that seal age STREAM chunks. Chunks are independent (each has its own nonce), so
// a payload's encryption spreads over the machine's cores while the calling thread only hashes and
// moves bytes: on a two-core node intake hashes on one core and encrypts on the other instead of
// doing both on one (docs/benchmarks.md, issue #5).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AppError } from '../errors.ts';
import type { SealJob, SealResult } from './seal-worker.ts';
import { CHUNK_SIZE, sealedLength } from './stream.ts';

/** More workers than this only contend with the thread feeding them. */
const MAX_WORKERS = 4;
/** Plaintext per job: 16 chunks, so a message's cost is spread over 1 MiB. */
export const BLOCK_BYTES = 16 * CHUNK_SIZE;
const BLOCK_CAPACITY = sealedLength(BLOCK_BYTES, true);
/** Blocks given back and kept for reuse (fresh pages cost more than the sealing on some VMs). */
const MAX_SPARE = 16;

interface Lane {
  worker: Worker;
  /** Jobs sent and not answered: the worker keeps the process alive only while there are some. */
  pending: Map<number, { resolve: (sealed: Buffer) => void; reject: (error: Error) => void }>;
}

export class SealingPool {
  readonly size: number;
  #lanes: Lane[] = [];
  #nextId = 1;
  #spare: ArrayBuffer[] = [];

  constructor(size = Math.max(1, Math.min(MAX_WORKERS, availableParallelism()))) {
    this.size = size;
  }

  #lane(): Lane {
    if (this.#lanes.length < this.size) return this.#spawn();
    return this.#lanes.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  #spawn(): Lane {
    const worker = new Worker(new URL('./seal-worker.ts', import.meta.url));
    worker.unref();
    const lane: Lane = { worker, pending: new Map() };
    worker.on('message', (result: SealResult) => {
      const job = lane.pending.get(result.id);
      lane.pending.delete(result.id);
      if (lane.pending.size === 0) worker.unref();
      if (!job) return;
      if ('error' in result) {
        this.recycle(result.block);
        job.reject(
          result.code ? new AppError(result.code, { message: result.error, ...(result.details ? { details: result.details } : {}) }) : new Error(result.error),
        );
      } else job.resolve(Buffer.from(result.block, 0, result.sealed));
    });
    const fail = (error: Error) => this.#fail(lane, error);
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`a sealing worker exited (${code})`)));
    this.#lanes.push(lane);
    return lane;
  }

  /** Drops a lane and fails the jobs it had: the next job starts a new worker. */
  #fail(lane: Lane, error: Error): void {
    this.#lanes = this.#lanes.filter((l) => l !== lane);
    for (const job of lane.pending.values()) job.reject(error);
    lane.pending.clear();
  }

  /** A block to fill with up to BLOCK_BYTES of plaintext. */
  block(): ArrayBuffer {
    return this.#spare.pop() ?? new ArrayBuffer(BLOCK_CAPACITY);
  }

  /** Takes back a block nothing reads or refers to any more. */
  recycle(block: ArrayBuffer): void {
    if (block.byteLength === BLOCK_CAPACITY && !block.detached && this.#spare.length < MAX_SPARE) this.#spare.push(block);
  }

  /**
   * Seals the first `length` bytes of `block` (from `block()`; it is handed over and must not be
   * touched again) as consecutive chunks from `firstCounter`. Resolves with the sealed bytes, a
   * view of the same block.
   */
  seal(key: Uint8Array, firstCounter: number, final: boolean, block: ArrayBuffer, length: number): Promise<Buffer> {
    return this.#run({ id: 0, key, firstCounter, final, block, length });
  }

  /**
   * Opens `length` bytes of sealed chunks at the start of `block` (from `block()`, handed over) in
   * place, the first chunk numbered `firstCounter`. Resolves with the plaintext, a view of the same
   * block; rejects with `age.payload_invalid` when a chunk does not authenticate.
   */
  open(key: Uint8Array, firstCounter: number, final: boolean, block: ArrayBuffer, length: number): Promise<Buffer> {
    return this.#run({ id: 0, op: 'open', key, firstCounter, final, block, length });
  }

  #run(job: SealJob): Promise<Buffer> {
    const lane = this.#lane();
    const id = this.#nextId++;
    job.id = id;
    const block = job.block;
    return new Promise<Buffer>((resolve, reject) => {
      if (lane.pending.size === 0) lane.worker.ref();
      lane.pending.set(id, { resolve, reject });
      lane.worker.postMessage(job, [block]);
    });
  }

  async close(): Promise<void> {
    const lanes = this.#lanes;
    for (const lane of lanes) this.#fail(lane, new Error('the sealing pool was closed'));
    await Promise.all(lanes.map((l) => l.worker.terminate()));
  }
}

let shared: SealingPool | undefined;

/** The process's pool, started on first use; its idle workers never keep the process alive. */
export function sealingPool(): SealingPool {
  shared ??= new SealingPool();
  return shared;
}
