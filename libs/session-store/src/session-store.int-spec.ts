import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { SessionRecord, SessionStore } from './session';
import { InMemorySessionStore } from './session-store.memory';
import { RedisSessionStore } from './session-store.redis';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

function sessionRecord(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: randomUUID(),
    tenantId: 'tenant-a',
    personId: 'person-1',
    tokenId: 'token-1',
    protocolVersion: '2025-11-25',
    clientInfo: { name: 'test-client', version: '1.0.0' },
    clientCapabilities: {},
    route: { kind: 'aggregate' },
    createdAt: Date.now(),
    lastSeenAt: Date.now(),
    initialized: false,
    ...overrides,
  };
}

const upstreamState = {
  sessionId: 'up-1',
  protocolVersion: '2025-11-25',
  capabilities: { tools: {} },
  serverInfo: { name: 'u', version: '1' },
};

const redisClients: Redis[] = [];
afterAll(async () => {
  await Promise.all(redisClients.map((r) => r.quit()));
});

describe.each([
  [
    'in-memory',
    () => {
      const s = new InMemorySessionStore();
      return [s, s] as const;
    },
  ],
  [
    'redis (two replicas on one Redis)',
    () => {
      const prefix = `test:${randomUUID()}:`;
      const a = new Redis(REDIS_URL);
      const b = new Redis(REDIS_URL);
      redisClients.push(a, b);
      return [new RedisSessionStore(a, prefix), new RedisSessionStore(b, prefix)] as const;
    },
  ],
])('%s session store', (_name, make) => {
  let a: SessionStore;
  let b: SessionStore;
  beforeEach(() => {
    [a, b] = make();
  });

  it('serves a session created on one replica to another, upstreams included', async () => {
    const record = sessionRecord();
    await a.create(record, 60);
    await b.setUpstream(record.id, 'github', upstreamState);
    await a.setUpstream(record.id, 'jira', { ...upstreamState, sessionId: 'up-2' });
    await b.markInitialized(record.id);
    const loaded = await a.get(record.id);
    expect(loaded).toMatchObject({ id: record.id, tenantId: 'tenant-a', initialized: true });
    expect(Object.keys(loaded!.upstreams).sort()).toEqual(['github', 'jira']);
    expect(loaded!.upstreams['jira']?.sessionId).toBe('up-2');
  });

  it('returns null for unknown and deleted sessions, and deletes once', async () => {
    const record = sessionRecord();
    await a.create(record, 60);
    expect(await b.get('nope')).toBeNull();
    expect((await b.delete(record.id))?.id).toBe(record.id);
    expect(await a.delete(record.id)).toBeNull();
    expect(await a.get(record.id)).toBeNull();
    expect(await a.touch(record.id, 60)).toBe(false);
  });

  it('does not resurrect an expired session when an upstream is written late', async () => {
    const record = sessionRecord();
    await a.create(record, 1);
    await new Promise((r) => setTimeout(r, 1100));
    await b.setUpstream(record.id, 'github', upstreamState);
    await b.markInitialized(record.id);
    expect(await a.get(record.id)).toBeNull();
  });

  it('counts live sessions across replicas: created, deleted and expired ones', async () => {
    expect(await a.countLive()).toBe(0);
    const kept = sessionRecord();
    const deleted = sessionRecord({ tenantId: 'tenant-b' });
    const expiring = sessionRecord();
    await a.create(kept, 60);
    await b.create(deleted, 60);
    await a.create(expiring, 1);
    expect(await b.countLive()).toBe(3);
    await a.delete(deleted.id);
    expect(await b.countLive()).toBe(2);
    // A session touched after its creation counts until its new expiry, not the first one.
    await b.touch(kept.id, 60);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await a.countLive()).toBe(1);
  });

  it('refreshes the idle TTL on touch', async () => {
    const record = sessionRecord();
    await a.create(record, 1);
    await new Promise((r) => setTimeout(r, 600));
    expect(await b.touch(record.id, 2)).toBe(true);
    await new Promise((r) => setTimeout(r, 600));
    expect(await a.get(record.id)).not.toBeNull();
  });

  it('lists live sessions of one tenant only, newest first, page by page', async () => {
    const tenantId = `tenant-${randomUUID()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const record = sessionRecord({ tenantId, lastSeenAt: 1000 + i });
      ids.push(record.id);
      await a.create(record, 60);
    }
    await a.create(sessionRecord({ tenantId: `other-${randomUUID()}` }), 60);
    await b.delete(ids[4]!);
    const first = await b.listForTenant(tenantId, 3);
    expect(first.items.map((s) => s.id)).toEqual([ids[3], ids[2], ids[1]]);
    const second = await b.listForTenant(tenantId, 3, first.nextCursor!);
    expect(second.items.map((s) => s.id)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();
  });

  it('keeps per-session values visible to every replica, hands each out once, deletes them with the session', async () => {
    const record = sessionRecord();
    await a.create(record, 60);
    await a.putValues(record.id, 'server-requests', { g1: 'up-1', g2: 'up-2' }, 60);
    expect(await b.getValue(record.id, 'server-requests', 'g1')).toBe('up-1');
    const takes = await Promise.all([
      a.takeValue(record.id, 'server-requests', 'g2'),
      b.takeValue(record.id, 'server-requests', 'g2'),
    ]);
    expect(takes.filter((t) => t === 'up-2')).toHaveLength(1);
    expect(await b.getValue(record.id, 'names', 'g1')).toBeNull();
    await a.putValues(record.id, 'names', { n: 'x' }, 60);
    expect((await b.delete(record.id))?.id).toBe(record.id);
    expect(await a.getValue(record.id, 'server-requests', 'g1')).toBeNull();
    expect(await a.getValue(record.id, 'names', 'n')).toBeNull();
  });
});

describe('redis session store, tenant index', () => {
  it('prunes index entries of sessions that can only have expired, and lets the index expire', async () => {
    const prefix = `test:${randomUUID()}:`;
    const redis = new Redis(REDIS_URL);
    redisClients.push(redis);
    const store = new RedisSessionStore(redis, prefix);
    const tenantId = `tenant-${randomUUID()}`;
    const index = `${prefix}tenant-sessions:${tenantId}`;
    // Sessions last seen two hours ago, with a one-hour TTL: gone by TTL, never deleted.
    for (let i = 0; i < 5; i++)
      await store.create(sessionRecord({ tenantId, lastSeenAt: Date.now() - 7_200_000 }), 3_600);
    const live = sessionRecord({ tenantId });
    await store.create(live, 3_600);
    expect(await redis.zrange(index, 0, -1)).toEqual([live.id]);
    const ttl = await redis.ttl(index);
    expect(ttl).toBeGreaterThan(3_600);
    expect(ttl).toBeLessThanOrEqual(3_660);
  });
});
