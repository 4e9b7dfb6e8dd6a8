import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { BusChannels } from '@gatehouse/bus';
import { RATE_LIMITED_CODE } from '@gatehouse/gateway-core';
import { renderPrometheusMetrics } from '@gatehouse/telemetry';
import {
  startGatewayHarness,
  type GatewayHarness,
  type TestCaller,
} from './support/gateway-harness';
import { connectClient } from './support/mcp-client';
import { rawMcp, rawSession } from './support/raw-mcp';

const LIMITS = {
  rules: [
    {
      name: 'echo-per-person',
      per: ['person'],
      match: { upstream: 'alpha', tool: 'echo' },
      rate: { requests: 3, windowSeconds: 3600 },
    },
    { name: 'slow-in-flight', per: ['person'], match: { tool: 'slow' }, concurrent: 2 },
  ],
  quotas: { person: { daily: 5 } },
};

async function refusal(call: Promise<unknown>): Promise<McpError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof McpError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !condition(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

describe('rate limits, concurrency limits and quotas across two replicas', () => {
  let h: GatewayHarness;
  const clients: Client[] = [];
  const connect = async (replica: number, caller: TestCaller) => {
    const { client } = await connectClient(h.gateways[replica]!.url, caller.token);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 2 });
    await h.runtimes[0]!.repos.limits.put(h.tenant.id, LIMITS);
    await h.runtimes[0]!.bus.publish(BusChannels.tenantConfigChanged, { tenantId: h.tenant.id });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await h.close();
  });

  it('refuses on replica B a person who used up a rate limit on replica A; the upstream never sees it', async () => {
    const caller = await h.addCaller(['member']);
    const onA = await connect(0, caller);
    const onB = await connect(1, caller);
    const before = h.upstreams.alpha.callCounts.get('echo') ?? 0;
    for (let i = 0; i < 3; i++) {
      await onA.callTool({ name: 'alpha__echo', arguments: { text: `call ${i}` } });
    }
    const error = await refusal(onB.callTool({ name: 'alpha__echo', arguments: { text: 'four' } }));
    expect(error.code).toBe(RATE_LIMITED_CODE);
    expect(error.message).toMatch(
      /rate limit "echo-per-person" reached for person .*retry in \d+ s/,
    );
    expect(error.data).toMatchObject({
      code: 'rate_limited',
      limit: 'echo-per-person',
      kind: 'rate',
      scope: { person: caller.person.id },
      retryAfterSeconds: expect.any(Number),
      retryAt: expect.any(String),
    });
    expect((error.data as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
    expect(h.upstreams.alpha.callCounts.get('echo')).toBe(before + 3);

    // Per person: somebody else still gets through.
    const other = await connect(1, await h.addCaller(['member']));
    await other.callTool({ name: 'alpha__echo', arguments: { text: 'mine' } });
    expect(h.upstreams.alpha.callCounts.get('echo')).toBe(before + 4);

    await until('the audit event of the refusal', () =>
      h.audit.events.some((e) => e.personId === caller.person.id && e.outcome === 'denied'),
    );
    const refused = h.audit.events.filter(
      (e) => e.personId === caller.person.id && e.method === 'tools/call' && e.outcome === 'denied',
    );
    expect(refused).toEqual([
      expect.objectContaining({ tool: 'echo', upstream: 'alpha', errorCode: RATE_LIMITED_CODE }),
    ]);
    expect(await renderPrometheusMetrics()).toMatch(
      /gatehouse_limits_refused_total\{[^}]*gatehouse_limits_limit="echo-per-person"[^}]*\} [1-9]/,
    );
  });

  it('refuses a third slow call while two are in flight, and admits one when a slot frees', async () => {
    const caller = await h.addCaller(['member']);
    const onA = await connect(0, caller);
    const onB = await connect(1, caller);
    const before = h.upstreams.beta.callCounts.get('slow') ?? 0;
    const slowArgs = { steps: 1, delayMs: 4000 };
    const first = onA.callTool({ name: 'beta__slow', arguments: slowArgs });
    const second = onB.callTool({ name: 'beta__slow', arguments: slowArgs });
    await until(
      'both slow calls at the upstream',
      () => h.upstreams.beta.callCounts.get('slow') === before + 2,
    );
    const error = await refusal(onB.callTool({ name: 'beta__slow', arguments: slowArgs }));
    expect(error.code).toBe(RATE_LIMITED_CODE);
    expect(error.data).toMatchObject({ limit: 'slow-in-flight', kind: 'concurrent' });
    expect(h.upstreams.beta.callCounts.get('slow')).toBe(before + 2);
    await Promise.all([first, second]);
    await onA.callTool({ name: 'beta__slow', arguments: { steps: 1, delayMs: 0 } });
    expect(h.upstreams.beta.callCounts.get('slow')).toBe(before + 3);
  }, 60_000);

  it('refuses the call over the daily quota until midnight UTC', async () => {
    const caller = await h.addCaller(['member']);
    const onA = await connect(0, caller);
    const onB = await connect(1, caller);
    const before = h.upstreams.alpha.callCounts.get('add') ?? 0;
    for (let i = 0; i < 5; i++) {
      await (i % 2 ? onA : onB).callTool({ name: 'alpha__add', arguments: { a: i, b: 1 } });
    }
    const error = await refusal(onA.callTool({ name: 'alpha__add', arguments: { a: 1, b: 1 } }));
    expect(error.data).toMatchObject({
      code: 'rate_limited',
      limit: 'quota:person:daily',
      kind: 'quota',
      scope: { person: caller.person.id },
    });
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    expect((error.data as { retryAt: string }).retryAt).toBe(midnight.toISOString());
    expect(h.upstreams.alpha.callCounts.get('add')).toBe(before + 5);
  });

  it('answers 429 with Retry-After on any replica once a token used up its request rate', async () => {
    const { tenant, member } = await h.addTenant('request-limited', {
      alpha: h.upstreams.alpha.url,
    });
    await h.runtimes[0]!.repos.limits.put(tenant.id, {
      rules: [
        {
          name: 'requests-per-token',
          appliesTo: 'requests',
          per: ['token'],
          rate: { requests: 4, windowSeconds: 3600 },
        },
      ],
    });
    const [a, b] = h.gateways.map((g) => g.url) as [string, string];
    // initialize and notifications/initialized on A, then tools/list on B and ping on A.
    const { session, version } = await rawSession(a, member.token);
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
    expect((await rawMcp(b, list, { token: member.token, session, version })).status).toBe(200);
    const ping = { jsonrpc: '2.0', id: 3, method: 'ping' };
    expect((await rawMcp(a, ping, { token: member.token, session, version })).status).toBe(200);
    for (const url of [b, a]) {
      const refused = await rawMcp(url, list, { token: member.token, session, version });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.json.error?.data?.code).toBe('rate_limited');
      expect(refused.json.error?.message).toMatch(/"requests-per-token" reached for token/);
    }
  });

  it('limits by risk level: destructive tools only', async () => {
    const { tenant, member } = await h.addTenant('risk-limited', { alpha: h.upstreams.alpha.url });
    await h.runtimes[0]!.repos.limits.put(tenant.id, {
      rules: [
        {
          name: 'destructive-per-person',
          per: ['person'],
          match: { risk: ['destructive'] },
          rate: { requests: 1, windowSeconds: 3600 },
        },
      ],
    });
    const client = (await connectClient(h.gateways[1]!.url, member.token)).client;
    clients.push(client);
    await client.callTool({ name: 'alpha__delete_everything', arguments: {} });
    const error = await refusal(
      client.callTool({ name: 'alpha__delete_everything', arguments: {} }),
    );
    expect(error.data).toMatchObject({ limit: 'destructive-per-person', kind: 'rate' });
    // echo is read-only (trusted annotations): not counted.
    for (let i = 0; i < 3; i++)
      await client.callTool({ name: 'alpha__echo', arguments: { text: 'r' } });
  });
});
