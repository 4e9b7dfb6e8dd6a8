import { BusChannels } from '@gatehouse/bus';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startModernFixtureUpstream, type ModernFixtureUpstream } from '@gatehouse/testing';
import { SseReader } from './support/sse-reader';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

jest.setTimeout(60_000);

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'raw-modern', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

type Mode = 'auto' | { pin: string };

function modernClient(url: string, token: string, mode: Mode, fetchImpl?: typeof fetch) {
  const client = new Client(
    { name: 'v2-client', version: '2.0.0' },
    { versionNegotiation: { mode } },
  );
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
  return { client, transport };
}

/** One raw 2026-07-28 POST with the mirrored headers a conforming client sends (overridable). */
async function post(
  url: string,
  token: string,
  body: { method: string; params?: Record<string, unknown>; id?: number },
  headers: Record<string, string | undefined> = {},
) {
  const params = body.params ?? {};
  const all: Record<string, string | undefined> = {
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
    authorization: `Bearer ${token}`,
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': body.method,
    ...(typeof params['name'] === 'string' ? { 'mcp-name': params['name'] } : {}),
    ...headers,
  };
  const response = await fetch(url, {
    method: 'POST',
    headers: Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >,
    body: JSON.stringify({ jsonrpc: '2.0', id: body.id ?? 1, method: body.method, params }),
  });
  const raw = await response.text();
  // An SSE answer: its last data line is the final response.
  const text =
    raw.startsWith('event:') || raw.startsWith('data:') || raw.startsWith(':')
      ? (raw
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .at(-1)
          ?.slice(5) ?? '')
      : raw;
  return {
    status: response.status,
    headers: response.headers,
    json: (text ? JSON.parse(text) : undefined) as {
      result?: Record<string, unknown>;
      error?: { code: number; message: string; data?: Record<string, unknown> };
    },
  };
}

describe('2026-07-28 clients (v2 SDK) on /mcp and /mcp/:upstream', () => {
  let h: GatewayHarness;
  let modernOnly: ModernFixtureUpstream;
  let dualEra: ModernFixtureUpstream;
  let member: { token: string };
  let tenantId: string;
  let urls: string[];

  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 2 });
    modernOnly = await startModernFixtureUpstream({ name: 'modern', mode: 'modern-only' });
    dualEra = await startModernFixtureUpstream({ name: 'dual', mode: 'dual-era' });
    const added = await h.addTenant('modern-clients', {
      modern: modernOnly.url,
      dual: dualEra.url,
      legacy: h.upstreams.alpha.url,
    });
    member = added.member;
    tenantId = added.tenant.id;
    const policies = h.runtimes[0]!.repos.policies;
    await policies.create(tenantId, {
      name: 'no-forbidden-echo',
      effect: 'deny',
      subjects: ['*'],
      targets: { upstream: 'modern', tool: 'echo' },
      condition: "args.text == 'forbidden'",
    });
    await policies.create(tenantId, {
      name: 'dual-echo-needs-approval',
      effect: 'require_approval',
      subjects: ['*'],
      targets: { upstream: 'dual', tool: 'echo' },
    });
    urls = h.gateways.map((g) => g.url);
  });
  afterAll(async () => {
    await h?.close();
    await modernOnly?.close();
    await dualEra?.close();
  });

  it('a pinned client lists and calls a modern-only upstream through /mcp on replica A, then B, with no session', async () => {
    for (const url of urls) {
      const { client, transport } = modernClient(`${url}/mcp`, member.token, { pin: '2026-07-28' });
      await client.connect(transport);
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['modern__echo', 'modern__slow', 'dual__echo']));
      // A 2025 upstream needs the cross-era bridge (issue 19): left out, not silently broken.
      expect(names.some((n) => n.startsWith('legacy__'))).toBe(false);
      expect(names).toEqual([...names].sort());
      const result = await client.callTool({
        name: 'modern__echo',
        arguments: { text: `via ${url}` },
      });
      expect(result.content).toEqual([{ type: 'text', text: `via ${url}` }]);
      await client.close();
    }
    expect(modernOnly.callCounts.get('echo')).toBe(2);
    const sessions = await h.runtimes[0]!.sessions.listForTenant(tenantId, 100);
    expect(sessions.items).toHaveLength(0);
  });

  it('an auto-mode client negotiates 2026-07-28 through server/discover', async () => {
    const { client, transport } = modernClient(`${urls[1]}/mcp/modern`, member.token, 'auto');
    await client.connect(transport);
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual([
      'confirm',
      'echo',
      'slow',
    ]);
    await client.close();
  });

  it('answers server/discover with a complete, private result', async () => {
    const res = await post(`${urls[0]}/mcp`, member.token, {
      method: 'server/discover',
      params: { _meta: ENVELOPE },
    });
    expect(res.status).toBe(200);
    expect(res.json.result).toMatchObject({
      resultType: 'complete',
      supportedVersions: expect.arrayContaining(['2026-07-28', '2025-11-25']),
      capabilities: { tools: {} },
      cacheScope: 'private',
      ttlMs: 0,
      instructions: expect.any(String),
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'gatehouse' } },
    });
    expect(res.headers.get('mcp-session-id')).toBeNull();
  });

  it('lists tools as private, per person: a token scoped to one upstream sees only its tools', async () => {
    const scoped = await h.addCaller(['member'], ['mcp:call', 'upstream:dual'], tenantId);
    const all = await post(`${urls[0]}/mcp`, member.token, {
      method: 'tools/list',
      params: { _meta: ENVELOPE },
    });
    const mine = await post(`${urls[1]}/mcp`, scoped.token, {
      method: 'tools/list',
      params: { _meta: ENVELOPE },
    });
    expect(all.json.result?.['cacheScope']).toBe('private');
    expect(mine.json.result?.['cacheScope']).toBe('private');
    const names = (r: typeof all) =>
      (r.json.result?.['tools'] as { name: string }[]).map((t) => t.name);
    expect(names(mine)).toEqual(['dual__confirm', 'dual__echo', 'dual__slow']);
    expect(names(all).length).toBeGreaterThan(names(mine).length);
  });

  describe('modern error codes', () => {
    const list = { method: 'tools/list' };

    it('400 -32602 for a request whose envelope misses a key', async () => {
      const res = await post(`${urls[0]}/mcp`, member.token, {
        ...list,
        params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } },
      });
      expect(res.status).toBe(400);
      expect(res.json.error?.code).toBe(-32602);
    });

    it('400 -32022 with supported and requested for an unsupported version', async () => {
      const res = await post(
        `${urls[0]}/mcp`,
        member.token,
        {
          ...list,
          params: {
            _meta: { ...ENVELOPE, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' },
          },
        },
        { 'mcp-protocol-version': '2099-01-01' },
      );
      expect(res.status).toBe(400);
      expect(res.json.error?.code).toBe(-32022);
      expect(res.json.error?.data).toEqual({
        supported: expect.arrayContaining(['2026-07-28']),
        requested: '2099-01-01',
      });
    });

    it('400 -32020 when MCP-Protocol-Version, Mcp-Method or Mcp-Name disagree with the body', async () => {
      const call = {
        method: 'tools/call',
        params: { name: 'modern__echo', arguments: { text: 'x' }, _meta: ENVELOPE },
      };
      for (const headers of [
        { 'mcp-method': 'tools/list' },
        { 'mcp-name': 'modern__slow' },
        { 'mcp-name': undefined },
        { 'mcp-protocol-version': undefined },
      ]) {
        const res = await post(`${urls[1]}/mcp`, member.token, call, headers);
        expect({ headers, status: res.status, code: res.json.error?.code }).toEqual({
          headers,
          status: 400,
          code: -32020,
        });
      }
      expect(modernOnly.callCounts.get('echo') ?? 0).toBe(2);
    });

    it('404 -32601 for methods removed in 2026-07-28', async () => {
      for (const method of ['ping', 'logging/setLevel', 'resources/subscribe']) {
        const res = await post(`${urls[0]}/mcp`, member.token, {
          method,
          params: { _meta: ENVELOPE },
        });
        expect({ method, status: res.status, code: res.json.error?.code }).toEqual({
          method,
          status: 404,
          code: -32601,
        });
      }
    });

    it('405 for GET and DELETE without a 2025 session', async () => {
      for (const method of ['GET', 'DELETE']) {
        const res = await fetch(`${urls[0]}/mcp`, {
          method,
          headers: { authorization: `Bearer ${member.token}`, accept: 'text/event-stream' },
        });
        expect({ method, status: res.status }).toEqual({ method, status: 405 });
      }
    });
  });

  it('applies policy per request and audits each modern call with no session', async () => {
    const { client, transport } = modernClient(`${urls[0]}/mcp`, member.token, {
      pin: '2026-07-28',
    });
    await client.connect(transport);
    await expect(
      client.callTool({ name: 'modern__echo', arguments: { text: 'forbidden' } }),
    ).rejects.toThrow(/denied by policy/);
    await client.callTool({ name: 'modern__echo', arguments: { text: 'fine' } });
    await client.close();
    const events = h.audit.events.filter(
      (e) => e.tenantId === tenantId && e.tool === 'echo' && e.upstream === 'modern',
    );
    expect(events.find((e) => e.outcome === 'denied')).toMatchObject({
      decision: 'deny',
      sessionId: null,
    });
    expect(
      events.find((e) => e.outcome === 'ok' && (e.arguments as { text: string }).text === 'fine'),
    ).toMatchObject({
      clientName: 'v2-client',
      sessionId: null,
    });
  });

  it('relays progress, and cancels the call upstream when the client closes the stream', async () => {
    const { client, transport } = modernClient(`${urls[1]}/mcp`, member.token, {
      pin: '2026-07-28',
    });
    await client.connect(transport);
    const progress: number[] = [];
    await client.callTool(
      { name: 'modern__slow', arguments: { steps: 2 } },
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(progress).toEqual([1, 2]);

    const before = modernOnly.cancellations();
    const abort = new AbortController();
    const call = client.callTool(
      { name: 'modern__slow', arguments: { steps: 100 } },
      { signal: abort.signal, onprogress: () => abort.abort() },
    );
    await expect(call).rejects.toThrow();
    for (let i = 0; i < 100 && modernOnly.cancellations() === before; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(modernOnly.cancellations()).toBe(before + 1);
    const cancelledEvent = () =>
      h.audit.events.find(
        (e) => e.tenantId === tenantId && e.tool === 'slow' && e.outcome === 'cancelled',
      );
    for (let i = 0; i < 100 && !cancelledEvent(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(cancelledEvent()).toMatchObject({ upstream: 'modern', sessionId: null });
    await client.close();
  });

  it('holds a modern call for approval on replica A until an approver on replica B decides', async () => {
    const { client, transport } = modernClient(`${urls[0]}/mcp`, member.token, {
      pin: '2026-07-28',
    });
    await client.connect(transport);
    const call = client.callTool(
      { name: 'dual__echo', arguments: { text: 'approved?' } },
      { timeout: 30_000 },
    );
    const approvals = h.runtimes[1]!.repos.approvals;
    let pending;
    for (let i = 0; i < 100 && !pending; i++) {
      pending = (await approvals.listByStatus(tenantId, 'pending')).items.find(
        (a) => a.toolName === 'echo',
      );
      if (!pending) await new Promise((r) => setTimeout(r, 50));
    }
    expect(pending).toMatchObject({ upstreamSlug: 'dual' });
    expect(dualEra.callCounts.get('echo') ?? 0).toBe(0);
    await approvals.decide(tenantId, pending!.id, {
      status: 'approved',
      decidedBy: h.admin.person.id,
    });
    await h.runtimes[1]!.bus.publish(BusChannels.approvalDecided, {
      tenantId,
      approvalId: pending!.id,
    });
    expect((await call).content).toEqual([{ type: 'text', text: 'approved?' }]);
    await client.close();
  });

  it('relays input_required with requestState untouched, and the retry on the other replica completes', async () => {
    // The caller's declared capabilities reach the upstream, which asks only what they allow.
    const meta = { ...ENVELOPE, 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };
    const first = await post(`${urls[0]}/mcp`, member.token, {
      method: 'tools/call',
      params: { name: 'modern__confirm', arguments: { what: 'deploy' }, _meta: meta },
    });
    expect(first.json).toMatchObject({
      result: { resultType: 'input_required', requestState: 'pending:deploy' },
    });
    const second = await post(`${urls[1]}/mcp`, member.token, {
      id: 2,
      method: 'tools/call',
      params: {
        name: 'modern__confirm',
        arguments: { what: 'deploy' },
        inputResponses: { confirm: { action: 'accept', content: { ok: true } } },
        requestState: 'pending:deploy',
        _meta: meta,
      },
    });
    expect(second.json.result).toMatchObject({
      resultType: 'complete',
      content: [{ type: 'text', text: 'confirmed deploy' }],
    });
  });

  it('a listen stream on replica B receives the tool list change of an upstream that replica A serves', async () => {
    const listening = new AbortController();
    const response = await fetch(`${urls[1]}/mcp`, {
      method: 'POST',
      signal: listening.signal,
      headers: {
        accept: 'application/json, text/event-stream',
        'content-type': 'application/json',
        authorization: `Bearer ${member.token}`,
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'subscriptions/listen',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 77,
        method: 'subscriptions/listen',
        params: {
          _meta: ENVELOPE,
          notifications: { toolsListChanged: true, promptsListChanged: true },
        },
      }),
    });
    expect(response.status).toBe(200);
    const events = new SseReader(response);
    const [ack] = await events.take(1);
    expect(ack?.data).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: {
        _meta: { 'io.modelcontextprotocol/subscriptionId': 77 },
        notifications: { toolsListChanged: true },
      },
    });

    const { client, transport } = modernClient(`${urls[0]}/mcp`, member.token, {
      pin: '2026-07-28',
    });
    await client.connect(transport);
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('modern__extra');
    // Give the listener's upstream streams a moment to open before the change.
    await new Promise((r) => setTimeout(r, 500));
    modernOnly.toggleExtraTool();
    const received = await events.take(2, 20_000);
    expect(received[1]?.data).toMatchObject({
      method: 'notifications/tools/list_changed',
      params: { _meta: { 'io.modelcontextprotocol/subscriptionId': 77 } },
    });
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('modern__extra');
    await client.close();
    listening.abort();
  });
});
