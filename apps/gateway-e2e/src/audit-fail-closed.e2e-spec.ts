import { randomUUID } from 'node:crypto';
import { createAuditSink } from '@gatehouse/gateway-adapters';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { connectClient } from './support/mcp-client';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

const textOf = (result: unknown) =>
  ((result as CallToolResult).content[0] as { text: string }).text;

describe('audit trail is required for tool calls (fail closed)', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 1 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('refuses tool calls with 503 when the audit stream is unreachable, unless the tenant opts for fail-open', async () => {
    // The real Redis-stream sink, pointed at a port where no Redis listens.
    const broken = createAuditSink(h.runtimes[0]!, 'redis://127.0.0.1:1');
    const original = { acceptsCalls: h.audit.acceptsCalls.bind(h.audit) };
    h.audit.acceptsCalls = (tenantId: string) => broken.acceptsCalls(tenantId);
    try {
      const { client } = await connectClient(h.gateways[0]!.url, h.admin.token);
      const before = h.upstreams.alpha.callCounts.get('echo') ?? 0;
      await expect(
        client.callTool({ name: 'alpha__echo', arguments: { text: 'x' } }),
      ).rejects.toThrow(/503|audit trail/);
      expect(h.upstreams.alpha.callCounts.get('echo') ?? 0).toBe(before);
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);

      const tenants = h.runtimes[0]!.repos.tenants;
      const optedOut = await tenants.create({
        slug: `open-${randomUUID().slice(0, 8)}`,
        name: 'fail-open',
        settings: { auditFailOpen: true },
      });
      expect(await broken.acceptsCalls(optedOut.id)).toBe(true);
      expect(await broken.acceptsCalls(h.tenant.id)).toBe(false);
      await client.close();
    } finally {
      h.audit.acceptsCalls = original.acceptsCalls;
      await broken.close();
    }
    const { client } = await connectClient(h.gateways[0]!.url, h.admin.token);
    expect(
      textOf(await client.callTool({ name: 'alpha__echo', arguments: { text: 'back' } })),
    ).toBe('back');
    await client.close();
  });
});
