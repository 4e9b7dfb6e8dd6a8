import { generateToken, hashToken } from '@gatehouse/auth';
import { BusChannels, RedisBus } from '@gatehouse/bus';
import { createRepositories } from '@gatehouse/data-access';
import { connectRedis, RedisConfigSnapshotStore } from '@gatehouse/session-store';
import { connectClient } from '../support/mcp-client';
import { startAppProcess, type AppProcess } from './support/app-process';
import { startFaultStack, type FaultStack } from './support/fault-stack';
import { sampleReadiness } from './support/observe';
import { waitFor } from './support/owned-process';

/**
 * Issue 21 item 2: a replica started while Postgres is stopped serves from the config snapshot
 * in Redis (docs/decisions/0012): every token known before the outage, refusing one revoked
 * before it; past CONFIG_SNAPSHOT_MAX_AGE_MS it answers 503 saying why.
 */
interface Row {
  hash: string;
  revokedAt: string | null;
}

describe('fault: a new gateway replica started during a Postgres outage', () => {
  let s: FaultStack;
  const extra: AppProcess[] = [];
  beforeAll(async () => {
    // One warm replica writes the snapshot.
    s = await startFaultStack({
      gateways: 1,
      env: { CONFIG_SNAPSHOT_MAX_AGE_MS: '600000', CONFIG_SNAPSHOT_REFRESH_MS: '600000' },
    });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(extra.map((p) => p.kill().catch(() => undefined)));
    await s?.close();
  }, 60_000);

  it('serves known tokens from the snapshot, refuses a revoked one, and a too old snapshot with 503', async () => {
    const t = s.h.tenant.id;
    const repos = createRepositories(s.h.db.prisma);
    const prefix = s.env['REDIS_KEY_PREFIX'] ?? '';
    const bus = new RedisBus(s.redis.url, prefix);
    const redis = connectRedis(s.redis.url, 'fault-test');
    const store = new RedisConfigSnapshotStore(redis, prefix);
    /** The token row as the tenant's stored snapshot holds it (undefined: not in it). */
    const inSnapshot = async (hash: string) => {
      const stored = await store.read(t);
      const body = stored ? (JSON.parse(stored.body) as { tokens: Row[] }) : undefined;
      return body?.tokens.find((row) => row.hash === hash);
    };
    // Two tokens created before the outage, announced as the admin API does.
    const kept = await s.h.addCaller(['member']);
    const made = generateToken();
    await repos.tokens.create(t, {
      personId: kept.person.id,
      name: 'made-before-outage',
      prefix: made.displayPrefix,
      hash: made.hash,
      scopes: ['mcp:call'],
    });
    const revoked = await s.h.addCaller(['member']);
    await bus.publish(BusChannels.configSnapshotStale, { tenantId: t });
    const revokedHash = hashToken(revoked.token);
    await waitFor(async () => ((await inSnapshot(revokedHash)) ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the tokens in the snapshot',
    });
    expect(await inSnapshot(made.hash)).toMatchObject({ revokedAt: null });
    // Then one is revoked (the admin API publishes only the token id): the snapshot marks it.
    const revokedRow = await repos.tokens.findByHash(revokedHash);
    await repos.tokens.revoke(t, revokedRow?.id ?? 'none');
    await bus.publish(BusChannels.tokenInvalidated, { tokenId: revokedRow?.id });
    await waitFor(async () => ((await inSnapshot(revokedHash))?.revokedAt ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the revocation in the snapshot',
    });
    await bus.close();
    await redis.quit();

    await s.postgres.stop('fast');
    const cold = await startAppProcess('gateway', s.env, { name: 'gateway-cold' });
    extra.push(cold);

    for (const token of [made.secret, kept.token, s.h.member.token]) {
      const { client } = await connectClient(cold.url, token);
      const tools = await client.listTools();
      expect(tools.tools.map((x) => x.name)).toContain('alpha__echo');
      const result = await client.callTool({ name: 'alpha__echo', arguments: { text: 'cold' } });
      expect(JSON.stringify(result.content)).toContain('cold');
      await client.close();
    }
    await expect(connectClient(cold.url, revoked.token)).rejects.toThrow(/revoked/);

    const ready = await sampleReadiness(cold);
    expect(ready.status).toBe(200);
    expect(ready.checks['postgres']).not.toBe('ok');
    expect(ready.checks['config-snapshot']).toMatch(/snapshot age \d+ s of at most 600 s/);
    const metrics = await (await fetch(`${cold.url}/metrics`)).text();
    const age = /^gatehouse_config_snapshot_served_age\S*\s+(\S+)$/m.exec(metrics);
    expect(age?.[0]).toBeDefined();
    expect(Number(age?.[1])).toBeGreaterThan(0);

    // A replica allowed only 1 s of staleness refuses with a 503 that names the snapshot's age.
    const strict = await startAppProcess(
      'gateway',
      { ...s.env, CONFIG_SNAPSHOT_MAX_AGE_MS: '1000' },
      { name: 'gateway-strict' },
    );
    extra.push(strict);
    const res = await fetch(`${strict.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${s.h.member.token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      }),
    });
    const text = await res.text();
    expect(res.status).toBe(503);
    expect(text).toMatch(/configuration snapshot of this tenant is \d+ s old/);
    expect(text).toContain('config_snapshot_too_old');
  }, 180_000);
});
