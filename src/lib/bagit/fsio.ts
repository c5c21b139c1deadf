// Durable file-system steps shared by the writer: fsync of files and directories, atomic replace.
import { open, rename } from 'node:fs/promises';

/** Codes some platforms (Windows, some network file systems) give when a directory cannot be fsynced. */
const DIR_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'ENOTSUP', 'EACCES']);

/** Makes a directory's entries (created, renamed files) durable; a no-op where the platform cannot. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    if (!DIR_SYNC_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    await handle?.close();
  }
}

/** Writes `data` to `tmp` (which must not exist), fsyncs it and renames it onto `target`. */
export async function writeFileDurably(tmp: string, target: string, data: Uint8Array): Promise<void> {
  const handle = await open(tmp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, target);
}
