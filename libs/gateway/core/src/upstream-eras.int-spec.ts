import { UpstreamClient, UpstreamError } from '@gatehouse/mcp-upstream-client';
import { InMemoryUpstreamEraStore } from '@gatehouse/session-store';
import { createLogger } from '@gatehouse/telemetry';
import { startModernFixtureUpstream, type ModernFixtureUpstream } from '@gatehouse/testing';
import type { UpstreamConfig } from './ports';
import { UpstreamEras } from './upstream-eras';

describe('UpstreamEras (probe once, cache, re-probe)', () => {
  let fixture: ModernFixtureUpstream;
  const client = new UpstreamClient({ timeoutMs: 5_000, maxResponseBytes: 1024 * 1024 });
  const store = new InMemoryUpstreamEraStore();
  const eras = new UpstreamEras(
    client,
    store,
    { name: 'gatehouse', version: 'spec' },
    createLogger('spec', 'silent'),
  );
  const probes = () =>
    fixture.received.filter(
      (r) => (r.body as { method?: string } | undefined)?.method === 'server/discover',
    ).length;
  const upstream = (url: string): UpstreamConfig => ({
    id: 'u1',
    tenantId: 't1',
    slug: 'm',
    name: 'm',
    url,
    headers: {},
    enabled: true,
    annotationsTrusted: true,
  });

  beforeAll(async () => {
    fixture = await startModernFixtureUpstream({ name: 'eras', mode: 'modern-only' });
  });
  afterAll(async () => {
    await client.close();
    await fixture.close();
  });

  it('probes once and serves the cached verdict after that', async () => {
    expect((await eras.verdictFor(upstream(fixture.url))).era).toBe('modern');
    expect((await eras.verdictFor(upstream(fixture.url))).era).toBe('modern');
    expect(probes()).toBe(1);
  });

  it('probes again when the upstream changes (URL or credentials)', async () => {
    const changed = { ...upstream(fixture.url), headers: { authorization: 'Bearer new' } };
    await eras.verdictFor(changed);
    expect(probes()).toBe(2);
  });

  it('probes again after a request fails with an era signal, not after a 400 about the request', async () => {
    const config = upstream(fixture.url);
    await eras.verdictFor(config);
    const before = probes();
    await eras.requestFailed(
      config,
      new UpstreamError('upstream_http_error', 'm', 'HTTP 400: missing capability', {
        status: 400,
      }),
    );
    await eras.verdictFor(config);
    expect(probes()).toBe(before);
    await eras.requestFailed(
      config,
      new UpstreamError('upstream_http_error', 'm', 'HTTP 404', { status: 404 }),
    );
    await eras.verdictFor(config);
    expect(probes()).toBe(before + 1);
  });

  it('records a failed probe as unknown with its error, and never caches it as a verdict', async () => {
    const down = { ...upstream(fixture.url), id: 'u2' };
    fixture.failWith(503);
    try {
      await expect(eras.verdictFor(down)).rejects.toMatchObject({ code: 'upstream_http_error' });
      expect(await store.get('t1', 'u2')).toMatchObject({
        era: 'unknown',
        lastError: expect.stringContaining('503'),
      });
    } finally {
      fixture.failWith(undefined);
    }
    expect((await eras.verdictFor(down)).era).toBe('modern');
    expect(await store.get('t1', 'u2')).toMatchObject({ era: 'modern' });
  });
});
