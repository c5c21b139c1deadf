// A Custodia node on a fresh SQLite database with the shipped knowledge base, for load tests.
import { buildServer } from '../../src/http/server.ts';
import { createTestApp } from '../../test/support/app.ts';

// The load generator is one source address: the limit is set beyond what it sends, so the limiter
// still counts every request (its cost is measured) without refusing any.
const t = await createTestApp({ dialect: 'sqlite', config: { rateLimitPerSource: 1_000_000_000, rateLimitPerCredential: 1_000_000_000 } });
const server = await buildServer(t.app, { logRequests: false });
await server.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' });
process.send?.('ready');
process.on('SIGTERM', async () => {
  await server.close();
  await t.cleanup();
  process.exit(0);
});
