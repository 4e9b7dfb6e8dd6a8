import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { renderPrometheusMetrics } from '@gatehouse/telemetry';
import { startGatewayHarness, type GatewayHarness } from '../support/gateway-harness';
import { connectClient } from '../support/mcp-client';
import { startPrivateRedis, type PrivateRedis } from './support/private-redis';

const limits = (onRedisUnavailable: 'allow' | 'refuse') => ({
  rules: [
    {
      name: 'per-person',
      per: ['person'],
      concurrent: 50,
      rate: { requests: 1000, windowSeconds: 60 },
    },
  ],
  onRedisUnavailable,
  redisTimeoutMs: 200,
});

/**
 * The limiter's Redis (LIMITS_REDIS_URL, a private redis-server) is frozen with SIGSTOP: its
 * TCP connection stays open and commands hang, the worst kind of slow. Sessions live in the
 * shared Redis and keep working. Each tenant's choice decides: allow runs calls unchecked,
 * refuse answers an error and the upstream never sees the call.
 */
describe('limits when the limiter Redis does not answer', () => {
  let limiterRedis: PrivateRedis;
  let h: GatewayHarness;
  let open: Client;
  let closed: Client;

  beforeAll(async () => {
    limiterRedis = await startPrivateRedis();
    h = await startGatewayHarness({
      replicas: 1,
      env: { LIMITS_REDIS_URL: limiterRedis.url },
    });
    const other = await h.addTenant('fail-closed', { alpha: h.upstreams.alpha.url });
    await h.runtimes[0]!.repos.limits.put(h.tenant.id, limits('allow'));
    await h.runtimes[0]!.repos.limits.put(other.tenant.id, limits('refuse'));
    open = (await connectClient(h.gateways[0]!.url, h.member.token)).client;
    closed = (await connectClient(h.gateways[0]!.url, other.member.token)).client;
  });
  afterAll(async () => {
    limiterRedis.process?.child.kill('SIGCONT');
    await open?.close();
    await closed?.close();
    await h?.close();
    await limiterRedis?.close();
  });

  const echoCount = () => h.upstreams.alpha.callCounts.get('echo') ?? 0;
  const echo = (client: Client, text: string) =>
    client.callTool({ name: 'alpha__echo', arguments: { text } });

  it('counts calls in the limiter Redis while it answers', async () => {
    await echo(open, 'before');
    await echo(closed, 'before');
    expect(await limiterRedis.command('DBSIZE')).not.toBe('0');
  });

  it('fails open for a tenant that chose allow and closed for one that chose refuse', async () => {
    const process = limiterRedis.process;
    if (!process) throw new Error('the private redis is not running');
    process.child.kill('SIGSTOP');
    try {
      const before = echoCount();
      await expect(echo(open, 'while paused')).resolves.toMatchObject({
        content: [{ type: 'text', text: 'while paused' }],
      });
      expect(echoCount()).toBe(before + 1);

      const error = await echo(closed, 'while paused').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).data).toEqual({ code: 'limiter_unavailable' });
      expect(echoCount()).toBe(before + 1);
      expect(await renderPrometheusMetrics()).toMatch(
        /gatehouse_limits_unavailable_total\{[^}]*gatehouse_limits_choice="refuse"[^}]*\} [1-9]/,
      );
    } finally {
      process.child.kill('SIGCONT');
    }
  });

  it('checks limits again once the limiter Redis answers', async () => {
    const before = echoCount();
    await echo(closed, 'after');
    expect(echoCount()).toBe(before + 1);
  });
});
