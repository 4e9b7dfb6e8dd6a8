import { readFileSync } from 'node:fs';
import type { RedisTopology } from './redis-topology';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** A client of any topology: ioredis' own Redis (standalone, Sentinel) or Cluster. */
export type RedisClient = Redis | Cluster;

/** The fail-fast settings every process uses today (see connectRedis). */
export function failFastOptions(name: string): RedisOptions {
  return {
    connectionName: name,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 5000,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  };
}

function tlsOptions(auth: { tls: boolean; caFile?: string }): RedisOptions['tls'] {
  if (!auth.tls) return undefined;
  return auth.caFile ? { ca: readFileSync(auth.caFile) } : {};
}

/**
 * The one place a Redis client is made. Routing is ioredis' own: Cluster follows MOVED/ASK and
 * refreshes its slot map; Sentinel mode asks the Sentinels for the master and reconnects to the
 * new one after a failover. `overrides` lets a writer tighten the defaults (the audit sink).
 */
export function createRedisClient(
  topology: RedisTopology,
  name: string,
  overrides: RedisOptions = {},
): RedisClient {
  const options = { ...failFastOptions(name), ...overrides };
  if (topology.kind === 'standalone') return new Redis(topology.url, options);
  const { auth } = topology;
  const tls = tlsOptions(auth);
  const credentials: RedisOptions = {
    ...(auth.username ? { username: auth.username } : {}),
    ...(auth.password ? { password: auth.password } : {}),
    ...(tls ? { tls } : {}),
  };
  if (topology.kind === 'sentinel') {
    return new Redis({
      ...options,
      ...credentials,
      sentinels: topology.sentinels,
      name: topology.master,
      // Sentinels usually share the data nodes' credentials and TLS; ioredis keeps them apart.
      ...(auth.username ? { sentinelUsername: auth.username } : {}),
      ...(auth.password ? { sentinelPassword: auth.password } : {}),
      ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
    });
  }
  const { retryStrategy, ...nodeOptions } = options;
  return new Cluster(topology.nodes, {
    redisOptions: { ...nodeOptions, ...credentials },
    clusterRetryStrategy: retryStrategy ? (times) => retryStrategy(times) : undefined,
    maxRedirections: 16,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    enableOfflineQueue: options.enableOfflineQueue ?? true,
    ...(tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
  });
}

/** A URL is the standalone topology; callers that predate topologies pass one. */
export function asTopology(target: string | RedisTopology): RedisTopology {
  return typeof target === 'string' ? { kind: 'standalone', url: target } : target;
}
