import { rawMcp, rawSession } from './support/raw-mcp';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

/** Opens a GET stream and resolves with its status once the gateway ends it. */
async function openGetStream(url: string, token: string, session: string, version: string) {
  const response = await fetch(`${url}/mcp`, {
    headers: {
      accept: 'text/event-stream',
      authorization: `Bearer ${token}`,
      'mcp-session-id': session,
      'mcp-protocol-version': version,
    },
  });
  const reader = response.body!.getReader();
  const ended = (async () => {
    for (;;) if ((await reader.read()).done) return 'ended';
  })();
  return { status: response.status, ended };
}

describe('GET streams end with their session', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 2 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('ends the GET stream on one replica when the session is deleted on another', async () => {
    const [a, b] = h.gateways.map((g) => g.url) as [string, string];
    const { session, version } = await rawSession(a, h.member.token);
    const stream = await openGetStream(a, h.member.token, session, version);
    // The headers arrive before any event (the stream may stay silent for a long time).
    expect(stream.status).toBe(200);
    const deleted = await rawMcp(b, undefined, {
      method: 'DELETE',
      token: h.member.token,
      session,
      version,
    });
    expect(deleted.status).toBe(200);
    await expect(stream.ended).resolves.toBe('ended');
    // 10 s: the periodic check (every 15 s) cannot be what ended it, only the bus message.
  }, 10_000);

  it('ends the GET stream of a session that vanished from the store, at the next check', async () => {
    const [a] = h.gateways.map((g) => g.url) as [string];
    const { session, version } = await rawSession(a, h.member.token);
    const stream = await openGetStream(a, h.member.token, session, version);
    // Gone without a DELETE, like after a Redis restart or an expiry.
    await h.runtimes[0]!.sessions.delete(session);
    await expect(stream.ended).resolves.toBe('ended');
    const again = await fetch(`${a}/mcp`, {
      headers: {
        accept: 'text/event-stream',
        authorization: `Bearer ${h.member.token}`,
        'mcp-session-id': session,
        'mcp-protocol-version': version,
      },
    });
    expect(again.status).toBe(404);
  }, 30_000);
});
