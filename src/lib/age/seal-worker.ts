// A worker thread of the sealing pool (sealing-pool.ts): seals blocks of STREAM chunks in place, so
// that a payload's encryption runs on other cores than the thread hashing the plaintext.
import { parentPort } from 'node:worker_threads';
import { streamed } from '../memory.ts';
import { sealBlockInPlace } from './stream.ts';

export interface SealJob {
  id: number;
  key: Uint8Array;
  firstCounter: number;
  final: boolean;
  /** Plaintext in its first `length` bytes, room for the tags after: transferred here and back. */
  block: ArrayBuffer;
  length: number;
}

export type SealResult = { id: number; block: ArrayBuffer; sealed: number } | { id: number; block: ArrayBuffer; error: string };

const port = parentPort;
if (port === null) throw new Error('seal-worker.ts runs as a worker thread');

port.on('message', (job: SealJob) => {
  let result: SealResult;
  try {
    result = { id: job.id, block: job.block, sealed: sealBlockInPlace(job.key, job.firstCounter, job.final, new Uint8Array(job.block), job.length) };
  } catch (error) {
    result = { id: job.id, block: job.block, error: (error as Error).message };
  }
  port.postMessage(result, [job.block]);
  // node:crypto returns every chunk's ciphertext in a new buffer: collect them as they go.
  streamed(job.length);
});
