import { BusChannels } from '@gatehouse/bus';
import { startFixtureUpstream, type FixtureUpstream } from '@gatehouse/testing';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { connectClient } from './support/mcp-client';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

describe('upstream credentials', () => {
  let h: GatewayHarness;
  let locked: FixtureUpstream;
  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 1 });
    locked = await startFixtureUpstream({ name: 'locked', requireBearer: 'upstream-secret' });
  });
  afterAll(async () => {
    await locked.close();
    await h.close();
  });

  it('injects the upstream credentials stored encrypted, never the client token', async () => {
    const runtime = h.runtimes[0]!;
    const credentials = runtime.secrets.seal(JSON.stringify({ bearerToken: 'upstream-secret' }));
    await runtime.repos.upstreams.create(h.tenant.id, {
      slug: 'locked',
      name: 'locked',
      url: locked.url,
      credentials,
    });
    const stored = await runtime.repos.upstreams.findBySlug(h.tenant.id, 'locked');
    expect(stored?.credentials).not.toContain('upstream-secret');
    await runtime.bus.publish(BusChannels.tenantConfigChanged, { tenantId: h.tenant.id });
    await new Promise((r) => setTimeout(r, 100));

    const { client } = await connectClient(h.gateways[0]!.url, h.admin.token);
    const result = (await client.callTool({
      name: 'locked__echo',
      arguments: { text: 'let me in' },
    })) as CallToolResult;
    expect((result.content[0] as { text: string }).text).toBe('let me in');
    const authorizations = locked.receivedHeaders.map((r) => r.headers.authorization);
    expect(authorizations.every((a) => a === 'Bearer upstream-secret')).toBe(true);
    await client.close();
  });
});
