import {
  ToolListChangedNotificationSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { connectClient, roundRobinFetch } from './support/mcp-client';
import { rawSession } from './support/raw-mcp';
import { SseReader } from './support/sse-reader';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

const textOf = (result: unknown) =>
  ((result as CallToolResult).content[0] as { text: string }).text;

describe('streams across replicas', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 2 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('relays an upstream tools/list_changed to the client GET stream, and progress of a call on the other replica', async () => {
    const urls = h.gateways.map((g) => g.url);
    const { client } = await connectClient(urls[0]!, h.admin.token, {
      fetch: roundRobinFetch(urls),
    });
    const changed = new Promise<void>((resolve) =>
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()),
    );
    const before = (await client.listTools()).tools.map((t) => t.name);
    // Give the client's GET stream (opened after initialize) time to reach its replica.
    await new Promise((r) => setTimeout(r, 300));
    h.upstreams.beta.notifyToolListChanged();
    await changed;
    const after = (await client.listTools()).tools.map((t) => t.name);
    expect(after.length).toBe(before.length + 1);

    const progress: number[] = [];
    const result = await client.callTool(
      { name: 'alpha__slow', arguments: { steps: 3, delayMs: 30 } },
      undefined,
      {
        onprogress: (p) => progress.push(p.progress),
      },
    );
    expect(textOf(result)).toBe('completed 3 steps');
    expect(progress).toEqual([1, 2, 3]);
    await client.close();
  });

  it('resumes a POST stream cut mid-response on the other replica with Last-Event-ID, losing no event', async () => {
    const [a, b] = h.gateways.map((g) => g.url) as [string, string];
    const { session, version } = await rawSession(a, h.admin.token);
    const headers = {
      authorization: `Bearer ${h.admin.token}`,
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      'mcp-session-id': session,
      'mcp-protocol-version': version,
    };
    const cut = new AbortController();
    const post = await fetch(`${a}/mcp`, {
      method: 'POST',
      headers,
      signal: cut.signal,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: {
          name: 'alpha__slow',
          arguments: { steps: 4, delayMs: 150 },
          _meta: { progressToken: 'tok' },
        },
      }),
    });
    expect(post.headers.get('content-type')).toBe('text/event-stream');
    const first = await new SseReader(post).take(1);
    cut.abort();
    const lastEventId = first[0]!.id!;
    expect(lastEventId).toMatch(/^p/);

    const resumed = await fetch(`${b}/mcp`, {
      headers: { ...headers, accept: 'text/event-stream', 'last-event-id': lastEventId },
    });
    expect(resumed.status).toBe(200);
    const rest = await new SseReader(resumed).take(4);
    const seen = [first[0]!, ...rest].map((e) => {
      const m = e.data as {
        method?: string;
        params?: { progress?: number };
        id?: number;
        result?: CallToolResult;
      };
      return m.method === 'notifications/progress'
        ? `progress ${m.params?.progress}`
        : `response ${m.id} ${textOf(m.result)}`;
    });
    expect(seen).toEqual([
      'progress 1',
      'progress 2',
      'progress 3',
      'progress 4',
      'response 7 completed 4 steps',
    ]);
    const ids = [first[0]!, ...rest].map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('replays only to the session owner: another person presenting the session gets 404', async () => {
    const { session, version } = await rawSession(h.gateways[0]!.url, h.admin.token);
    const res = await fetch(`${h.gateways[1]!.url}/mcp`, {
      headers: {
        authorization: `Bearer ${h.member.token}`,
        accept: 'text/event-stream',
        'mcp-session-id': session,
        'mcp-protocol-version': version,
        'last-event-id': 'get_0-0',
      },
    });
    expect(res.status).toBe(404);
  });

  it('relays a client cancellation sent to another replica to the upstream', async () => {
    const urls = h.gateways.map((g) => g.url);
    const { client } = await connectClient(urls[0]!, h.admin.token, {
      fetch: roundRobinFetch(urls),
    });
    const before = h.upstreams.alpha.cancellations();
    const abort = new AbortController();
    const call = client.callTool(
      { name: 'alpha__slow', arguments: { steps: 50, delayMs: 100 } },
      undefined,
      { signal: abort.signal },
    );
    await new Promise((r) => setTimeout(r, 400));
    abort.abort('changed my mind');
    await expect(call).rejects.toThrow();
    for (let i = 0; i < 50 && h.upstreams.alpha.cancellations() === before; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(h.upstreams.alpha.cancellations()).toBe(before + 1);
    await client.close();
  });
});
