import { rawSession } from './support/raw-mcp';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

/**
 * The client address in audit events (and failed-auth rate limits) must not be whatever the
 * client writes into X-Forwarded-For: the header is believed only from proxies named in
 * TRUST_PROXY.
 */
describe('client address and X-Forwarded-For', () => {
  async function auditedAddress(h: GatewayHarness, forwardedFor: string): Promise<string> {
    const url = h.gateways[0]!.url;
    const { session, version } = await rawSession(url, h.admin.token);
    const before = h.audit.events.length;
    const response = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${h.admin.token}`,
        accept: 'application/json, text/event-stream',
        'content-type': 'application/json',
        'mcp-session-id': session,
        'mcp-protocol-version': version,
        'x-forwarded-for': forwardedFor,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'alpha__echo', arguments: { text: 'hi' } },
      }),
    });
    expect(response.status).toBe(200);
    await response.text();
    const event = h.audit.events.slice(before).find((e) => e.method === 'tools/call');
    expect(event).toBeDefined();
    return event!.clientAddress ?? '';
  }

  it('ignores X-Forwarded-For by default: the address is the TCP peer', async () => {
    const h = await startGatewayHarness({ replicas: 1 });
    try {
      expect(await auditedAddress(h, '203.0.113.9')).toBe('127.0.0.1');
    } finally {
      await h.close();
    }
  });

  it('believes X-Forwarded-For from a proxy listed in TRUST_PROXY, and only the hop it adds', async () => {
    const h = await startGatewayHarness({ replicas: 1, env: { TRUST_PROXY: '127.0.0.1' } });
    try {
      expect(await auditedAddress(h, '203.0.113.9')).toBe('203.0.113.9');
      // A client-written entry before the trusted proxy's own is not taken at face value.
      expect(await auditedAddress(h, '198.51.100.7, 203.0.113.9')).toBe('203.0.113.9');
    } finally {
      await h.close();
    }
  });
});
