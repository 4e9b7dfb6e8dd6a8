import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Redis } from 'ioredis';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';
import { startGatewayProcess, type GatewayProcess } from './support/gateway-process';
import { connectClient } from './support/mcp-client';
import { rawSession } from './support/raw-mcp';
import { subscribeOverGetStream } from './support/resource-subscription';
import { SseReader, type SseEventRecord } from './support/sse-reader';

interface Seen {
  method?: string;
  params?: { progress?: number; progressToken?: unknown };
  id?: number;
  result?: CallToolResult;
  error?: { code: number; message: string; data?: { code?: string } };
}

const describeEvent = (event: SseEventRecord) => {
  const m = event.data as Seen;
  if (m.method === 'notifications/progress')
    return `progress ${m.params?.progress} ${String(m.params?.progressToken)}`;
  if (m.error) return `error ${m.id} ${m.error.code} ${m.error.data?.code}`;
  return `response ${m.id} ${(m.result?.content[0] as { text: string }).text}`;
};

/** Every audit event the gateway processes appended to the Redis audit stream. */
const auditEvents = async (env: Record<string, string>): Promise<Record<string, unknown>[]> => {
  const redis = new Redis(env['REDIS_URL']!);
  try {
    const entries = await redis.xrange(`${env['REDIS_KEY_PREFIX']}audit`, '-', '+');
    return entries.map(([, fields]) => JSON.parse(fields[1]!) as Record<string, unknown>);
  } finally {
    redis.disconnect();
  }
};

/** The replica's takeover counter lines from /metrics (Prometheus text). */
const takenOver = async (replica: GatewayProcess) =>
  (await (await fetch(`${replica.url}/metrics`)).text())
    .split('\n')
    .filter((line) => line.startsWith('gatehouse_calls_taken_over_total'))
    .join('\n');

/**
 * SIGKILL of the replica relaying a call: the client resumes on another replica with
 * Last-Event-ID, and that replica finishes the call from the upstream's own resumable stream.
 * alpha is resumable (event ids + replay), beta is not.
 */
describe('in-flight calls survive the loss of their replica (separate processes)', () => {
  let h: GatewayHarness;
  const started: GatewayProcess[] = [];
  const replicaPair = async () => {
    const pair = await Promise.all([startGatewayProcess(h.env), startGatewayProcess(h.env)]);
    started.push(...pair);
    return pair;
  };

  beforeAll(async () => {
    h = await startGatewayHarness({
      replicas: 0,
      env: { REPLICA_HEARTBEAT_MS: '200', REPLICA_DEAD_AFTER_MS: '1000' },
      fixtures: { beta: { resumable: false } },
    });
    await h.runtimes[0]!.repos.policies.create(h.tenant.id, {
      name: 'members-echo-needs-approval',
      effect: 'require_approval',
      subjects: ['role:member'],
      targets: { upstream: 'alpha', tool: 'echo' },
    });
  }, 60_000);
  afterAll(async () => {
    for (const r of started) r.child.kill('SIGKILL');
    await h.close();
  });

  /** Starts a call with progress on `a`, reads `before` events, then SIGKILLs `a`. */
  const callThenKill = async (
    a: GatewayProcess,
    tool: string,
    steps: number,
    before: number,
    token = h.admin.token,
  ) => {
    const { session, version } = await rawSession(a.url, token);
    const headers = {
      authorization: `Bearer ${token}`,
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      'mcp-session-id': session,
      'mcp-protocol-version': version,
    };
    const post = await fetch(`${a.url}/mcp`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: {
          name: tool,
          arguments: tool.endsWith('echo') ? { text: 'hi' } : { steps, delayMs: 250 },
          _meta: { progressToken: 'tok' },
        },
      }),
    });
    expect(post.headers.get('content-type')).toBe('text/event-stream');
    const first = (await new SseReader(post).take(before)).slice(0, before);
    const exited = new Promise((resolve) => a.child.once('exit', resolve));
    a.child.kill('SIGKILL');
    await exited;
    return { first, headers };
  };

  it('finishes a call whose replica was SIGKILLed mid-call: the client resumes on another replica and gets every remaining event once', async () => {
    const [a, b] = await replicaPair();
    const { first, headers } = await callThenKill(a!, 'alpha__slow', 6, 2);
    const lastEventId = first[1]!.id!;

    const resumed = await fetch(`${b!.url}/mcp`, {
      headers: { ...headers, accept: 'text/event-stream', 'last-event-id': lastEventId },
    });
    expect(resumed.status).toBe(200);
    const rest = await new SseReader(resumed).take(5, 20_000);
    const all = [...first, ...rest];
    expect(all.map(describeEvent)).toEqual([
      'progress 1 tok',
      'progress 2 tok',
      'progress 3 tok',
      'progress 4 tok',
      'progress 5 tok',
      'progress 6 tok',
      'response 7 completed 6 steps',
    ]);
    const ids = all.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    // The upstream ran the tool once: the call was resumed, not retried.
    expect(h.upstreams.alpha.callCounts.get('slow')).toBe(1);
    expect(await takenOver(b!)).toMatch(/gatehouse_outcome="ok"[^\n]*\} 1/);
    // A died before auditing the call; the audit event comes from B, with A's decision.
    // (written right after the response is logged: wait for it to land)
    let audited: Record<string, unknown>[] = [];
    for (let i = 0; i < 100 && audited.length === 0; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      audited = (await auditEvents(h.env)).filter(
        (e) => e['method'] === 'tools/call' && e['sessionId'] === headers['mcp-session-id'],
      );
    }
    expect(audited).toEqual([
      expect.objectContaining({
        upstream: 'alpha',
        tool: 'slow',
        outcome: 'ok',
        decision: 'allow',
        matchedRules: [expect.any(String)],
      }),
    ]);
  }, 60_000);

  it('finishes a call whose upstream asked the client to sample when its replica died: the answer goes to another replica', async () => {
    const [a, b] = await replicaPair();
    const init = await fetch(`${a!.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${h.admin.token}`,
        accept: 'application/json, text/event-stream',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: { sampling: {} },
          clientInfo: { name: 'raw', version: '1' },
        },
      }),
    });
    const session = init.headers.get('mcp-session-id')!;
    const headers = {
      authorization: `Bearer ${h.admin.token}`,
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-11-25',
    };
    await fetch(`${a!.url}/mcp`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    });
    const post = await fetch(`${a!.url}/mcp`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 8,
        method: 'tools/call',
        params: { name: 'alpha__sample', arguments: { prompt: 'hello' } },
      }),
    });
    const [asked] = await new SseReader(post).take(1);
    const request = asked!.data as { id: string; method: string };
    expect(request.method).toBe('sampling/createMessage');
    const exited = new Promise((resolve) => a!.child.once('exit', resolve));
    a!.child.kill('SIGKILL');
    await exited;

    // The client answers on B; the route back to the upstream is in the session store.
    const answered = await fetch(`${b!.url}/mcp`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: request.id,
        result: {
          model: 'm',
          role: 'assistant',
          content: { type: 'text', text: 'sampled after the kill' },
        },
      }),
    });
    expect(answered.status).toBe(202);
    const resumed = await fetch(`${b!.url}/mcp`, {
      headers: { ...headers, accept: 'text/event-stream', 'last-event-id': asked!.id! },
    });
    const rest = await new SseReader(resumed).take(1, 20_000);
    expect(rest.map(describeEvent)).toEqual(['response 8 sampled after the kill']);
  }, 60_000);

  it('resumes the upstream GET stream from where the killed replica left it: a notification sent in between reaches the client', async () => {
    const [a, b] = await replicaPair();
    // The official SDK client behind a balancer that prefers A: its GET stream is held by A.
    const sticky: typeof fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      try {
        url.host = new URL(a!.url).host;
        return await fetch(url, init);
      } catch {
        url.host = new URL(b!.url).host;
        return fetch(url, init);
      }
    };
    const { client } = await connectClient(a!.url, h.admin.token, { fetch: sticky });
    const uri = 'fixture://alpha/readme';
    // A relays one notification from alpha's GET stream, so it has seen an upstream event id.
    const { updated } = await subscribeOverGetStream(client, h.upstreams.alpha, uri);
    const exited = new Promise((resolve) => a!.child.once('exit', resolve));
    a!.child.kill('SIGKILL');
    await exited;
    // Nobody listens to alpha now; the client's SDK reconnects its GET stream to B.
    await h.upstreams.alpha.emitResourceUpdated(uri);
    expect(await updated).toBe(uri);
    await client.close();
  }, 60_000);

  it('answers a clear error for a call that was waiting for approval when its replica died', async () => {
    const [a, b] = await replicaPair();
    const { first, headers } = await callThenKill(a!, 'alpha__echo', 0, 1, h.member.token);
    expect((first[0]!.data as { params: { message: string } }).params.message).toMatch(
      /Waiting for approval/,
    );
    const resumed = await fetch(`${b!.url}/mcp`, {
      headers: { ...headers, accept: 'text/event-stream', 'last-event-id': first[0]!.id! },
    });
    const reader = new SseReader(resumed);
    let events = await reader.take(1, 20_000);
    while (!(events.at(-1)!.data as Seen).error) events = await reader.take(events.length + 1);
    const last = events.at(-1)!.data as Seen;
    expect(describeEvent(events.at(-1)!)).toBe('error 7 -32000 approval_wait_lost');
    expect(last.error!.message).toMatch(/waiting for approval.*call again/);
    // Nothing ran upstream.
    expect(h.upstreams.alpha.callCounts.get('echo') ?? 0).toBe(0);
  }, 60_000);

  it('answers a clear JSON-RPC error when the upstream of the lost call cannot resume its stream', async () => {
    const [a, b] = await replicaPair();
    const { first, headers } = await callThenKill(a!, 'beta__slow', 20, 1);
    expect(first[0]!.id).toBeDefined();

    const resumed = await fetch(`${b!.url}/mcp`, {
      headers: { ...headers, accept: 'text/event-stream', 'last-event-id': first[0]!.id! },
    });
    const reader = new SseReader(resumed);
    // Progress that replica A logged before dying may follow; the stream ends with the error.
    let events = await reader.take(1, 20_000);
    while (!(events.at(-1)!.data as Seen).error) events = await reader.take(events.length + 1);
    const seen = [...first, ...events].map(describeEvent);
    const progress = seen.slice(0, -1);
    expect(progress).toEqual(progress.map((_, i) => `progress ${i + 1} tok`));
    expect(seen.at(-1)).toBe('error 7 -32000 upstream_call_lost');
    expect((events.at(-1)!.data as Seen).error!.message).toMatch(/retry/);
    // Any surviving replica may have taken it over (the first test's replica B is still up).
    const counters = await Promise.all(
      started
        .filter((r) => r.child.exitCode === null && r.child.signalCode === null)
        .map(takenOver),
    );
    expect(counters.join('\n')).toMatch(/gatehouse_outcome="upstream_error"[^\n]*\} 1/);
  }, 60_000);

  it('does not take over a call whose replica was only paused: the upstream still streams to it (409), the entry goes back', async () => {
    const [a, b] = await replicaPair();
    const { session, version } = await rawSession(a!.url, h.admin.token);
    const headers = {
      authorization: `Bearer ${h.admin.token}`,
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      'mcp-session-id': session,
      'mcp-protocol-version': version,
    };
    const post = await fetch(`${a!.url}/mcp`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: {
          name: 'alpha__slow',
          arguments: { steps: 8, delayMs: 250 },
          _meta: { progressToken: 'tok' },
        },
      }),
    });
    const reader = new SseReader(post);
    const [first] = await reader.take(1);
    // A freezes (its sockets stay open): its liveness key expires and a surviving replica (B,
    // or one left by an earlier test) tries to take over.
    const attempts = () =>
      started
        .filter((r) => r !== a)
        .map((r) => r.output().split('taking over a call whose replica died').length - 1)
        .reduce((x, y) => x + y, 0);
    const before = attempts();
    a!.child.kill('SIGSTOP');
    try {
      while (attempts() === before) await new Promise((r) => setTimeout(r, 100));
    } finally {
      a!.child.kill('SIGCONT');
    }
    const direct = await reader.take(9, 20_000);
    expect(direct.map(describeEvent)).toEqual([
      ...Array.from({ length: 8 }, (_, i) => `progress ${i + 1} tok`),
      'response 9 completed 8 steps',
    ]);
    // The session log, as any replica replays it, holds A's events only: B logged nothing.
    const replay = await fetch(`${b!.url}/mcp`, {
      headers: { ...headers, accept: 'text/event-stream', 'last-event-id': first!.id! },
    });
    const replayed = await new SseReader(replay).take(8, 20_000);
    expect(replayed.map((e) => e.id)).toEqual(direct.slice(1).map((e) => e.id));
    expect(h.upstreams.alpha.callCounts.get('slow')).toBeGreaterThan(0);
  }, 60_000);

  it('leaves no in-flight entry behind once every call above has been answered', async () => {
    const redis = new Redis(h.env['REDIS_URL']!);
    try {
      expect(await redis.hgetall(`${h.env['REDIS_KEY_PREFIX']}inflight:calls`)).toEqual({});
    } finally {
      redis.disconnect();
    }
  });
});
