// A Custodia node on a fresh SQLite database with the shipped knowledge base, for load tests.
import { buildServer } from '../../src/http/server.ts';
import { createTestApp } from '../../test/support/app.ts';

const t = await createTestApp({ dialect: 'sqlite' });
const server = await buildServer(t.app, { logRequests: false });
await server.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' });
process.send?.('ready');
process.on('SIGTERM', async () => {
  await server.close();
  await t.cleanup();
  process.exit(0);
});
