// The ceiling: a bare Fastify route answering a small JSON document, on the same machine.
import Fastify from 'fastify';

const server = Fastify({ logger: false });
server.get('/bare', async () => ({ id: 'ETS185', title: 'Convention on Cybercrime' }));
await server.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' });
process.send?.('ready');
process.on('SIGTERM', async () => {
  await server.close();
  process.exit(0);
});
