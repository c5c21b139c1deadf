import type { FileHandle } from 'node:fs/promises';

/**
 * Writes all of `data` at `position`, however many write(2) calls it takes. A write that takes
 * nothing means the disk is full: it fails with ENOSPC rather than trying forever.
 */
export async function writeAt(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await fh.write(data, written, data.length - written, position + written);
    if (bytesWritten === 0) throw Object.assign(new Error('no space left on the disk'), { code: 'ENOSPC' });
    written += bytesWritten;
  }
}
