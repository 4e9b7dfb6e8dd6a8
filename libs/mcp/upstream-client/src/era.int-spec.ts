import {
  startFixtureUpstream,
  startModernFixtureUpstream,
  type FixtureUpstream,
  type ModernFixtureUpstream,
} from '@gatehouse/testing';
import type { JSONRPCMessage, JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { UpstreamClient } from './upstream-client';
import { UpstreamError } from './upstream-error';
import type { EraVerdict } from './era-probe';

const GATEWAY = { name: 'gatehouse-spec', version: '1.0.0' };
const CALLER = {
  clientInfo: { name: 'caller', version: '3.0.0' },
  clientCapabilities: { elicitation: {} },
};
let nextId = 1;
const call = (
  name: string,
  args: Record<string, unknown>,
  meta?: Record<string, unknown>,
): JSONRPCRequest => ({
  jsonrpc: '2.0',
  id: nextId++,
  method: 'tools/call',
  params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
});

function modern(verdict: EraVerdict): Extract<EraVerdict, { era: 'modern' }> {
  if (verdict.era !== 'modern') throw new Error(`expected modern, got ${verdict.reason}`);
  return verdict;
}

describe('UpstreamClient eras (server/discover probe, 2026-07-28 requests)', () => {
  let modernOnly: ModernFixtureUpstream;
  let dualEra: ModernFixtureUpstream;
  let legacy: FixtureUpstream;
  const client = new UpstreamClient({ timeoutMs: 10_000, maxResponseBytes: 1024 * 1024 });

  beforeAll(async () => {
    modernOnly = await startModernFixtureUpstream({ name: 'modern', mode: 'modern-only' });
    dualEra = await startModernFixtureUpstream({ name: 'dual', mode: 'dual-era' });
    legacy = await startFixtureUpstream({ name: 'legacy' });
  });
  afterAll(async () => {
    await client.close();
    await Promise.all([modernOnly.close(), dualEra.close(), legacy.close()]);
  });

  it('classifies a modern-only and a dual-era v2 server as modern, with their advertisement', async () => {
    const verdict = modern(await client.discover({ slug: 'm', url: modernOnly.url }, GATEWAY));
    expect(verdict.discover.capabilities.tools).toBeDefined();
    expect(verdict.discover.supportedVersions).toContain('2026-07-28');
    expect(modern(await client.discover({ slug: 'd', url: dualEra.url }, GATEWAY)).version).toBe(
      '2026-07-28',
    );
  });

  it('classifies a 2025 server (v1 SDK, 400 to the unknown probe) as legacy', async () => {
    const verdict = await client.discover({ slug: 'l', url: legacy.url }, GATEWAY);
    expect(verdict.era).toBe('legacy');
  });

  it('throws instead of deciding an era on 401, 5xx and an unreachable upstream', async () => {
    const locked = await startModernFixtureUpstream({
      name: 'locked',
      mode: 'modern-only',
      requireBearer: 's3cret',
    });
    const broken = await startModernFixtureUpstream({
      name: 'broken',
      mode: 'modern-only',
      failWith: 503,
    });
    try {
      const unauthorized = await client
        .discover({ slug: 'x', url: locked.url }, GATEWAY)
        .catch((e: unknown) => e);
      expect(unauthorized).toBeInstanceOf(UpstreamError);
      expect((unauthorized as UpstreamError).code).toBe('upstream_unauthorized');
      const failing = await client
        .discover({ slug: 'y', url: broken.url }, GATEWAY)
        .catch((e: unknown) => e);
      expect((failing as UpstreamError).code).toBe('upstream_http_error');
      const gone = await client
        .discover({ slug: 'z', url: 'http://127.0.0.1:1/mcp' }, GATEWAY)
        .catch((e: unknown) => e);
      expect((gone as UpstreamError).code).toBe('upstream_unreachable');
    } finally {
      await Promise.all([locked.close(), broken.close()]);
    }
  });

  it('sends modern requests with the caller envelope, Mcp-Method/Mcp-Name and no session', async () => {
    const target = { slug: 'm', url: modernOnly.url };
    const session = client.modernSession(modern(await client.discover(target, GATEWAY)), CALLER);
    const response = await client.request(target, session, call('echo', { text: 'hello' }));
    expect('result' in response && response.result['content']).toEqual([
      { type: 'text', text: 'hello' },
    ]);
    const seen = modernOnly.received.at(-1);
    expect(seen?.headers['mcp-method']).toBe('tools/call');
    expect(seen?.headers['mcp-name']).toBe('echo');
    expect(seen?.headers['mcp-protocol-version']).toBe('2026-07-28');
    expect(seen?.headers['mcp-session-id']).toBeUndefined();
    const meta = (seen?.body as { params: { _meta: Record<string, unknown> } }).params._meta;
    expect(meta['io.modelcontextprotocol/clientInfo']).toEqual(CALLER.clientInfo);
    expect(meta['io.modelcontextprotocol/clientCapabilities']).toEqual(CALLER.clientCapabilities);
  });

  it('relays progress of a modern call and cancels it by closing the stream', async () => {
    const target = { slug: 'm', url: modernOnly.url };
    const session = client.modernSession(modern(await client.discover(target, GATEWAY)), CALLER);
    const messages: JSONRPCMessage[] = [];
    const done = await client.request(
      target,
      session,
      call('slow', { steps: 2 }, { progressToken: 'p1' }),
      {
        onMessage: (m) => {
          messages.push(m);
        },
      },
    );
    expect('result' in done).toBe(true);
    expect(messages.some((m) => 'method' in m && m.method === 'notifications/progress')).toBe(true);

    const abort = new AbortController();
    const before = modernOnly.cancellations();
    const cancelled = client.request(
      target,
      session,
      call('slow', { steps: 100 }, { progressToken: 'p2' }),
      {
        signal: abort.signal,
        onMessage: () => abort.abort(),
      },
    );
    await expect(cancelled).rejects.toMatchObject({ code: 'upstream_cancelled' });
    for (let i = 0; i < 100 && modernOnly.cancellations() === before; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(modernOnly.cancellations()).toBe(before + 1);
  });
});
