// Appends to the ledger in a loop and prints "ack <index> <leaf hash hex>" for every append that
// has been acknowledged, until it is killed. Used by the crash test.
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/lib/log.ts';

const app = await createApp(loadConfig({ logLevel: 'silent' }), { log: createLogger('silent') });
process.stdout.write('ready\n');
let n = 0;
async function appender(id: number): Promise<never> {
  for (;;) {
    const count = 1 + ((n * 7 + id) % 40);
    const batch = Array.from({ length: count }, () => ({ type: 'test.crash', subjects: [`appender:${id}`], actor: 'crash-test', data: { n: n++ } }));
    const appended = await app.ledger.append(batch);
    process.stdout.write(appended.map((a) => `ack ${a.index} ${a.leafHash.toString('hex')}\n`).join(''));
  }
}
await Promise.all([1, 2, 3, 4].map(appender));
