import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { connectClient } from '../support/mcp-client';
import { rawMcp, rawSession } from '../support/raw-mcp';
import { type AppProcess } from './support/app-process';
import { startFaultStack, type FaultStack } from './support/fault-stack';
import { sampleReadiness, Sampler, type ReadinessSample } from './support/observe';
import { waitFor } from './support/owned-process';

const DOWN_MS = 5000;

interface Attempt {
  at: number;
  ms: number;
  ok: boolean;
  error?: string;
  status?: number;
}

/** The HTTP status in an SDK transport error ("... (HTTP 404): ..."), if any. */
function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number' && code >= 400 && code < 600) return code;
  const match = /HTTP (\d{3})/.exec(error instanceof Error ? error.message : '');
  return match ? Number(match[1]) : undefined;
}

/**
 * A client that does what the MCP spec asks on 404: drops the session and initializes a new
 * one. Calls until stopped; records every call and every (re)initialization.
 */
class ReinitializingCaller {
  readonly calls: Attempt[] = [];
  readonly inits: Attempt[] = [];
  private client: Client | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private n = 0;

  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly tag: string,
  ) {}

  async connect(): Promise<void> {
    const at = Date.now();
    try {
      this.client = (await connectClient(this.url, this.token)).client;
      this.inits.push({ at, ms: Date.now() - at, ok: true });
    } catch (error) {
      this.inits.push({ at, ms: Date.now() - at, ok: false, error: errorText(error) });
    }
  }

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        if (!this.client) {
          await this.connect();
          if (!this.client) {
            await new Promise((r) => setTimeout(r, 200));
            continue;
          }
        }
        const text = `${this.tag}-${this.n++}`;
        const at = Date.now();
        try {
          const result = (await this.client.callTool(
            { name: 'alpha__echo', arguments: { text } },
            undefined,
            { timeout: 15_000 },
          )) as CallToolResult;
          const ok = (result.content[0] as { text?: string }).text === text;
          this.calls.push({ at, ms: Date.now() - at, ok });
        } catch (error) {
          const status = statusOf(error);
          this.calls.push({
            at,
            ms: Date.now() - at,
            ok: false,
            error: errorText(error),
            ...(status ? { status } : {}),
          });
          if (status === 404) {
            await this.client.close().catch(() => undefined);
            this.client = undefined;
          }
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.client?.close().catch(() => undefined);
  }
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 160);
}

/** Reads a raw GET stream until it ends; resolves with when and how it ended. */
function watchGetStream(url: string, token: string, session: string, version: string) {
  const controller = new AbortController();
  const ended = (async (): Promise<{ at: number; how: string }> => {
    try {
      const response = await fetch(`${url}/mcp`, {
        headers: {
          accept: 'text/event-stream',
          authorization: `Bearer ${token}`,
          'mcp-session-id': session,
          'mcp-protocol-version': version,
        },
        signal: controller.signal,
      });
      if (response.status !== 200) return { at: Date.now(), how: `HTTP ${response.status}` };
      const reader = response.body!.getReader();
      for (;;) if ((await reader.read()).done) break;
      return { at: Date.now(), how: 'ended by the gateway' };
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      return { at: Date.now(), how: `cut: ${errorText(error)}${cause ? ` (${cause})` : ''}` };
    }
  })();
  return { ended, abort: () => controller.abort() };
}

/**
 * Redis is killed (no persistence: every session, event log and the audit stream are gone)
 * and started again after 5 s, while clients hold sessions, GET streams and calls in flight.
 */
describe('fault: Redis restart (sessions lost by design)', () => {
  let s: FaultStack;
  beforeAll(async () => {
    s = await startFaultStack({ gateways: 2 });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  }, 60_000);

  it('answers 404 for old sessions, lets clients re-initialize, reports Redis in /readyz, never hangs', async () => {
    const [a, b] = s.gateways as [AppProcess, AppProcess];
    const token = s.h.member.token;
    // Idle SDK clients (each with the SDK's GET stream open) and one raw idle session whose GET
    // stream the test watches.
    const idle = await Promise.all([a, b, a].map((g) => connectClient(g.url, token)));
    for (const { client } of idle)
      await client.callTool({ name: 'alpha__echo', arguments: { text: 'warm' } });
    const raw = await rawSession(a.url, token);
    const rawStream = watchGetStream(a.url, token, raw.session, raw.version);
    const callers = [a, b].map((g, i) => new ReinitializingCaller(g.url, token, `redis-${i}`));
    await Promise.all(callers.map((c) => c.connect()));
    callers.forEach((c) => c.start());
    const readiness = new Sampler<ReadinessSample>(() => sampleReadiness(a), 250).start();

    // A slow call in flight across the kill.
    const slowClient = (await connectClient(b.url, token)).client;
    const slowStarted = Date.now();
    const slow = slowClient
      .callTool({ name: 'alpha__slow', arguments: { steps: 8, delayMs: 500 } }, undefined, {
        timeout: 30_000,
      })
      .then(
        (r) => ({ ok: true, ms: Date.now() - slowStarted, text: JSON.stringify(r).slice(0, 100) }),
        (e: unknown) => ({ ok: false, ms: Date.now() - slowStarted, text: errorText(e) }),
      );
    await new Promise((r) => setTimeout(r, 1500));

    const killedAt = Date.now();
    await s.redis.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, DOWN_MS / 2));
    const readyWhileDown = await sampleReadiness(a);
    await new Promise((r) => setTimeout(r, DOWN_MS / 2));
    await s.redis.start();
    const upAt = Date.now();

    const readyAgainAt = await waitFor(
      async () => {
        const both = await Promise.all([a, b].map((g) => sampleReadiness(g)));
        return both.every((x) => x.status === 200) ? Date.now() : undefined;
      },
      {
        timeoutMs: 20_000,
        what: 'both gateways ready after Redis is back',
        detail: () => s.dumpOutput().slice(-4000),
      },
    );
    // Each idle SDK client's next request: 404 (the session is gone), then a clean re-init.
    const learned = await Promise.all(
      idle.map(async ({ client }, i) => {
        const at = Date.now();
        let status: number | undefined;
        let message = '';
        try {
          await client.callTool({ name: 'alpha__echo', arguments: { text: 'after' } });
        } catch (error) {
          status = statusOf(error);
          message = errorText(error);
        }
        const learnedMs = Date.now() - at;
        await client.close().catch(() => undefined);
        const fresh = await connectClient([a, b, a][i]!.url, token);
        const echoed = (await fresh.client.callTool({
          name: 'alpha__echo',
          arguments: { text: `fresh-${i}` },
        })) as CallToolResult;
        await fresh.client.close();
        return { status, message, learnedMs, reinitialized: echoed.content[0] };
      }),
    );
    const rawAfter = await rawMcp(
      a.url,
      { jsonrpc: '2.0', id: 9, method: 'tools/list' },
      { token, session: raw.session, version: raw.version },
    );
    // An idle client holding only its GET stream: the gateway ends the stream of a lost session
    // (checked every 15 s), so the client reconnects, gets 404 and learns the session is gone.
    const streamEnded = await Promise.race([
      rawStream.ended,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 25_000)),
    ]);
    rawStream.abort();
    const rawReconnect = await fetch(`${a.url}/mcp`, {
      headers: {
        accept: 'text/event-stream',
        authorization: `Bearer ${token}`,
        'mcp-session-id': raw.session,
        'mcp-protocol-version': raw.version,
      },
    });
    await rawReconnect.body?.cancel();
    // The callers keep going until they succeed on a fresh session.
    await waitFor(() => callers.every((c) => c.calls.some((x) => x.ok && x.at > upAt)), {
      timeoutMs: 20_000,
      what: 'every caller succeeding on a new session',
    });
    await Promise.all(callers.map((c) => c.stop()));
    const slowOutcome = await slow;
    await slowClient.close().catch(() => undefined);
    const readySamples = readiness.stop();

    const calls = callers.flatMap((c) => c.calls);
    const errors: Record<string, number> = {};
    for (const c of calls) if (!c.ok) errors[c.error ?? '?'] = (errors[c.error ?? '?'] ?? 0) + 1;
    const figures = {
      downMs: upAt - killedAt,
      readyWhileDown,
      readyAgainMsAfterRedisUp: readyAgainAt - upAt,
      notReadySamples: readySamples.filter((x) => x.status !== 200).length,
      idleClients: learned,
      rawSessionAfter: { status: rawAfter.status, body: rawAfter.text.slice(0, 200) },
      idleGetStream: streamEnded
        ? {
            how: streamEnded.how,
            msAfterKill: streamEnded.at - killedAt,
            msAfterRedisUp: streamEnded.at - upAt,
            reconnect: rawReconnect.status,
          }
        : 'still open 25 s after the restart',
      calls: {
        attempted: calls.length,
        succeeded: calls.filter((c) => c.ok).length,
        failed: calls.filter((c) => !c.ok).length,
        hung: calls.filter((c) => !c.ok && /timed out/i.test(c.error ?? '')).length,
        slowestFailureMs: Math.max(0, ...calls.filter((c) => !c.ok).map((c) => c.ms)),
        errors,
      },
      reinitializations: callers.map((c) => ({
        ok: c.inits.filter((x) => x.ok).length,
        failed: c.inits.filter((x) => !x.ok).length,
      })),
      slowCallAcrossRestart: slowOutcome,
      gatewaysAlive: s.gateways.map((g) => g.process.running),
    };
    console.log(`redis-restart figures ${JSON.stringify(figures, null, 2)}`);
    if (process.env['FAULTS_VERBOSE']) console.log(s.dumpOutput().slice(-8000));

    expect(readyWhileDown.status).toBe(503);
    expect(readyWhileDown.checks['redis']).not.toBe('ok');
    for (const l of learned) {
      expect(l.status).toBe(404);
      expect(l.reinitialized).toEqual({ type: 'text', text: expect.stringMatching(/^fresh-/) });
    }
    expect(rawAfter.status).toBe(404);
    expect(streamEnded?.how).toBe('ended by the gateway');
    expect(rawReconnect.status).toBe(404);
    expect(figures.calls.hung).toBe(0);
    expect(figures.gatewaysAlive).toEqual([true, true]);
  });
});
