import { Transform } from 'node:stream';
import { Decryptor } from './age.ts';

/**
 * A pass-through for a binary age file that decrypts it on the side: the ciphertext flows on
 * unchanged, and the plaintext of each chunk goes to `plaintext` (to hash or count it) as it is
 * authenticated. `end` runs once the whole file has been; a throw from either hook, or a file that
 * fails to authenticate, fails the stream.
 */
export function plaintextTap(identities: readonly string[], hooks: { plaintext(parts: Buffer[]): void; end?(): void }): Transform {
  const decryptor = new Decryptor(identities, { armor: false });
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        hooks.plaintext(decryptor.update(chunk));
        done(null, chunk);
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done) {
      try {
        hooks.plaintext(decryptor.final());
        hooks.end?.();
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
}
