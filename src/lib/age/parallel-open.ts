// Decryption of a binary age file on the sealing pool's worker threads: the counterpart of
// parallel.ts. The vault opens every stored item to re-hash it (fixity) or to export it; on one
// thread the ChaCha20-Poly1305 alone took longer than the SHA-256 that follows it. Here the caller's
// thread only moves blocks of 16 sealed chunks to the workers and takes the plaintext back, in order.
//
// The last block is known only once the source has ended: a full block is sent as not final only
// when at least one byte follows it, as StreamDecryptor does chunk by chunk.
import { openFileKey } from './age.ts';
import { findHeaderEnd, headerError, MAX_HEADER_BYTES } from './format.ts';
import { BLOCK_BYTES, type SealingPool, sealingPool } from './sealing-pool.ts';
import { CHUNK_SIZE, ENCRYPTED_CHUNK_SIZE, PAYLOAD_NONCE_SIZE } from './stream.ts';

const BLOCK_CHUNKS = BLOCK_BYTES / CHUNK_SIZE;
const BLOCK_SEALED = BLOCK_CHUNKS * ENCRYPTED_CHUNK_SIZE;
/** Blocks being opened per worker while the source keeps coming. */
const IN_FLIGHT_PER_WORKER = 3;

/** Reads the header and payload nonce; returns the payload key and the bytes after the nonce. */
async function readPrefix(iterator: AsyncIterator<Uint8Array>, identities: readonly string[]): Promise<{ key: Buffer; rest: Uint8Array }> {
  let head = Buffer.alloc(0);
  const scan = { lineStart: 0 };
  let end = -1;
  for (;;) {
    if (end !== -1 && head.length >= end + PAYLOAD_NONCE_SIZE) {
      const key = openFileKey(head.subarray(0, end), head.subarray(end, end + PAYLOAD_NONCE_SIZE), identities);
      return { key, rest: head.subarray(end + PAYLOAD_NONCE_SIZE) };
    }
    const next = await iterator.next();
    if (next.done) {
      if (end !== -1) throw headerError('payload nonce is missing or short');
      throw headerError(head.length === 0 ? 'empty file' : 'header is incomplete');
    }
    head = head.length === 0 ? Buffer.from(next.value) : Buffer.concat([head, next.value]);
    if (end === -1) {
      // It throws once the bytes seen cannot start a header, or make one larger than the limit.
      end = findHeaderEnd(head, Math.min(head.length, MAX_HEADER_BYTES + 1), scan);
    }
  }
}

/**
 * The plaintext of a binary age file read from `source`, opened with one of `identities`. Each
 * buffer yielded is lent: its memory is reused once the generator is resumed, so a consumer that
 * keeps bytes must copy them (hashing them or awaiting their write before the next step is fine).
 * Throws the `age.*` errors Decryptor throws for the same file.
 */
export async function* openParallel(
  source: AsyncIterable<Uint8Array>,
  identities: readonly string[],
  pool: SealingPool = sealingPool(),
): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  const inFlight: Array<Promise<Buffer>> = [];
  const maxInFlight = pool.size * IN_FLIGHT_PER_WORKER;
  try {
    const { key, rest } = await readPrefix(iterator, identities);
    let counter = 0;
    let block = new Uint8Array(pool.block());
    let fill = 0;
    const dispatch = (final: boolean) => {
      const opened = pool.open(key, counter, final, block.buffer as ArrayBuffer, fill);
      // Awaited in order below; observed now so that a failure is never an unhandled rejection.
      opened.catch(() => undefined);
      inFlight.push(opened);
      counter += BLOCK_CHUNKS;
      block = new Uint8Array(pool.block());
      fill = 0;
    };
    let piece: Uint8Array = rest;
    for (;;) {
      while (piece.length > 0) {
        // More bytes follow this full block, so it is not the last one.
        if (fill === BLOCK_SEALED) {
          dispatch(false);
          while (inFlight.length >= maxInFlight) {
            const plaintext = await (inFlight.shift() as Promise<Buffer>);
            yield plaintext;
            pool.recycle(plaintext.buffer as ArrayBuffer);
          }
        }
        const n = Math.min(BLOCK_SEALED - fill, piece.length);
        block.set(piece.subarray(0, n), fill);
        fill += n;
        piece = piece.subarray(n);
      }
      const next = await iterator.next();
      if (next.done) break;
      piece = next.value;
    }
    dispatch(true);
    while (inFlight.length > 0) {
      const plaintext = await (inFlight.shift() as Promise<Buffer>);
      yield plaintext;
      pool.recycle(plaintext.buffer as ArrayBuffer);
    }
  } finally {
    // Stopped early (a failure, or the consumer left): the source is closed; blocks still being
    // opened are left to the collector.
    inFlight.length = 0;
    await iterator.return?.();
  }
}
