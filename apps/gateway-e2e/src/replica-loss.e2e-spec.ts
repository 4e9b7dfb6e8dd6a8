import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { failoverFetch, startGatewayProcess, type GatewayProcess } from './support/gateway-process';
import { connectClient } from './support/mcp-client';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

const textOf = (result: unknown) =>
  ((result as CallToolResult).content[0] as { text: string }).text;

describe('replica loss (separate gateway processes on one Redis)', () => {
  let h: GatewayHarness;
  let replicas: GatewayProcess[];
  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 0 });
    replicas = await Promise.all([startGatewayProcess(h.env), startGatewayProcess(h.env)]);
  }, 90_000);
  afterAll(async () => {
    for (const r of replicas ?? []) r.child.kill('SIGKILL');
    await h.close();
  });

  it('keeps an idle session usable after the replica that served it is killed with SIGKILL', async () => {
    const [a, b] = replicas as [GatewayProcess, GatewayProcess];
    const { client } = await connectClient(a.url, h.admin.token, {
      fetch: failoverFetch([a.url, b.url]),
    });
    expect(
      textOf(await client.callTool({ name: 'alpha__echo', arguments: { text: 'before' } })),
    ).toBe('before');
    a.child.kill('SIGKILL');
    await new Promise((resolve) => a.child.once('exit', resolve));
    for (let i = 0; i < 3; i++) {
      expect(
        textOf(await client.callTool({ name: 'beta__echo', arguments: { text: `after ${i}` } })),
      ).toBe(`after ${i}`);
    }
    const progress: number[] = [];
    await client.callTool(
      { name: 'alpha__slow', arguments: { steps: 2, delayMs: 20 } },
      undefined,
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(progress).toEqual([1, 2]);
    await client.close();
  });

  it('drains on SIGTERM: the process exits 0 after its in-flight call completes', async () => {
    const b = replicas[1]!;
    const { client } = await connectClient(b.url, h.admin.token);
    const call = client.callTool({ name: 'alpha__slow', arguments: { steps: 4, delayMs: 200 } });
    await new Promise((r) => setTimeout(r, 300));
    const exited = new Promise<number | null>((resolve) =>
      b.child.once('exit', (code) => resolve(code)),
    );
    b.child.kill('SIGTERM');
    expect(textOf(await call)).toBe('completed 4 steps');
    expect(await exited).toBe(0);
  });
});
