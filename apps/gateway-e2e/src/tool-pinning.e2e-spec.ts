import { BusChannels } from '@gatehouse/bus';
import { connectClient } from './support/mcp-client';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

describe('tool pinning', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 1 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('pins definitions at first sight, flags a changed one, hides it when the tenant says so, and shows it again once accepted', async () => {
    const { repos, bus } = h.runtimes[0]!;
    const { client } = await connectClient(h.gateways[0]!.url, h.admin.token);
    const names = (await client.listTools()).tools.map((t) => t.name);
    const pins = await repos.toolPins.listForTenant(h.tenant.id);
    expect(pins.length).toBe(names.length);
    expect(
      pins.every((p) => p.status === 'pinned' && /^[0-9a-f]{64}$/.test(p.definitionHash)),
    ).toBe(true);

    // The upstream now describes `echo` differently from what was pinned (as a rug pull would).
    const alpha = (await repos.upstreams.findBySlug(h.tenant.id, 'alpha'))!;
    const echo = (await repos.toolPins.findByTool(h.tenant.id, alpha.id, 'echo'))!;
    await h.db.prisma.toolPin.update({
      where: { id: echo.id },
      data: { definitionHash: 'f'.repeat(64) },
    });
    await repos.tenants.update(h.tenant.id, { settings: { hideChangedTools: true } });
    await bus.publish(BusChannels.tenantConfigChanged, { tenantId: h.tenant.id });
    await new Promise((r) => setTimeout(r, 200));

    const visible = (await client.listTools()).tools.map((t) => t.name);
    expect(visible).not.toContain('alpha__echo');
    expect(visible).toContain('beta__echo');
    const flagged = (await repos.toolPins.findByTool(h.tenant.id, alpha.id, 'echo'))!;
    expect(flagged.status).toBe('changed');
    expect(flagged.pendingHash).toMatch(/^[0-9a-f]{64}$/);
    const before = h.upstreams.alpha.callCounts.get('echo') ?? 0;
    await expect(
      client.callTool({ name: 'alpha__echo', arguments: { text: 'x' } }),
    ).rejects.toThrow(/changed since it was pinned/);
    expect(h.upstreams.alpha.callCounts.get('echo') ?? 0).toBe(before);

    await repos.toolPins.accept(h.tenant.id, flagged.id, h.admin.person.id);
    await bus.publish(BusChannels.tenantConfigChanged, { tenantId: h.tenant.id });
    await new Promise((r) => setTimeout(r, 200));
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('alpha__echo');
    await client.close();
  });
});
