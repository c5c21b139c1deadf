// A worker thread of parallel-digests.ts: keeps one running digest of the bytes it is shown, batch by
// batch, from shared memory the calling thread fills. One digest at a time; the thread is reused.
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

export type DigestJob = { type: 'start'; algorithm: string } | { type: 'update'; id: number; batch: SharedArrayBuffer; length: number } | { type: 'finish' };

export type DigestReply = { type: 'done'; id: number } | { type: 'digest'; hex: string } | { type: 'error'; message: string };

const port = parentPort;
if (port === null) throw new Error('digest-worker.ts runs as a worker thread');

let hash: Hash | undefined;
let failure: string | undefined;

port.on('message', (job: DigestJob) => {
  if (job.type === 'start') {
    failure = undefined;
    try {
      hash = createHash(job.algorithm);
    } catch (error) {
      hash = undefined;
      failure = (error as Error).message;
    }
    return;
  }
  if (job.type === 'update') {
    // The batch goes back to the caller's pool on this answer, whatever became of the digest.
    if (hash && failure === undefined) {
      try {
        hash.update(new Uint8Array(job.batch, 0, job.length));
      } catch (error) {
        failure = (error as Error).message;
      }
    }
    port.postMessage({ type: 'done', id: job.id } satisfies DigestReply);
    return;
  }
  const reply: DigestReply =
    failure !== undefined || !hash ? { type: 'error', message: failure ?? 'no digest was started' } : { type: 'digest', hex: hash.digest('hex') };
  hash = undefined;
  port.postMessage(reply);
});
