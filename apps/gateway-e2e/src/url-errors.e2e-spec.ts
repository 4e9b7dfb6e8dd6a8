import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

interface JsonRpcError {
  jsonrpc: string;
  id: null;
  error: { code: number; message: string; data: { code: string } };
}

describe("Fastify's URL errors on /mcp are JSON-RPC errors", () => {
  let h: GatewayHarness;
  let url: string;
  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 1 });
    url = h.gateways[0]!.url;
  });
  afterAll(async () => {
    await h.close();
  });

  const send = async (method: string, path: string) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${h.admin.token}`,
        accept: 'application/json, text/event-stream',
        'content-type': 'application/json',
      },
      ...(method === 'POST' ? { body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' } : {}),
    });
    return { status: response.status, body: (await response.json()) as JsonRpcError };
  };

  it.each(['POST', 'GET', 'DELETE'])(
    '%s with an invalid percent-escape gets 400 and a JSON-RPC error',
    async (method) => {
      for (const path of ['/mcp/%ff', '/mcp/%ED%A0%80', '/mcp/a%']) {
        const { status, body } = await send(method, path);
        expect(status).toBe(400);
        expect(body).toEqual({
          jsonrpc: '2.0',
          id: null,
          error: {
            code: -32600,
            message: expect.stringContaining('percent-escape'),
            data: expect.objectContaining({ code: 'invalid_url' }),
          },
        });
      }
    },
  );

  it('a path segment over the router limit (414) or a URL over the header limit (431) gets a JSON-RPC error', async () => {
    const { status, body } = await send('POST', `/mcp/${'u'.repeat(500)}`);
    expect(status).toBe(414);
    expect(body).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, data: { code: 'uri_too_long' } },
    });
    const huge = await send('GET', `/mcp?x=${'q'.repeat(70_000)}`);
    expect(huge.status).toBe(431);
    expect(huge.body).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, data: { code: 'headers_too_large' } },
    });
    // A segment within the limit reaches the route (refused there for want of a session).
    const routed = await send('POST', `/mcp/${'u'.repeat(40)}`);
    expect(routed.status).toBe(400);
    expect(routed.body.error.data.code).toBe('session_required');
  });
});
