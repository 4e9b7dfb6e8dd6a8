import { randomUUID } from 'node:crypto';
import { redisTopology } from '@gatehouse/config';
import type { Cluster, Redis } from 'ioredis';
import { createRedisClient, type RedisClient } from '@gatehouse/config';
import { type RedisServers, startRedisCluster, startRedisSentinel } from './testing/redis-servers';

jest.setTimeout(180_000);

async function roundTrip(client: RedisClient): Promise<void> {
  // Keys of one tag land on one slot, so a MULTI over them is valid in cluster mode too.
  const tag = `{s:${randomUUID()}}`;
  const results = await client
    .multi()
    .set(`${tag}:a`, 'one')
    .set(`${tag}:b`, 'two')
    .mget(`${tag}:a`, `${tag}:b`)
    .exec();
  expect(results?.[2]?.[1]).toEqual(['one', 'two']);
}

describe('Redis Cluster through the factory', () => {
  let servers: RedisServers;
  let client: Cluster;

  beforeAll(async () => {
    servers = await startRedisCluster();
  });
  afterAll(async () => {
    client?.disconnect();
    await servers?.stop();
  });

  it('reaches every master from the seed list and keeps one tag on one slot', async () => {
    const seeds = servers.ports.slice(0, 2).map((port) => `127.0.0.1:${port}`);
    const topology = redisTopology({ REDIS_CLUSTER_NODES: seeds, REDIS_TLS: false });
    expect(topology?.kind).toBe('cluster');
    client = createRedisClient(topology ?? { kind: 'standalone', url: '' }, 'test') as Cluster;
    await roundTrip(client);
    // Keys spread across all three masters: the client follows the slot map, not one node.
    const owners = new Set<string>();
    for (let i = 0; i < 30; i += 1) {
      const key = `spread:${i}`;
      await client.set(key, String(i));
      const slot = Number(await client.cluster('KEYSLOT', key));
      const nodes = client.nodes('master');
      for (const node of nodes) {
        const mine = await node.cluster('COUNTKEYSINSLOT', slot);
        if (Number(mine) > 0) owners.add(`${node.options.port}`);
      }
    }
    expect(owners.size).toBe(3);
  });
});

describe('Redis Sentinel through the factory', () => {
  let servers: RedisServers & { sentinels: number[] };
  let client: Redis;

  beforeAll(async () => {
    servers = await startRedisSentinel('gatehouse');
  });
  afterAll(async () => {
    client?.disconnect();
    await servers?.stop();
  });

  it('finds the master through the Sentinels and follows a failover to the replica', async () => {
    const topology = redisTopology({
      REDIS_SENTINELS: servers.sentinels.map((port) => `127.0.0.1:${port}`),
      REDIS_SENTINEL_MASTER: 'gatehouse',
      REDIS_TLS: false,
    });
    expect(topology?.kind).toBe('sentinel');
    client = createRedisClient(topology ?? { kind: 'standalone', url: '' }, 'test') as Redis;
    client.on('error', () => undefined); // the failover below makes the old master unreachable
    await roundTrip(client);
    const [masterPort] = servers.ports;
    await client.set('before-failover', 'kept');
    await client.wait(1, 5000);
    servers.processes.get(masterPort ?? 0)?.kill('SIGKILL');
    // Writes fail while the Sentinels elect the replica, then go to the new master.
    let written = false;
    for (let attempt = 0; attempt < 120 && !written; attempt += 1) {
      written = await client.set('after-failover', 'yes').then(
        () => true,
        async () => {
          await new Promise((resolve) => setTimeout(resolve, 500));
          return false;
        },
      );
    }
    expect(written).toBe(true);
    expect(await client.get('before-failover')).toBe('kept');
    const role = await client.role();
    expect(role[0]).toBe('master');
  });
});
