import { createServer } from 'node:http';
import { startFixtureUpstream, type FixtureUpstream } from '@gatehouse/testing';
import type { JSONRPCMessage, JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { UpstreamClient } from './upstream-client';
import { UpstreamError } from './upstream-error';
import type { UpstreamSession, UpstreamTarget } from './upstream-types';

const INIT = {
  protocolVersion: '2025-11-25',
  capabilities: { sampling: {}, elicitation: {}, roots: {} },
  clientInfo: { name: 'gatehouse-spec', version: '1.0.0' },
};
let nextId = 1;
const call = (
  name: string,
  args: Record<string, unknown> = {},
  meta?: { progressToken: string },
): JSONRPCRequest => ({
  jsonrpc: '2.0',
  id: nextId++,
  method: 'tools/call',
  params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
});
const textOf = (response: unknown) =>
  (response as { result: { content: { text: string }[] } }).result.content[0]?.text;

async function caught(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UpstreamError) return error;
    throw error;
  }
  throw new Error('expected an UpstreamError');
}

describe('UpstreamClient against a fixture upstream', () => {
  let fixture: FixtureUpstream;
  let target: UpstreamTarget;
  let client: UpstreamClient;

  beforeAll(async () => {
    fixture = await startFixtureUpstream({ name: 'alpha', requireBearer: 'upstream-secret' });
    target = {
      slug: 'alpha',
      url: fixture.url,
      headers: { Authorization: 'Bearer upstream-secret' },
    };
  });
  beforeEach(() => {
    client = new UpstreamClient({ timeoutMs: 5_000, maxResponseBytes: 1_000_000 });
  });
  afterEach(async () => {
    await client.close();
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('initializes and calls tools, with the injected credential and protocol headers', async () => {
    const session = await client.initialize(target, INIT);
    expect(session).toMatchObject({
      protocolVersion: '2025-11-25',
      serverInfo: { name: 'fixture-alpha' },
    });
    expect(session.sessionId).toEqual(expect.any(String));
    expect(session.capabilities.tools).toBeDefined();

    const echo = await client.request(target, session, call('echo', { text: 'hi' }), {
      headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
    expect(textOf(echo)).toBe('hi');
    expect(textOf(await client.request(target, session, call('add', { a: 2, b: 40 })))).toBe('42');

    const requests = fixture.receivedHeaders.slice(-4);
    const [initialize, , echoRequest] = requests.map((r) => r.headers);
    expect(initialize?.['mcp-protocol-version']).toBeUndefined();
    expect(echoRequest).toMatchObject({
      authorization: 'Bearer upstream-secret',
      'mcp-session-id': session.sessionId,
      'mcp-protocol-version': '2025-11-25',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      accept: 'application/json, text/event-stream',
    });
  });

  it('passes progress notifications to onMessage before the final response', async () => {
    const session = await client.initialize(target, INIT);
    const seen: string[] = [];
    let firstProgressAt = 0;
    const response = await client.request(
      target,
      session,
      call('slow', { steps: 3, delayMs: 20 }, { progressToken: 'p1' }),
      {
        onMessage: (message) => {
          firstProgressAt ||= Date.now();
          seen.push('method' in message ? message.method : 'other');
        },
      },
    );
    // Streamed, not buffered: the first progress arrived while two more 20 ms steps remained.
    expect(Date.now() - firstProgressAt).toBeGreaterThanOrEqual(30);
    seen.push('response');
    expect(textOf(response)).toBe('completed 3 steps');
    expect(seen).toEqual([
      'notifications/progress',
      'notifications/progress',
      'notifications/progress',
      'response',
    ]);
  });

  it('returns a JSON-RPC error response as a value', async () => {
    const session = await client.initialize(target, INIT);
    const unknown = await client.request(target, session, {
      jsonrpc: '2.0',
      id: 'x1',
      method: 'no/such/method',
    });
    expect('error' in unknown && unknown.error.code).toBe(-32601);
  });

  it('continues a session from a second client using only the serialized session', async () => {
    const session = await client.initialize(target, INIT);
    const stored = JSON.parse(JSON.stringify(session)) as UpstreamSession;
    const otherReplica = new UpstreamClient({ timeoutMs: 5_000, maxResponseBytes: 1_000_000 });
    try {
      expect(textOf(await otherReplica.request(target, stored, call('echo', { text: 'B' })))).toBe(
        'B',
      );
    } finally {
      await otherReplica.close();
    }
  });

  it('reports a dropped session as upstream_session_expired', async () => {
    const session = await client.initialize(target, INIT);
    await fixture.dropAllSessions();
    const error = await caught(client.request(target, session, call('echo', { text: 'x' })));
    expect(error.code).toBe('upstream_session_expired');
    expect(error.message).toMatch(/"alpha"/);
  });

  it('relays a sampling request through onMessage and sendResponse', async () => {
    const session = await client.initialize(target, INIT);
    const seen: JSONRPCMessage[] = [];
    const response = await client.request(target, session, call('sample', { prompt: 'hello' }), {
      onMessage: async (message) => {
        seen.push(message);
        if ('method' in message && 'id' in message && message.method === 'sampling/createMessage') {
          await client.sendResponse(target, session, {
            jsonrpc: '2.0',
            id: message.id,
            result: {
              role: 'assistant',
              model: 'test',
              content: { type: 'text', text: 'sampled' },
            },
          });
        }
      },
    });
    expect(seen.map((m) => ('method' in m ? m.method : ''))).toEqual(['sampling/createMessage']);
    expect(textOf(response)).toBe('sampled');
  });

  it('receives tools/list_changed on the GET stream', async () => {
    const session = await client.initialize(target, INIT);
    const abort = new AbortController();
    let resolveChanged: (method: string) => void = () => undefined;
    const changed = new Promise<string>((resolve) => (resolveChanged = resolve));
    const stream = await client.openGetStream(target, session, {
      signal: abort.signal,
      onMessage: (message, eventId) => {
        if ('method' in message)
          resolveChanged(`${message.method} ${eventId ? 'with id' : 'no id'}`);
      },
    });
    expect(stream.supported).toBe(true);
    fixture.notifyToolListChanged();
    await expect(changed).resolves.toBe('notifications/tools/list_changed with id');
    abort.abort();
    if (stream.supported) await expect(stream.done).resolves.toBeUndefined();
    fixture.notifyToolListChanged();
  });

  it('times out with upstream_timeout and tells the upstream to stop', async () => {
    const session = await client.initialize(target, INIT);
    const quick = new UpstreamClient({ timeoutMs: 300, maxResponseBytes: 1_000_000 });
    const before = fixture.cancellations();
    const started = Date.now();
    try {
      const error = await caught(
        quick.request(target, session, call('slow', { steps: 20, delayMs: 100 })),
      );
      expect(error.code).toBe('upstream_timeout');
      expect(Date.now() - started).toBeLessThan(1_000);
      await waitFor(() => fixture.cancellations() > before);
    } finally {
      await quick.close();
    }
  });

  it('aborts when the caller cancels, as upstream_cancelled', async () => {
    const session = await client.initialize(target, INIT);
    const error = await caught(
      client.request(target, session, call('slow', { steps: 20, delayMs: 100 }), {
        signal: AbortSignal.timeout(150),
      }),
    );
    expect(error.code).toBe('upstream_cancelled');
  });

  it('caps the response size', async () => {
    const session = await client.initialize(target, INIT);
    const tiny = new UpstreamClient({ timeoutMs: 5_000, maxResponseBytes: 200 });
    try {
      const error = await caught(
        tiny.request(target, session, call('echo', { text: 'y'.repeat(500) })),
      );
      expect(error.code).toBe('upstream_response_too_large');
    } finally {
      await tiny.close();
    }
  });

  it('reports a wrong credential as upstream_unauthorized', async () => {
    const error = await caught(
      client.initialize({ ...target, headers: { Authorization: 'Bearer wrong' } }, INIT),
    );
    expect(error).toMatchObject({ code: 'upstream_unauthorized', status: 401, upstream: 'alpha' });
  });

  it('reports a closed port as upstream_unreachable', async () => {
    const gone = await startFixtureUpstream({ name: 'gone' });
    await gone.close();
    const error = await caught(client.initialize({ slug: 'gone', url: gone.url }, INIT));
    expect(error.code).toBe('upstream_unreachable');
    expect(error.message).toMatch(/Upstream "gone" is unreachable at http:\/\/127\.0\.0\.1/);
  });

  it('refuses, when private networks are not allowed, a host name that resolves to one (DNS rebinding)', async () => {
    // "localhost" stands for a public name that now resolves to a private address.
    const rebound = { ...target, url: fixture.url.replace('127.0.0.1', 'localhost') };
    const guarded = new UpstreamClient({
      timeoutMs: 5_000,
      maxResponseBytes: 1_000_000,
      allowPrivateNetworks: false,
    });
    try {
      const error = await caught(guarded.initialize(rebound, INIT));
      expect(error.code).toBe('upstream_unreachable');
      expect(error.message).toMatch(/localhost resolved to .* \(loopback\) when connecting/);
      expect(error.message).toMatch(/UPSTREAM_ALLOW_PRIVATE_NETWORKS=true/);
      // The same name is fine where private networks are allowed (the default).
      await expect(client.initialize(rebound, INIT)).resolves.toMatchObject({
        protocolVersion: '2025-11-25',
      });
    } finally {
      await guarded.close();
    }
  });

  it('reports an answer cut off mid-body as upstream_connection_lost (not unreachable), an HTML error page by its text', async () => {
    // JSON with a Content-Length it never reaches, and SSE cut inside an event (no ids, no resume).
    const server = createServer((req, res) => {
      if (req.url === '/500') {
        res.writeHead(500, { 'content-type': 'text/html' });
        res.end(
          '<html><head><style>h1 { color: red }</style></head><body><h1>500 Internal Server Error</h1><hr>nginx</body></html>',
        );
        return;
      }
      const sse = req.url === '/sse';
      res.writeHead(200, {
        'content-type': sse ? 'text/event-stream' : 'application/json',
        ...(sse ? {} : { 'content-length': '1000' }),
      });
      res.write(sse ? 'event: message\ndata: {"jsonrpc":"2.0","id":' : '{"jsonrpc":"2.0","id":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const session: UpstreamSession = {
      protocolVersion: '2025-11-25',
      capabilities: {},
      serverInfo: { name: 'cut', version: '1' },
    };
    try {
      for (const path of ['/json', '/sse']) {
        const cut = { slug: 'cut', url: `http://127.0.0.1:${port}${path}` };
        const error = await caught(client.request(cut, session, call('echo', { text: 'x' })));
        expect(error.code).toBe('upstream_connection_lost');
        expect(error.message).toMatch(
          /Upstream "cut" closed the connection before its answer was complete/,
        );
      }
      // While at it: an HTML error page is reported by its text, not its markup.
      const page = { slug: 'cut', url: `http://127.0.0.1:${port}/500` };
      const error = await caught(client.request(page, session, call('echo', { text: 'x' })));
      expect(error.message).toBe(
        'Upstream "cut" answered HTTP 500: 500 Internal Server Error nginx',
      );
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('terminates the session, after which it is gone', async () => {
    const session = await client.initialize(target, INIT);
    const count = fixture.sessionCount();
    await client.terminate(target, session);
    expect(fixture.sessionCount()).toBe(count - 1);
    const error = await caught(client.request(target, session, call('echo', { text: 'x' })));
    expect(error.code).toBe('upstream_session_expired');
    await expect(client.terminate(target, session)).resolves.toBeUndefined();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
