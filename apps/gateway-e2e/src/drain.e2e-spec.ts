import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { connectClient, roundRobinFetch } from './support/mcp-client';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

const textOf = (result: unknown) =>
  ((result as CallToolResult).content[0] as { text: string }).text;

describe('graceful drain of a replica (what SIGTERM runs)', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 2 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('lets an in-flight slow call finish while the replica shuts down; the session goes on on the other replica', async () => {
    const [a, b] = h.gateways.map((g) => g.url) as [string, string];
    // Every request of this client goes to replica A until A is gone, then to B.
    let aAlive = true;
    const fetchOne = roundRobinFetch([a]);
    const fetchOther = roundRobinFetch([b]);
    const { client } = await connectClient(a, h.admin.token, {
      fetch: (input, init) => (aAlive ? fetchOne(input, init) : fetchOther(input, init)),
    });
    const progress: number[] = [];
    const call = client.callTool(
      { name: 'alpha__slow', arguments: { steps: 5, delayMs: 200 } },
      undefined,
      {
        onprogress: (p) => progress.push(p.progress),
      },
    );
    await new Promise((r) => setTimeout(r, 300));
    const closing = h.gateways[0]!.close();
    // New connections are refused while A drains; the load balancer sends them to B.
    aAlive = false;
    expect(textOf(await call)).toBe('completed 5 steps');
    expect(progress).toEqual([1, 2, 3, 4, 5]);
    await closing;
    expect(textOf(await client.callTool({ name: 'beta__echo', arguments: { text: 'on B' } }))).toBe(
      'on B',
    );
    await client.close();
    h.gateways.splice(0, 1);
  });
});
