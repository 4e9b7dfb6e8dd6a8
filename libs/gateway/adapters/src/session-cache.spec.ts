import { InMemoryBus } from '@gatehouse/bus';
import {
  InMemorySessionStore,
  type SessionRecord,
  type SessionStore,
} from '@gatehouse/session-store';
import { CachedSessionStore } from './session-cache';

function record(id: string, initialized = true): SessionRecord {
  return {
    id,
    tenantId: 't1',
    personId: 'p1',
    tokenId: null,
    protocolVersion: '2025-11-25',
    clientInfo: { name: 'c', version: '1' },
    clientCapabilities: {},
    route: { kind: 'aggregate' },
    createdAt: Date.now(),
    lastSeenAt: Date.now(),
    initialized,
  };
}

/** Counts reads of the backing store, the round trips the cache exists to save. */
function counting(store: SessionStore): SessionStore & { reads: number } {
  const counted = Object.create(store) as SessionStore & { reads: number };
  counted.reads = 0;
  counted.get = (id: string) => {
    counted.reads += 1;
    return store.get(id);
  };
  return counted;
}

describe('CachedSessionStore', () => {
  let inner: SessionStore & { reads: number };
  let bus: InMemoryBus;
  let now: number;
  beforeEach(() => {
    inner = counting(new InMemorySessionStore());
    bus = new InMemoryBus();
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  async function cache(options = { maxAgeMs: 1000, maxEntries: 100 }) {
    const store = new CachedSessionStore(inner, bus, options);
    await store.listen();
    return store;
  }

  it('serves an initialized session from memory until it is maxAgeMs old', async () => {
    const store = await cache();
    await inner.create(record('s1'), 60);
    await store.get('s1');
    await store.get('s1');
    expect(inner.reads).toBe(1);
    now += 1001; // lru-cache: stale once older than ttl
    await store.get('s1');
    expect(inner.reads).toBe(2);
  });

  it('never caches a session that is not initialized yet', async () => {
    const store = await cache();
    await inner.create(record('s1', false), 60);
    await store.get('s1');
    await store.get('s1');
    expect(inner.reads).toBe(2);
  });

  it('drops its copy when another replica announces a change, and announces its own', async () => {
    const a = await cache();
    const b = await cache();
    await inner.create(record('s1'), 60);
    await a.get('s1');
    await b.get('s1');
    await b.setUpstream('s1', 'alpha', {
      sessionId: 'u1',
      protocolVersion: '2025-11-25',
      capabilities: {},
      serverInfo: { name: 'alpha', version: '1' },
    });
    expect((await a.get('s1'))?.upstreams['alpha']?.sessionId).toBe('u1');
    await b.delete('s1');
    expect(await a.get('s1')).toBeNull();
  });

  it('forgets a session whose TTL refresh finds it gone', async () => {
    const store = await cache();
    await inner.create(record('s1'), 60);
    await store.get('s1');
    await inner.delete('s1');
    expect(await store.touch('s1', 60)).toBe(false);
    expect(await store.get('s1')).toBeNull();
  });

  it('keeps at most maxEntries, the least recently used going first, and never serves an expired copy', async () => {
    const store = await cache({ maxAgeMs: 1000, maxEntries: 3 });
    for (const id of ['s1', 's2', 's3', 's4']) await inner.create(record(id), 60);
    for (const id of ['s1', 's2', 's3', 's4']) await store.get(id);
    expect(store.size).toBe(3);
    const reads = inner.reads;
    await store.get('s1'); // evicted as the least recently used when s4 came in
    expect(inner.reads).toBe(reads + 1);
    await store.get('s4'); // still held
    expect(inner.reads).toBe(reads + 1);
    now += 1001; // lru-cache: stale once older than ttl
    await store.get('s4'); // expired: read again
    expect(inner.reads).toBe(reads + 2);
    expect(store.size).toBeLessThanOrEqual(3);
  });

  it('caches nothing with maxAgeMs 0', async () => {
    const store = await cache({ maxAgeMs: 0, maxEntries: 3 });
    await inner.create(record('s1'), 60);
    await store.get('s1');
    await store.get('s1');
    expect(inner.reads).toBe(2);
    expect(store.size).toBe(0);
  });
});
