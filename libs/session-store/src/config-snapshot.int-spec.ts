import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisConfigSnapshotStore } from './config-snapshot.redis';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

describe('RedisConfigSnapshotStore', () => {
  const redis = new Redis(REDIS_URL);
  const prefix = `test:${randomUUID()}:`;
  // Two stores over one Redis: two gateway replicas writing the same tenant.
  const replicaA = new RedisConfigSnapshotStore(redis, prefix);
  const replicaB = new RedisConfigSnapshotStore(redis, prefix);
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('keeps the snapshot of the later Postgres read when an earlier read finishes last', async () => {
    const tenantId = randomUUID();
    const before = await replicaA.nextVersion(tenantId); // A reads before a revocation...
    const after = await replicaB.nextVersion(tenantId); // ...B after it, and writes first.
    expect(after).toBeGreaterThan(before);
    const index = { tenantSlug: 'acme', tokenHashes: ['h1'] };
    expect(
      await replicaB.write({ tenantId, version: after, takenAt: 2, body: 'revoked' }, index),
    ).toBe(true);
    expect(
      await replicaA.write({ tenantId, version: before, takenAt: 1, body: 'not revoked' }, index),
    ).toBe(false);
    expect(await replicaA.read(tenantId)).toEqual({
      tenantId,
      version: after,
      takenAt: 2,
      body: 'revoked',
    });
  });

  it('finds a tenant by token hash, id and slug, and lists the tenants it holds', async () => {
    const tenantId = randomUUID();
    const slug = `t-${randomUUID()}`;
    await replicaA.write(
      { tenantId, version: await replicaA.nextVersion(tenantId), takenAt: 5, body: '{}' },
      { tenantSlug: slug, tokenHashes: ['hash-a', 'hash-b'] },
    );
    expect(await replicaB.tenantOfToken('hash-b')).toBe(tenantId);
    expect(await replicaB.tenantOfToken('hash-unknown')).toBeUndefined();
    expect(await replicaB.tenantOfIdOrSlug(slug)).toBe(tenantId);
    expect(await replicaB.tenantOfIdOrSlug(tenantId)).toBe(tenantId);
    expect(await replicaB.tenants()).toContain(tenantId);
    expect(await replicaB.takenAt(tenantId)).toBe(5);
    expect(await replicaB.read(randomUUID())).toBeUndefined();
  });
});
