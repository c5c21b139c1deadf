// The plaintext digests of open uploads, kept as their bytes arrive, so that a complete upload is
// not decrypted again just to be hashed. A digest counts only up to the upload's last commit, like
// the staged bytes themselves; after a restart it is gone (memory only) and the vault hashes the
// staged file instead.
import { type DigestSet, Digests, type ExtraDigests } from '../ingest.ts';

export class RunningDigests {
  readonly #committed = new Map<string, { offset: number; digests: Digests }>();

  /**
   * The digests to feed with a PATCH that starts at `offset`: a fresh set at 0, the committed state
   * when it stands at `offset`, or `undefined` when this upload's earlier bytes were not hashed here.
   */
  begin(uploadId: string, offset: number, extra: ExtraDigests): Digests | undefined {
    if (offset === 0) return new Digests(extra);
    const committed = this.#committed.get(uploadId);
    return committed?.offset === offset ? committed.digests.copy() : undefined;
  }

  /** The upload committed up to `offset`, every byte of which went through `working`. */
  commit(uploadId: string, offset: number, working: Digests): void {
    this.#committed.set(uploadId, { offset, digests: working.copy() });
  }

  /** The digests of a complete upload of `length` bytes, if every one of its bytes was hashed here. */
  complete(uploadId: string, length: number): DigestSet | undefined {
    const committed = this.#committed.get(uploadId);
    return committed?.offset === length ? committed.digests.copy().finish() : undefined;
  }

  forget(uploadId: string): void {
    this.#committed.delete(uploadId);
  }
}
