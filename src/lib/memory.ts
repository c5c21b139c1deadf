import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// Streaming evidence allocates a new buffer per chunk (node:crypto's update() always returns one),
// and V8 only collects them when its young generation fills or 64 MiB of such external memory has
// piled up. A scavenge every few MiB streamed keeps the CLI's peak memory flat whatever the file's
// size (issue #5: < 256 MiB at 1 and 4 GiB; bench/evidence.ts).
// The flag is process-wide and this module also loads in worker threads (the sealing pool) at the
// same moment: it is set and never unset, since one thread turning it off could leave another's
// new context without `gc`. Where it is still missing, pacing is skipped rather than failing.
setFlagsFromString('--expose-gc');
type Collect = (options?: { type: 'minor' | 'major'; execution?: 'sync' }) => void;
const gc = runInNewContext('typeof gc === "function" ? gc : () => {}') as Collect;

const MINOR_EVERY = 4 * 1024 * 1024;
// Buffers still in flight at a scavenge are promoted to the old generation and wait for a full one.
// Intake's blocks are reused (sealing-pool.ts), so little is promoted: a full collection of the
// CLI's heap costs about 50 ms, and one every 64 MiB took a fifth of the time of a 1 GiB intake.
const MAJOR_EVERY = 256 * 1024 * 1024;
let since = 0;
let sinceMajor = 0;
// Full collections are forced only where a thread asks for them: the CLI and the sealing workers
// do. A serving node does not, because a forced full collection there stalls every request it is
// handling for tens of milliseconds; it still gets the scavenges, which take about a millisecond.
let fullCollections = false;

/** Lets this thread's `streamed` calls force a full collection every 256 MiB too. */
export function paceCollections(): void {
  fullCollections = true;
}

/** Called with the bytes just streamed: a scavenge every 4 MiB, a full collection every 256 MiB where allowed. */
export function streamed(bytes: number): void {
  since += bytes;
  if (fullCollections) sinceMajor += bytes;
  if (fullCollections && sinceMajor >= MAJOR_EVERY) {
    since = 0;
    sinceMajor = 0;
    gc({ type: 'major' });
  } else if (since >= MINOR_EVERY) {
    since = 0;
    gc({ type: 'minor' });
  }
}
