import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { connectClient, roundRobinFetch } from './support/mcp-client';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

const textOf = (result: unknown) =>
  ((result as CallToolResult).content[0] as { text: string }).text;

describe('MCP lifecycle through the gateway (official SDK client)', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('aggregates every upstream on /mcp: tools, prompts, resources, templates, completion, logging', async () => {
    const { client, transport } = await connectClient(h.gateways[0]!.url, h.admin.token);
    expect(client.getServerVersion()?.name).toBe('gatehouse');
    expect(client.getServerCapabilities()).toMatchObject({
      tools: {},
      prompts: {},
      resources: { subscribe: true },
    });

    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toEqual(
      expect.arrayContaining(['alpha__echo', 'beta__echo', 'alpha__add', 'beta__slow']),
    );
    expect(textOf(await client.callTool({ name: 'alpha__echo', arguments: { text: 'hi' } }))).toBe(
      'hi',
    );
    expect(textOf(await client.callTool({ name: 'beta__add', arguments: { a: 2, b: 3 } }))).toBe(
      '5',
    );
    expect(h.upstreams.beta.callCounts.get('add')).toBe(1);
    // The client's token stays at the gateway; upstreams never see it.
    const seen = Object.values(h.upstreams).flatMap((u) =>
      u.receivedHeaders.map((r) => JSON.stringify(r.headers)),
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(
      seen.some((headers) => headers.includes(h.admin.token) || headers.includes('authorization')),
    ).toBe(false);

    const failed = (await client.callTool({
      name: 'alpha__fail',
      arguments: { message: 'nope' },
    })) as CallToolResult;
    expect(failed.isError).toBe(true);
    // The SDK's server turns a throwing tool into an error result; the gateway relays it as is.
    const boom = (await client.callTool({ name: 'alpha__boom', arguments: {} })) as CallToolResult;
    expect(boom.isError).toBe(true);
    expect(textOf(boom)).toMatch(/boom/);
    await expect(client.callTool({ name: 'gamma__echo', arguments: {} })).rejects.toThrow(
      /Unknown tool/,
    );

    const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
    expect(prompts).toEqual(expect.arrayContaining(['alpha__greet', 'beta__greet']));
    const prompt = await client.getPrompt({ name: 'beta__greet', arguments: { name: 'Ada' } });
    expect(prompt.messages[0]?.content).toMatchObject({ text: 'Hello, Ada!' });

    const resources = (await client.listResources()).resources.map((r) => r.uri);
    expect(resources).toEqual(
      expect.arrayContaining(['fixture://alpha/readme', 'fixture://beta/readme']),
    );
    const readme = await client.readResource({ uri: 'fixture://beta/readme' });
    expect(readme.contents[0]).toMatchObject({ text: 'readme of beta' });
    const templates = (await client.listResourceTemplates()).resourceTemplates.map(
      (t) => t.uriTemplate,
    );
    expect(templates).toEqual(expect.arrayContaining(['fixture://alpha/items/{id}']));
    const item = await client.readResource({ uri: 'fixture://alpha/items/7' });
    expect(item.contents[0]).toMatchObject({ text: 'item 7 of alpha' });
    await client.subscribeResource({ uri: 'fixture://alpha/readme' });

    const completion = await client.complete({
      ref: { type: 'ref/prompt', name: 'alpha__greet' },
      argument: { name: 'name', value: '' },
    });
    expect(completion.completion.values.length).toBeGreaterThan(0);
    await client.setLoggingLevel('info');
    await client.ping();

    await transport.terminateSession();
    await client.close();
  });

  it('relays progress notifications of a slow tool as they happen', async () => {
    const { client } = await connectClient(h.gateways[0]!.url, h.admin.token);
    const progress: number[] = [];
    const result = await client.callTool(
      { name: 'alpha__slow', arguments: { steps: 3, delayMs: 50 } },
      undefined,
      {
        onprogress: (p) => progress.push(p.progress),
      },
    );
    expect(textOf(result)).toBe('completed 3 steps');
    expect(progress).toEqual([1, 2, 3]);
    await client.close();
  });

  it('relays sampling, elicitation and roots requests from an upstream to the client', async () => {
    const { client } = await connectClient(h.gateways[0]!.url, h.admin.token, {
      fetch: roundRobinFetch(h.gateways.map((g) => g.url)),
    });
    expect(
      textOf(await client.callTool({ name: 'alpha__sample', arguments: { prompt: 'say hi' } })),
    ).toContain('sampled');
    expect(
      textOf(await client.callTool({ name: 'beta__elicit', arguments: { message: 'answer?' } })),
    ).toBe('forty-two');
    expect(textOf(await client.callTool({ name: 'alpha__roots', arguments: {} }))).toContain(
      'file:///work',
    );
    await client.close();
  });

  it('passes one upstream through on /mcp/:upstream with its own names', async () => {
    const { client } = await connectClient(h.gateways[1]!.url, h.admin.token, {
      path: '/mcp/beta',
    });
    expect(client.getServerVersion()?.name).toBe('fixture-beta');
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toContain('echo');
    expect(tools).not.toContain('alpha__echo');
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'direct' } }))).toBe(
      'direct',
    );
    await client.close();
  });

  it('continues a session on any replica: initialize on A, list/call/progress on B, back on A, delete', async () => {
    const urls = h.gateways.map((g) => g.url);
    const { client, transport } = await connectClient(urls[0]!, h.admin.token, {
      fetch: roundRobinFetch(urls),
    });
    for (let i = 0; i < 3; i++) {
      expect((await client.listTools()).tools.length).toBeGreaterThan(4);
      expect(
        textOf(await client.callTool({ name: 'beta__echo', arguments: { text: `round ${i}` } })),
      ).toBe(`round ${i}`);
      const progress: number[] = [];
      await client.callTool(
        { name: 'alpha__slow', arguments: { steps: 2, delayMs: 10 } },
        undefined,
        { onprogress: (p) => progress.push(p.progress) },
      );
      expect(progress).toEqual([1, 2]);
    }
    const sessionId = transport.sessionId!;
    await transport.terminateSession();
    const after = await fetch(`${urls[1]}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${h.admin.token}`,
        accept: 'application/json, text/event-stream',
        'content-type': 'application/json',
        'mcp-session-id': sessionId,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(after.status).toBe(404);
  });

  it('re-initialises an upstream that lost its sessions (restart) and the call still succeeds', async () => {
    const { client } = await connectClient(h.gateways[0]!.url, h.admin.token);
    expect(
      textOf(await client.callTool({ name: 'alpha__echo', arguments: { text: 'before' } })),
    ).toBe('before');
    await h.upstreams.alpha.restart();
    expect(
      textOf(await client.callTool({ name: 'alpha__echo', arguments: { text: 'after' } })),
    ).toBe('after');
    await client.close();
  });

  it('serves 50 sessions in parallel without cross-talk', async () => {
    const urls = h.gateways.map((g) => g.url);
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const { client } = await connectClient(urls[i % 2]!, h.member.token, {
          fetch: roundRobinFetch(urls),
        });
        const texts: string[] = [];
        for (let j = 0; j < 3; j++)
          texts.push(
            textOf(
              await client.callTool({ name: 'alpha__echo', arguments: { text: `s${i}-c${j}` } }),
            ),
          );
        await client.close();
        return texts;
      }),
    );
    results.forEach((texts, i) => expect(texts).toEqual([`s${i}-c0`, `s${i}-c1`, `s${i}-c2`]));
  });
});
