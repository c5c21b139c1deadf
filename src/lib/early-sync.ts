import type { FileHandle } from 'node:fs/promises';

/**
 * Starts a datasync in the background every `everyBytes` written to a file, so the disk writes
 * back while more bytes are still being produced and the fsync that makes the file durable has
 * little left to do. Without it the kernel holds everything in its page cache until that fsync
 * (or until a tenth of memory is dirty), and the disk then works alone at the end.
 */
export class EarlySync {
  readonly #fh: FileHandle;
  readonly #every: number;
  #unsynced = 0;
  #syncing: Promise<void> | undefined;

  constructor(fh: FileHandle, everyBytes: number) {
    this.#fh = fh;
    this.#every = everyBytes;
  }

  /** Some bytes were written to the file (the write has completed). */
  wrote(bytes: number): void {
    this.#unsynced += bytes;
    if (this.#unsynced < this.#every || this.#syncing !== undefined) return;
    this.#unsynced = 0;
    // Only a head start for the caller's own fsync: its outcome does not matter.
    const done = () => {
      this.#syncing = undefined;
    };
    this.#syncing = this.#fh.datasync().then(done, done);
  }

  /** Waits for a background sync under way (before the file is synced for good, or closed). */
  async settled(): Promise<void> {
    await this.#syncing;
  }
}
