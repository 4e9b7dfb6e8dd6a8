import { BusChannels } from '@gatehouse/bus';
import { rawMcp, rawSession } from './support/raw-mcp';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

/**
 * Each replica keeps initialized sessions in memory (SESSION_CACHE_MS). The cache window here is
 * a minute, so every assertion below holds only because changes are announced on the bus, not
 * because a copy aged out.
 */
describe('session cache across replicas', () => {
  let h: GatewayHarness;
  let a: string;
  let b: string;
  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 2, env: { SESSION_CACHE_MS: '60000' } });
    [a, b] = h.gateways.map((g) => g.url) as [string, string];
  }, 60_000);
  afterAll(() => h.close());

  const echo = (url: string, token: string, session: string, version: string, text: string) =>
    rawMcp(
      url,
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'alpha__echo', arguments: { text } },
      },
      { token, session, version },
    );
  const resultText = (response: Awaited<ReturnType<typeof rawMcp>>) =>
    (response.json as unknown as { result?: { content: { text: string }[] } }).result?.content[0]
      ?.text;

  it('a session deleted on one replica is gone on the other at once, though it had it cached', async () => {
    for (let round = 0; round < 20; round++) {
      const { session, version } = await rawSession(a, h.admin.token);
      // B loads the session (and keeps it) by serving two calls.
      for (const text of ['one', 'two']) {
        expect(resultText(await echo(b, h.admin.token, session, version, text))).toBe(text);
      }
      const deleted = await rawMcp(a, undefined, {
        method: 'DELETE',
        token: h.admin.token,
        session,
        version,
      });
      expect(deleted.status).toBe(200);
      const after = await echo(b, h.admin.token, session, version, 'three');
      expect(after.status).toBe(404);
    }
  });

  it('an admin termination (store delete + session:terminated) ends a cached session', async () => {
    const { session, version } = await rawSession(a, h.admin.token);
    expect(resultText(await echo(a, h.admin.token, session, version, 'x'))).toBe('x');
    const runtime = h.runtimes[0]!;
    await runtime.sessions.delete(session);
    await runtime.bus.publish(BusChannels.sessionTerminated, {
      tenantId: h.tenant.id,
      sessionId: session,
    });
    // The bus is asynchronous: the replica drops its copy when the message arrives.
    let status = 200;
    for (let i = 0; i < 50 && status !== 404; i++) {
      status = (await echo(a, h.admin.token, session, version, 'y')).status;
      if (status !== 404) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(404);
  });

  it('an upstream session re-opened by one replica is the one the other replica uses next', async () => {
    const { session, version } = await rawSession(a, h.admin.token);
    expect(resultText(await echo(a, h.admin.token, session, version, 'a1'))).toBe('a1');
    expect(resultText(await echo(b, h.admin.token, session, version, 'b1'))).toBe('b1');
    await h.upstreams.alpha.dropAllSessions();
    // B finds its upstream session gone, opens a new one and announces the change...
    expect(resultText(await echo(b, h.admin.token, session, version, 'b2'))).toBe('b2');
    const reopened = h.upstreams.alpha.sessionCount();
    // ...so A, which cached the old one, continues on the new one instead of opening a third.
    expect(resultText(await echo(a, h.admin.token, session, version, 'a2'))).toBe('a2');
    expect(h.upstreams.alpha.sessionCount()).toBe(reopened);
  });
});
