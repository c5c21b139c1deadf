// The two ways a vault blob (an age file to the vault's recipients) enters a package: decrypted to
// plaintext, or re-wrapped to the recipient with its payload untouched. Both stream chunk by chunk,
// so memory stays flat whatever the size, and both end the returned stream with the first error
// anywhere upstream (a bad blob, a wrong key) so the bag writer discards the file.
import { createHash } from 'node:crypto';
import { pipeline, type Readable } from 'node:stream';
import { rewrapStream } from '../../../lib/age/age.ts';
import { openParallel } from '../../../lib/age/parallel-open.ts';
import { plaintextTap } from '../../../lib/age/plaintext-tap.ts';

// pipeline() destroys every stage with the error, so whoever reads the last stage hears of it;
// the callback has nothing left to do.
const settled = () => {};

/**
 * The plaintext of `stored`, decrypted on the sealing pool's workers. Each piece is lent until the
 * next is asked for (lib/age/parallel-open.ts): the bag writer hashes and writes it first.
 */
export function plaintextOf(stored: Readable, identities: readonly string[]): AsyncIterable<Uint8Array> {
  return openParallel(stored, identities);
}

export interface PlaintextTally {
  /** SHA-256 of the plaintext, hex; valid once the stream has ended. */
  sha256(): string;
  bytes(): number;
}

/**
 * `stored` re-wrapped to `recipient` (rewrapStream: a new header for the same file key, every byte
 * after the header passed through). The ciphertext is also decrypted on the side, only to hash the
 * plaintext, so an export is never made of a blob that no longer matches its recorded SHA-256.
 */
export function rewrappedOf(stored: Readable, identities: readonly string[], recipient: string): { stream: Readable; plaintext: PlaintextTally } {
  const hash = createHash('sha256');
  let bytes = 0;
  let digest: string | undefined;
  const tap = plaintextTap(identities, {
    plaintext(parts) {
      for (const part of parts) {
        hash.update(part);
        bytes += part.length;
      }
    },
    end() {
      digest = hash.digest('hex');
    },
  });
  const stream = pipeline(stored, tap, rewrapStream(identities, [recipient]), settled);
  return {
    stream,
    plaintext: {
      sha256: () => {
        if (digest === undefined) throw new Error('the plaintext hash is only known once the stream has ended');
        return digest;
      },
      bytes: () => bytes,
    },
  };
}
