// Several digests of one stream of bytes, the first on the calling thread and each other one on a
// worker thread of its own. A BagIt package lists every file under SHA-256 and SHA-512, and SHA-512
// costs three to four times SHA-256 where the CPU accelerates only the latter (2.5 s against 0.7 s
// per GiB on the development machine): on one thread it alone set the pace of an export and of its
// verification (docs/benchmarks.md, issue #5).
//
// The bytes reach the workers in 1 MiB batches of shared memory, copied once, released when every
// worker has hashed them. Inputs shorter than LOCAL_BELOW never start a worker: their batches are
// hashed here at the end, which costs less than waking threads for them.
import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { DigestJob, DigestReply } from './digest-worker.ts';

const BATCH_BYTES = 1024 * 1024;
/** Inputs shorter than this are hashed on the calling thread alone. */
const LOCAL_BELOW = 8 * BATCH_BYTES;
/** Batches not yet hashed by every worker before `update` asks its caller to wait. */
const MAX_IN_FLIGHT = 8;
/** Idle workers and spare batches kept for the next digests. */
const MAX_IDLE_WORKERS = 4;
const MAX_SPARE_BATCHES = 8;

/** An idle worker, with the listeners that drop it from the idle ones if it dies meanwhile. */
interface Idle {
  worker: Worker;
  onExit: () => void;
  onError: () => void;
}
const idleWorkers: Idle[] = [];
const spareBatches: SharedArrayBuffer[] = [];

function takeBatch(): SharedArrayBuffer {
  return spareBatches.pop() ?? new SharedArrayBuffer(BATCH_BYTES);
}

function giveBatch(batch: SharedArrayBuffer): void {
  if (spareBatches.length < MAX_SPARE_BATCHES) spareBatches.push(batch);
}

interface Batch {
  id: number;
  buffer: SharedArrayBuffer;
  length: number;
  /** Workers that have not hashed it yet. */
  waiting: number;
}

/** A worker lent to one digest: its answers go to that digest until it is given back. */
interface Lane {
  worker: Worker;
  algorithm: string;
  onReply: (reply: DigestReply) => void;
  onFailure: (error: Error) => void;
  onExit: () => void;
}

export class ParallelDigests {
  readonly #algorithms: readonly string[];
  readonly #local: Hash;
  #lanes: Lane[] | undefined;
  /** Batches filled and not yet released, oldest first. */
  #batches: Batch[] = [];
  #current: Uint8Array | undefined;
  #fill = 0;
  #nextId = 1;
  #bytes = 0;
  #released: Array<() => void> = [];
  #digests = new Map<string, string>();
  #finishing: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  #failure: Error | undefined;
  #done = false;

  /** `algorithms` are node:crypto names; the first is computed on the calling thread. */
  constructor(algorithms: readonly string[]) {
    if (algorithms.length === 0) throw new Error('no digest algorithm');
    this.#algorithms = algorithms;
    this.#local = createHash(algorithms[0] as string);
    // Fail on an unknown name here, as createHash would, not later on a worker.
    for (const algorithm of algorithms.slice(1)) createHash(algorithm);
  }

  /**
   * Takes the next bytes (they may be reused as soon as this returns). Returns a promise only when
   * the workers are behind: await it before the next call.
   */
  update(data: Uint8Array): Promise<void> | undefined {
    if (this.#done) throw new Error('the digests are finished');
    if (this.#failure) return Promise.reject(this.#failure);
    this.#local.update(data);
    this.#bytes += data.length;
    if (this.#algorithms.length === 1) return undefined;
    let offset = 0;
    while (offset < data.length) {
      this.#current ??= new Uint8Array(takeBatch());
      const n = Math.min(BATCH_BYTES - this.#fill, data.length - offset);
      this.#current.set(data.subarray(offset, offset + n), this.#fill);
      this.#fill += n;
      offset += n;
      if (this.#fill === BATCH_BYTES) this.#push();
    }
    if (this.#batches.length < MAX_IN_FLIGHT || !this.#lanes) return undefined;
    return new Promise((resolve) => this.#released.push(resolve));
  }

  /** The hex digests, by algorithm; the instance is done with afterwards. */
  async digest(): Promise<Record<string, string>> {
    if (this.#done) throw new Error('the digests are finished');
    this.#done = true;
    if (this.#fill > 0) this.#push();
    const out: Record<string, string> = { [this.#algorithms[0] as string]: this.#local.digest('hex') };
    const extras = this.#algorithms.slice(1);
    if (!this.#lanes) {
      // A short input: every batch is still here.
      const hashes = extras.map((algorithm) => createHash(algorithm));
      for (const batch of this.#batches.splice(0)) {
        for (const hash of hashes) hash.update(new Uint8Array(batch.buffer, 0, batch.length));
        giveBatch(batch.buffer);
      }
      extras.forEach((algorithm, i) => {
        out[algorithm] = (hashes[i] as Hash).digest('hex');
      });
      return out;
    }
    const lanes = this.#lanes;
    try {
      await new Promise<void>((resolve, reject) => {
        if (this.#failure) return reject(this.#failure);
        this.#finishing.push({ resolve, reject });
        for (const lane of lanes) lane.worker.postMessage({ type: 'finish' } satisfies DigestJob);
      });
    } catch (error) {
      this.abort();
      throw error;
    }
    for (const lane of lanes) giveBack(lane);
    this.#lanes = undefined;
    for (const algorithm of extras) out[algorithm] = this.#digests.get(algorithm) as string;
    return out;
  }

  /** Stops without a result (the input failed): the workers are stopped, not reused. */
  abort(): void {
    this.#done = true;
    const lanes = this.#lanes ?? [];
    this.#lanes = undefined;
    for (const lane of lanes) {
      lane.worker.off('message', lane.onReply).off('exit', lane.onExit);
      void lane.worker.terminate();
    }
    // Batches still shared with a stopped worker are not reused.
    if (lanes.length === 0) for (const batch of this.#batches) giveBatch(batch.buffer);
    this.#batches = [];
    for (const wake of this.#released.splice(0)) wake();
  }

  /** Bytes taken so far. */
  get bytes(): number {
    return this.#bytes;
  }

  #push(): void {
    const batch: Batch = { id: this.#nextId++, buffer: (this.#current as Uint8Array).buffer as SharedArrayBuffer, length: this.#fill, waiting: 0 };
    this.#current = undefined;
    this.#fill = 0;
    this.#batches.push(batch);
    if (this.#lanes) this.#send(batch);
    else if (this.#batches.length * BATCH_BYTES >= LOCAL_BELOW && !this.#done) {
      this.#lanes = this.#algorithms.slice(1).map((algorithm) => this.#lend(algorithm));
      for (const held of this.#batches) this.#send(held);
    }
  }

  #send(batch: Batch): void {
    const lanes = this.#lanes as Lane[];
    batch.waiting = lanes.length;
    for (const lane of lanes) lane.worker.postMessage({ type: 'update', id: batch.id, batch: batch.buffer, length: batch.length } satisfies DigestJob);
  }

  #lend(algorithm: string): Lane {
    const idle = idleWorkers.pop();
    // Only our own listeners go: the worker's own (which ref its port while 'message' has one) stay.
    idle?.worker.off('exit', idle.onExit).off('error', idle.onError);
    const worker = idle?.worker ?? new Worker(new URL('./digest-worker.ts', import.meta.url));
    worker.ref();
    const lane: Lane = {
      worker,
      algorithm,
      onReply: (reply) => this.#reply(lane, reply),
      onFailure: (error) => this.#fail(error),
      onExit: () => this.#fail(new Error('a digest worker exited')),
    };
    worker.on('message', lane.onReply);
    worker.on('error', lane.onFailure);
    worker.on('exit', lane.onExit);
    worker.postMessage({ type: 'start', algorithm } satisfies DigestJob);
    return lane;
  }

  #reply(lane: Lane, reply: DigestReply): void {
    if (reply.type === 'done') {
      const index = this.#batches.findIndex((b) => b.id === reply.id);
      const batch = this.#batches[index];
      if (!batch) return;
      batch.waiting--;
      // Batches are hashed in order by every worker, so the released one is the oldest.
      while (this.#batches[0] && this.#batches[0].waiting === 0) {
        giveBatch((this.#batches.shift() as Batch).buffer);
        this.#released.shift()?.();
      }
      return;
    }
    if (reply.type === 'error') {
      this.#fail(new Error(`${lane.algorithm}: ${reply.message}`));
      return;
    }
    this.#digests.set(lane.algorithm, reply.hex);
    if (this.#digests.size === this.#algorithms.length - 1) for (const f of this.#finishing.splice(0)) f.resolve();
  }

  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    for (const f of this.#finishing.splice(0)) f.reject(error);
    for (const wake of this.#released.splice(0)) wake();
  }
}

/** A worker whose digest is finished goes back to the idle ones (or is stopped if enough are idle). */
function giveBack(lane: Lane): void {
  const worker = lane.worker.off('message', lane.onReply).off('error', lane.onFailure).off('exit', lane.onExit);
  if (idleWorkers.length >= MAX_IDLE_WORKERS) {
    void worker.terminate();
    return;
  }
  // An idle worker must not keep the process alive; one that fails while idle is dropped.
  const idle: Idle = {
    worker,
    onExit: () => {
      const i = idleWorkers.indexOf(idle);
      if (i !== -1) idleWorkers.splice(i, 1);
    },
    onError: () => {},
  };
  worker.on('exit', idle.onExit).on('error', idle.onError);
  worker.unref();
  idleWorkers.push(idle);
}
