import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * How the hostile upstream answers one request. It always answers initialize properly (a
 * registered upstream must pass the handshake); only tools/call, and tools/list when asked,
 * misbehave. The `_sse` variants answer text/event-stream instead of application/json.
 */
export const BEHAVIOURS = [
  /** Answers properly (the control). */
  'ok',
  'ok_sse',
  /** Never answers: no status line, no headers. */
  'hang',
  /** SSE headers and one notification, then silence (the stream stays open). */
  'hang_sse',
  /** 200 application/json whose body is not JSON. */
  'garbage',
  /** An SSE event whose data is not JSON. */
  'garbage_sse',
  /** Valid JSON that is not JSON-RPC. */
  'not_jsonrpc',
  'not_jsonrpc_sse',
  /** A well-formed JSON-RPC response for another request id. */
  'wrong_id',
  'wrong_id_sse',
  /** Content-Length promises more than is sent; the socket is destroyed halfway. */
  'close_mid',
  /** One notification, half of the next event, then the socket is destroyed. */
  'close_mid_sse',
  /** HTTP 500 with an HTML error page. */
  'status_500',
  /** A 50 MB JSON-RPC response (streamed, with back-pressure). */
  'huge',
  /** One 50 MB SSE event. */
  'huge_sse',
  /** `flood` notifications/message of `floodEventBytes` each, as fast as the socket takes them, then the result. */
  'flood_sse',
] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

export interface HostileUpstreamOptions {
  /** How tools/list is answered (default 'ok'). */
  list?: Behaviour;
  /** Size of the `huge` answers (default 50 MB). */
  hugeBytes?: number;
  /** flood_sse and the GET flood: number of notifications and size of each. */
  flood?: number;
  floodEventBytes?: number;
  /** GET: 405 (default) or an SSE stream that pushes notifications/message until closed. */
  getStream?: 'none' | 'flood';
  /** Size of each GET flood notification (default floodEventBytes). */
  getEventBytes?: number;
}

export interface HostileUpstream {
  url: string;
  /** tools/call received, per behaviour. */
  calls: Map<string, number>;
  /** Requests whose connection the gateway closed before the answer was complete. */
  abandoned: Map<string, number>;
  /** notifications/cancelled received (the gateway tells the upstream when it gives up). */
  cancellations: number;
  /** Bytes written per behaviour (how much of a huge answer left before the gateway stopped reading). */
  bytesSent: Map<string, number>;
  /** Notifications written to GET streams so far. */
  getEventsSent: number;
  openSockets(): number;
  close(): Promise<void>;
}

const bump = (map: Map<string, number>, key: string, by = 1) =>
  map.set(key, (map.get(key) ?? 0) + by);

/**
 * A plain node:http MCP server that misbehaves on purpose (the SDK fixtures cannot): it speaks
 * just enough Streamable HTTP to be registered and initialized, then answers tool calls with
 * hangs, garbage, cut connections, 500s and oversized bodies.
 */
export async function startHostileUpstream(
  options: HostileUpstreamOptions = {},
): Promise<HostileUpstream> {
  const hugeBytes = options.hugeBytes ?? 50 * 1024 * 1024;
  const flood = options.flood ?? 5_000;
  const floodEventBytes = options.floodEventBytes ?? 1024;
  const sockets = new Set<Socket>();
  const state: HostileUpstream = {
    url: '',
    calls: new Map(),
    abandoned: new Map(),
    cancellations: 0,
    bytesSent: new Map(),
    getEventsSent: 0,
    openSockets: () => sockets.size,
    close: async () => undefined,
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET') return getStream(res);
    if (req.method === 'DELETE') return void res.writeHead(200).end();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let message: { id?: string | number; method?: string; params?: Record<string, unknown> };
    try {
      message = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return void res.writeHead(400).end();
    }
    if (message.id === undefined) {
      // Notifications and responses: accepted.
      if (message.method === 'notifications/cancelled') state.cancellations += 1;
      return void res.writeHead(202).end();
    }
    const id = message.id;
    switch (message.method) {
      case 'initialize':
        return json(res, {
          jsonrpc: '2.0',
          id,
          result: {
            protocolVersion: message.params?.['protocolVersion'] ?? '2025-11-25',
            capabilities: { tools: {}, logging: {} },
            serverInfo: { name: 'hostile', version: '1.0.0' },
          },
        });
      case 'ping':
        return json(res, { jsonrpc: '2.0', id, result: {} });
      case 'tools/list':
        return behave(options.list ?? 'ok', id, res, {
          tools: BEHAVIOURS.map((name) => ({
            name,
            description: `Misbehaves: ${name}`,
            inputSchema: { type: 'object' },
            annotations: { readOnlyHint: true },
          })),
        });
      case 'tools/call': {
        const name = String(message.params?.['name'] ?? '');
        const behaviour = (BEHAVIOURS as readonly string[]).includes(name)
          ? (name as Behaviour)
          : 'ok';
        bump(state.calls, behaviour);
        const progressToken = (message.params?.['_meta'] as Record<string, unknown> | undefined)?.[
          'progressToken'
        ];
        return behave(
          behaviour,
          id,
          res,
          { content: [{ type: 'text', text: `${behaviour} done` }] },
          progressToken,
        );
      }
      default:
        return json(res, {
          jsonrpc: '2.0',
          id,
          error: { code: -32601, message: `Method not found: ${message.method}` },
        });
    }
  }

  function json(res: ServerResponse, body: unknown, status = 200) {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'mcp-session-id': 'hostile-session',
    });
    res.end(text);
  }

  function sseHead(res: ServerResponse) {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'mcp-session-id': 'hostile-session',
    });
  }

  const sse = (message: unknown) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;
  const logLine = (text: string) => ({
    jsonrpc: '2.0',
    method: 'notifications/message',
    params: { level: 'info', logger: 'hostile', data: text },
  });

  /** Writes, waiting for 'drain' when the socket is full; false once the peer is gone. */
  async function write(res: ServerResponse, behaviour: string, chunk: string | Buffer) {
    if (res.destroyed) return false;
    bump(state.bytesSent, behaviour, Buffer.byteLength(chunk));
    if (res.write(chunk)) return true;
    await new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
    return !res.destroyed;
  }

  /** Records a request whose answer the gateway stopped waiting for. */
  function watchAbandon(res: ServerResponse, behaviour: string) {
    res.once('close', () => {
      if (!res.writableFinished) bump(state.abandoned, behaviour);
    });
  }

  async function behave(
    behaviour: Behaviour,
    id: string | number,
    res: ServerResponse,
    result: Record<string, unknown>,
    progressToken?: unknown,
  ): Promise<void> {
    watchAbandon(res, behaviour);
    const response = { jsonrpc: '2.0', id, result };
    switch (behaviour) {
      case 'ok':
        return json(res, response);
      case 'ok_sse':
        sseHead(res);
        res.end(sse(logLine('working')) + sse(response));
        return;
      case 'hang':
        return; // the request stays unanswered until the gateway gives up
      case 'hang_sse':
        sseHead(res);
        res.write(sse(logLine('started, then silence')));
        return;
      case 'garbage': {
        const text = '<html><body>502 Bad Gateway</body></html> {"jsonrpc": nope';
        res.writeHead(200, {
          'content-type': 'application/json',
          'mcp-session-id': 'hostile-session',
        });
        res.end(text);
        return;
      }
      case 'garbage_sse':
        sseHead(res);
        res.end(`event: message\ndata: this is not JSON {]\n\n`);
        return;
      case 'not_jsonrpc':
        return json(res, { hello: 'world', answer: 42 });
      case 'not_jsonrpc_sse':
        sseHead(res);
        res.end(sse({ hello: 'world', id }));
        return;
      case 'wrong_id':
        return json(res, { ...response, id: `not-${String(id)}` });
      case 'wrong_id_sse':
        sseHead(res);
        res.end(sse({ ...response, id: `not-${String(id)}` }));
        return;
      case 'close_mid': {
        const text = JSON.stringify(response);
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text) + 1000,
          'mcp-session-id': 'hostile-session',
        });
        res.write(text.slice(0, Math.floor(text.length / 2)));
        setTimeout(() => res.socket?.destroy(), 50);
        return;
      }
      case 'close_mid_sse':
        sseHead(res);
        res.write(sse(logLine('about to vanish')));
        res.write('event: message\ndata: {"jsonrpc":"2.0","id":');
        setTimeout(() => res.socket?.destroy(), 50);
        return;
      case 'status_500':
        res.writeHead(500, { 'content-type': 'text/html' });
        res.end(
          '<html><body><h1>500 Internal Server Error</h1>' + 'x'.repeat(100_000) + '</body></html>',
        );
        return;
      case 'huge':
      case 'huge_sse': {
        const sseMode = behaviour === 'huge_sse';
        if (sseMode) sseHead(res);
        else
          res.writeHead(200, {
            'content-type': 'application/json',
            'mcp-session-id': 'hostile-session',
          });
        const head = `${sseMode ? 'event: message\ndata: ' : ''}{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"text","text":"`;
        if (!(await write(res, behaviour, head))) return;
        const block = Buffer.alloc(64 * 1024, 'x');
        for (let sent = 0; sent < hugeBytes; sent += block.length)
          if (!(await write(res, behaviour, block))) return;
        if (await write(res, behaviour, `"}]}}${sseMode ? '\n\n' : ''}`)) res.end();
        return;
      }
      case 'flood_sse': {
        sseHead(res);
        const filler = 'f'.repeat(floodEventBytes);
        for (let i = 0; i < flood; i++) {
          const event =
            progressToken === undefined
              ? logLine(`${i} ${filler}`)
              : {
                  jsonrpc: '2.0',
                  method: 'notifications/progress',
                  params: { progressToken, progress: i + 1, total: flood, message: filler },
                };
          if (!(await write(res, behaviour, sse(event)))) return;
        }
        if (await write(res, behaviour, sse(response))) res.end();
        return;
      }
    }
  }

  async function getStream(res: ServerResponse): Promise<void> {
    if (options.getStream !== 'flood') return void res.writeHead(405).end();
    sseHead(res);
    const filler = 'g'.repeat(options.getEventBytes ?? floodEventBytes);
    for (let i = 0; !res.destroyed; i++) {
      if (!(await write(res, 'get', sse(logLine(`get ${i} ${filler}`))))) return;
      state.getEventsSent += 1;
      // Yield now and then so the upstream's own event loop stays responsive.
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  state.url = `http://127.0.0.1:${port}/mcp`;
  state.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}
