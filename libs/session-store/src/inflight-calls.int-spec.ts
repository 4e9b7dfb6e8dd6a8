import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisBus } from '@gatehouse/bus';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { RedisSessionEventLog } from './event-log.redis';
import { inflightKey, RedisInflightCallStore } from './inflight-calls';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const progress: JSONRPCMessage = {
  jsonrpc: '2.0',
  method: 'notifications/progress',
  params: { progressToken: 't', progress: 1 },
};

describe('RedisInflightCallStore', () => {
  const redis = new Redis(REDIS_URL);
  const prefix = `test:${randomUUID()}:`;
  const bus = new RedisBus(REDIS_URL, prefix);
  const log = new RedisSessionEventLog(redis, bus, prefix, 100, 1024 * 1024, 60);
  const store = new RedisInflightCallStore(redis, prefix);
  afterAll(async () => {
    await redis.del(
      inflightKey(prefix),
      `${prefix}session:s1:events`,
      `${prefix}session:s2:events`,
      `${prefix}session:s1:events:bytes`,
      `${prefix}session:s2:events:bytes`,
      `${prefix}replica:B:alive`,
    );
    redis.disconnect();
    await bus.close();
  });

  it('writes an entry with the event that carries it and deletes it with the final response', async () => {
    const record = JSON.stringify({ upstreamEventId: 'e1' });
    await log.append('s1', 'p1', progress, false, { field: 's1 p1 n:1', owner: 'A', record });
    expect(await store.list()).toEqual([{ field: 's1 p1 n:1', owner: 'A', record }]);
    await log.append('s1', 'p1', { jsonrpc: '2.0', id: 1, result: {} }, true, {
      field: 's1 p1 n:1',
      remove: true,
    });
    expect(await store.list()).toEqual([]);
  });

  it('lets exactly one of several replicas claim an entry of a dead owner', async () => {
    await log.append('s2', 'p2', progress, false, { field: 'f', owner: 'dead', record: '{"a":1}' });
    const claims = await Promise.all(
      ['B', 'C', 'D', 'E'].map(async (me) => ((await store.claim('f', 'dead', me)) ? me : null)),
    );
    const winners = claims.filter((c) => c !== null);
    expect(winners).toHaveLength(1);
    expect(await store.list()).toEqual([{ field: 'f', owner: winners[0], record: '{"a":1}' }]);
    // The entry moved: claiming it from the old owner again fails, and so does a missing one.
    expect(await store.claim('f', 'dead', 'B')).toBe(false);
    expect(await store.claim('missing', 'dead', 'B')).toBe(false);
    await store.remove('f');
    expect(await store.list()).toEqual([]);
  });

  it('reports replicas alive while their key lives and not after they retire', async () => {
    await store.heartbeat('A', 60_000);
    await store.heartbeat('B', 60_000);
    expect(await store.alive(['A', 'B', 'Z'])).toEqual(new Set(['A', 'B']));
    await store.retire('A');
    expect(await store.alive(['A', 'B'])).toEqual(new Set(['B']));
  });
});
