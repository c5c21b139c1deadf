// A worker thread of the sealing pool (sealing-pool.ts): seals blocks of STREAM chunks in place, so
// that a payload's encryption runs on other cores than the thread hashing the plaintext.
import { parentPort } from 'node:worker_threads';
import { AppError, type ErrorCode } from '../errors.ts';
import { paceCollections, streamed } from '../memory.ts';
import { openBlockInPlace, sealBlockInPlace } from './stream.ts';

export interface SealJob {
  id: number;
  /** Seal plaintext (the default), or open ciphertext in place. */
  op?: 'seal' | 'open';
  key: Uint8Array;
  firstCounter: number;
  final: boolean;
  /**
   * To seal: plaintext in its first `length` bytes, room for the tags after. To open: `length` bytes
   * of sealed chunks. Transferred here and back.
   */
  block: ArrayBuffer;
  length: number;
}

export type SealResult =
  | { id: number; block: ArrayBuffer; sealed: number }
  | { id: number; block: ArrayBuffer; error: string; code?: ErrorCode; details?: Record<string, unknown> };

const port = parentPort;
if (port === null) throw new Error('seal-worker.ts runs as a worker thread');
// A worker's collections pause only itself.
paceCollections();

port.on('message', (job: SealJob) => {
  let result: SealResult;
  try {
    const block = new Uint8Array(job.block);
    const done =
      job.op === 'open'
        ? openBlockInPlace(job.key, job.firstCounter, job.final, block, job.length)
        : sealBlockInPlace(job.key, job.firstCounter, job.final, block, job.length);
    result = { id: job.id, block: job.block, sealed: done };
  } catch (error) {
    // A stable error code (a chunk that does not authenticate) crosses back to the caller as such.
    result =
      error instanceof AppError
        ? {
            id: job.id,
            block: job.block,
            error: error.message,
            code: error.code,
            ...(error.details ? { details: error.details as Record<string, unknown> } : {}),
          }
        : { id: job.id, block: job.block, error: (error as Error).message };
  }
  port.postMessage(result, [job.block]);
  // node:crypto returns every chunk's ciphertext in a new buffer: collect them as they go.
  streamed(job.length);
});
