import { createServer, type Server, type Socket } from 'node:net';
import { createPrismaClient } from './prisma-client';

describe('createPrismaClient over pg', () => {
  let server: Server;
  let port: number;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    // A "Postgres" that accepts the TCP connection and then never says a word (a hung host).
    server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('gives up on a server that never answers instead of waiting for ever', async () => {
    const prisma = createPrismaClient({
      databaseUrl: `postgres://gatehouse@127.0.0.1:${port}/gatehouse`,
      connectTimeoutMs: 300,
    });
    try {
      await expect(prisma.$queryRawUnsafe('SELECT 1')).rejects.toThrow(/timeout/i);
    } finally {
      await prisma.$disconnect().catch(() => undefined);
    }
  });
});
