import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { Client as SdkClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { AppProcess } from './support/app-process';
import { BalancerFetch } from './support/balancer-fetch';
import { startFaultStack, type FaultStack } from './support/fault-stack';
import { waitFor } from './support/owned-process';

const SESSIONS = 4;
const ITEMS = [1, 2, 3, 4, 5, 6].map((k) => `fixture://alpha/items/${k}`);

interface Session {
  client: Client;
  balancer: BalancerFetch;
  /** Notifications in the order the client's SDK handled them. */
  seen: string[];
  calls: { ok: boolean; error?: string }[];
}

async function openSession(urls: string[], token: string, index: number): Promise<Session> {
  const balancer = new BalancerFetch(urls, 0);
  const client = new SdkClient({ name: `idle-${index}`, version: '1.0.0' });
  const seen: string[] = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    seen.push(`updated ${n.params.uri.split('/').pop()}`);
  });
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    seen.push('tools changed');
  });
  const transport = new StreamableHTTPClientTransport(new URL(`${urls[0]}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
    fetch: balancer.fetch,
    // Reconnect the GET stream quickly (the default waits 1 s, then 1.5 s).
    reconnectionOptions: {
      initialReconnectionDelay: 200,
      maxReconnectionDelay: 1000,
      reconnectionDelayGrowFactor: 1.5,
      maxRetries: 5,
    },
  });
  await client.connect(transport);
  for (const uri of ITEMS) await client.subscribeResource({ uri });
  return { client, balancer, seen, calls: [] };
}

async function call(session: Session, text: string): Promise<void> {
  try {
    const result = (await session.client.callTool(
      { name: 'beta__echo', arguments: { text } },
      undefined,
      { timeout: 15_000 },
    )) as CallToolResult;
    const ok = (result.content[0] as { text?: string }).text === text;
    session.calls.push({ ok });
  } catch (error) {
    session.calls.push({
      ok: false,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/**
 * Several idle sessions, each with its standalone GET stream open on replica A; A is killed with
 * SIGKILL. Notifications are emitted before the kill, while no replica streams to the clients
 * (their resuming GETs are held back), and after the clients reconnected to replica B with
 * Last-Event-ID. Every client must see every notification exactly once, in order.
 */
describe('fault: kill -9 of the replica holding idle sessions and their GET streams', () => {
  let s: FaultStack;
  let a: AppProcess;
  let b: AppProcess;
  let sessions: Session[];
  const expected: string[] = [];
  let killedAt = 0;
  let resumedAt = 0;

  beforeAll(async () => {
    s = await startFaultStack({ gateways: 2 });
    [a, b] = s.gateways as [AppProcess, AppProcess];
    sessions = await Promise.all(
      Array.from({ length: SESSIONS }, (_, i) => openSession([a.url, b.url], s.h.member.token, i)),
    );
  }, 120_000);
  afterAll(async () => {
    await Promise.all((sessions ?? []).map((x) => x.client.close().catch(() => undefined)));
    await s?.close();
  }, 60_000);

  const emit = async (k: number) => {
    await s.h.upstreams.alpha.emitResourceUpdated(ITEMS[k - 1]!);
    expected.push(`updated ${k}`);
  };
  const toggleTools = async () => {
    s.h.upstreams.alpha.notifyToolListChanged();
    expected.push('tools changed');
    await new Promise((r) => setTimeout(r, 50));
  };
  const everyoneHasSeen = (what: string) =>
    waitFor(() => sessions.every((x) => x.seen.length >= expected.length), {
      timeoutMs: 15_000,
      what,
      detail: () => JSON.stringify(sessions.map((x) => x.seen)),
    });

  it('before the kill: the GET streams of every session are on replica A', async () => {
    await emit(1);
    await emit(2);
    await toggleTools();
    await everyoneHasSeen('the notifications sent before the kill');
    for (const x of sessions) {
      await call(x, 'before');
      expect(x.balancer.events.map((e) => e.replica)).toEqual([0, 0, 0]);
    }
  });

  it('after the kill: each client resumes on B with Last-Event-ID and sees every event once, in order', async () => {
    sessions.forEach((x) => x.balancer.holdResumes());
    killedAt = Date.now();
    await a.kill();
    await waitFor(() => sessions.every((x) => x.balancer.streamsEnded.includes(0)), {
      timeoutMs: 10_000,
      what: 'every GET stream on A cut',
    });
    // No replica streams to the clients now: these wait at the upstream (its event store).
    await emit(3);
    await toggleTools();
    await emit(4);
    const gapGets = s.h.upstreams.alpha.receivedHeaders.filter((r) => r.method === 'GET').length;
    sessions.forEach((x) => x.balancer.releaseResumes());
    resumedAt = Date.now();
    // B opens each session's upstream GET stream when the client's GET arrives.
    await waitFor(
      () =>
        s.h.upstreams.alpha.receivedHeaders.filter((r) => r.method === 'GET').length >=
        gapGets + SESSIONS,
      { timeoutMs: 15_000, what: 'B listening upstream for every session' },
    );
    await new Promise((r) => setTimeout(r, 300));
    await emit(5);
    await toggleTools();
    await emit(6);
    await everyoneHasSeen('every notification after the resume').catch(() => undefined);
    for (const x of sessions) await call(x, 'after');

    const figures = sessions.map((x, i) => {
      const resumes = x.balancer.requests.filter((r) => r.method === 'GET' && r.lastEventId);
      const ids = x.balancer.events.map((e) => e.id ?? '');
      return {
        session: i,
        resumedWith: resumes.map((r) => ({ replica: r.replica, status: r.status })),
        eventsReceived: ids.length,
        duplicateIds: ids.length - new Set(ids).size,
        seen: x.seen.join(', '),
        calls: x.calls,
      };
    });
    console.log(
      `replica-loss figures ${JSON.stringify(
        {
          sessions: SESSIONS,
          expected: expected.join(', '),
          msFromKillToResume: resumedAt - killedAt,
          perSession: figures,
        },
        null,
        2,
      )}`,
    );

    for (const x of sessions) {
      const resumes = x.balancer.requests.filter((r) => r.method === 'GET' && r.lastEventId);
      expect(resumes.length).toBeGreaterThan(0);
      expect(resumes.every((r) => r.replica === 1 && r.status === 200)).toBe(true);
      // The Last-Event-ID sent is the last id received from A.
      const lastFromA = x.balancer.events.filter((e) => e.replica === 0).pop()?.id;
      expect(resumes[0]!.lastEventId).toBe(lastFromA);
      const ids = x.balancer.events.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(x.seen).toEqual(expected);
      expect(x.calls).toEqual([{ ok: true }, { ok: true }]);
    }
  });
});
