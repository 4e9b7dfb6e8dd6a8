import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Tracks which keep-alive connections have a request in flight. At shutdown, idle ones are
 * closed at once and busy ones as soon as their response ends, so the server stops quickly
 * without cutting a request short (Node's own idle tracking misses hijacked SSE responses).
 */
export function trackConnections(server: Server): { drain(): void } {
  const inFlight = new Map<Socket, number>();
  let draining = false;
  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (request, response) => {
    const socket = request.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    response.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (draining && left === 0) socket.destroy();
    });
  });
  return {
    drain() {
      draining = true;
      for (const [socket, count] of inFlight) if (count === 0) socket.destroy();
    },
  };
}
