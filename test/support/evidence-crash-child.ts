// Takes files into the evidence vault in a loop (the CLI's path: stream → hash → encrypt → blob →
// record) and prints "ack <item id> <sha256>" for each acknowledged item, until it is killed.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/lib/log.ts';
import { systemActor } from '../../src/modules/identity/index.ts';

const app = await createApp(loadConfig({ logLevel: 'silent' }), { log: createLogger('silent') });
const actor = systemActor('crash-test');
const reference = process.env.CRASH_CASE ?? 'CASO-CRASH';
process.stdout.write('ready\n');
for (let n = 0; ; n++) {
  // Sizes from a few bytes to a few MiB, streamed in 256 KiB pieces so a kill lands mid-file.
  const size = 1 + ((n * 7_919_113) % (3 * 1024 * 1024));
  const content = randomBytes(size);
  const pieces = Array.from({ length: Math.ceil(size / 262_144) }, (_, i) => content.subarray(i * 262_144, (i + 1) * 262_144));
  const item = await app.evidence.add(
    actor,
    'fiscalia',
    { caseReference: reference, exhibit: `EV-${process.pid}-${n}`, acquisition: { by: 'crash', at: '2026-11-24T10:00:00-05:00' } },
    Readable.from(pieces),
  );
  process.stdout.write(`ack ${item.id} ${createHash('sha256').update(content).digest('hex')}\n`);
}
