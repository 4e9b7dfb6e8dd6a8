import { Redis } from 'ioredis';
import { startModernFixtureUpstream, type ModernFixtureUpstream } from '@gatehouse/testing';
import { connectClient, roundRobinFetch } from './support/mcp-client';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

jest.setTimeout(60_000);

/** 2025 clients (v1 SDK) reaching upstreams that speak MCP 2026-07-28 (v2 server SDK). */
describe('2025 clients and 2026-07-28 upstreams', () => {
  let h: GatewayHarness;
  let modernOnly: ModernFixtureUpstream;
  let dualEra: ModernFixtureUpstream;
  let member: { token: string };
  let tenantId: string;

  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 2 });
    modernOnly = await startModernFixtureUpstream({ name: 'modern', mode: 'modern-only' });
    dualEra = await startModernFixtureUpstream({ name: 'dual', mode: 'dual-era' });
    const added = await h.addTenant('eras', {
      modern: modernOnly.url,
      dual: dualEra.url,
      legacy: h.upstreams.alpha.url,
    });
    member = added.member;
    tenantId = added.tenant.id;
  });
  afterAll(async () => {
    await h?.close();
    await modernOnly?.close();
    await dualEra?.close();
  });

  it('lists and calls tools of a modern-only upstream through /mcp, next to a legacy one, on both replicas', async () => {
    const urls = h.gateways.map((g) => g.url);
    const { client } = await connectClient(urls[0]!, member.token, {
      fetch: roundRobinFetch(urls),
    });
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['modern__echo', 'dual__echo', 'legacy__echo']));
    const result = await client.callTool({
      name: 'modern__echo',
      arguments: { text: 'across eras' },
    });
    expect(result.content).toEqual([{ type: 'text', text: 'across eras' }]);
    expect(modernOnly.callCounts.get('echo')).toBe(1);

    const call = modernOnly.received.find(
      (r) => (r.body as { method?: string } | undefined)?.method === 'tools/call',
    );
    // The un-prefixed name in the header and body, the caller's envelope, no session.
    expect(call?.headers['mcp-name']).toBe('echo');
    expect(call?.headers['mcp-method']).toBe('tools/call');
    expect(call?.headers['mcp-session-id']).toBeUndefined();
    const meta = (call?.body as { params: { _meta: Record<string, unknown> } }).params._meta;
    expect(meta['io.modelcontextprotocol/clientInfo']).toEqual({
      name: 'e2e-client',
      version: '1.0.0',
    });
    expect(meta['io.modelcontextprotocol/clientCapabilities']).toMatchObject({ elicitation: {} });
    await client.close();
  });

  it('relays a modern upstream through /mcp/:upstream, with progress', async () => {
    const { client } = await connectClient(h.gateways[1]!.url, member.token, {
      path: '/mcp/modern',
    });
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([
      'confirm',
      'echo',
      'slow',
    ]);
    const progress: number[] = [];
    const result = await client.callTool({ name: 'slow', arguments: { steps: 3 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(result.content).toEqual([{ type: 'text', text: 'done after 3 steps' }]);
    expect(progress).toEqual([1, 2, 3]);
    await client.close();
  });

  it('probes each upstream once and keeps the verdict in Redis for every replica', async () => {
    const probes = (u: ModernFixtureUpstream) =>
      u.received.filter(
        (r) => (r.body as { method?: string } | undefined)?.method === 'server/discover',
      ).length;
    expect(probes(modernOnly)).toBe(1);
    const redis = new Redis(h.env['REDIS_URL']!);
    try {
      const keys = await redis.keys(`${h.env['REDIS_KEY_PREFIX']}upstream-era:${tenantId}:*`);
      const records = await Promise.all(keys.map(async (k) => JSON.parse((await redis.get(k))!)));
      expect(records.map((r: { era: string }) => r.era).sort()).toEqual([
        'legacy',
        'modern',
        'modern',
      ]);
    } finally {
      redis.disconnect();
    }
  });

  it('turns an input_required answer into a clear error for a 2025 client (cross-era bridge is issue 19)', async () => {
    const { client } = await connectClient(h.gateways[0]!.url, member.token, {
      path: '/mcp/modern',
    });
    const outcome = await client
      .callTool({ name: 'confirm', arguments: { what: 'deploy' } })
      .catch((e: unknown) => e);
    expect(String(outcome)).toMatch(/input_required.*cross-era bridge/);
    await client.close();
  });

  it('records an upstream that refuses every era as unhealthy, with its last error, for the admin API', async () => {
    const refuser = await startModernFixtureUpstream({
      name: 'refuser',
      mode: 'modern-only',
      failWith: 400,
    });
    try {
      const added = await h.addTenant('refusing', { refuser: refuser.url, modern: modernOnly.url });
      const { client } = await connectClient(h.gateways[0]!.url, added.member.token);
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('modern__echo');
      expect(names.some((n) => n.startsWith('refuser__'))).toBe(false);
      await client.close();
      const [upstream] = (
        await h.runtimes[1]!.repos.upstreams.list(added.tenant.id, { limit: 10 })
      ).items.filter((u) => u.slug === 'refuser');
      const record = await h.runtimes[1]!.eras.get(added.tenant.id, upstream!.id);
      expect(record).toMatchObject({
        era: 'unknown',
        lastError: expect.stringContaining('HTTP 400'),
      });
    } finally {
      await refuser.close();
    }
  });
});
