import { createServer, type Server } from 'node:http';

/** An OTLP/HTTP endpoint that accepts and drops everything, counting requests per path. */
export async function startNoopCollector(): Promise<{
  url: string;
  received: Map<string, number>;
  server: Server;
}> {
  const received = new Map<string, number>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '';
      received.set(path, (received.get(path) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, received, server };
}
