// A bare HTTP server in its own process, the peer of the tus upload: what a Node server on these
// cores does with a request body of the same file and nothing of the vault's work. Modes:
// - `hash`: SHA-256 of the body, nothing kept (the one pass no intake can skip, without
//   encryption or disk);
// - `durable`: the body written to a file as it arrives, then fsynced before the answer (the disk's
//   share, without hashing or encryption).
// Prints the port it listens on (127.0.0.1), then answers every request with 200 once done.
// Usage: node bench/support/http-sink.ts <hash|durable> [<file for durable>]
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer } from 'node:http';
import { pipeline } from 'node:stream/promises';

const [mode, target] = process.argv.slice(2) as ['hash' | 'durable', string | undefined];
if (mode !== 'hash' && !(mode === 'durable' && target)) {
  process.stderr.write('usage: http-sink.ts <hash|durable> [<file>]\n');
  process.exit(2);
}

const server = createServer(async (req, res) => {
  try {
    if (mode === 'hash') {
      const hash = createHash('sha256');
      for await (const piece of req) hash.update(piece as Buffer);
      res.end(hash.digest('hex'));
      return;
    }
    await pipeline(req, createWriteStream(target as string, { highWaterMark: 4 * 1024 * 1024 }));
    const fh = await open(target as string, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    res.end('stored');
  } catch (error) {
    res.statusCode = 500;
    res.end(String(error));
  }
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
