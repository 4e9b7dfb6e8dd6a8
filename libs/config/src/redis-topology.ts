import type { GatehouseConfig } from './config.schema';

/** Where Redis is: one server, a Redis Cluster (seed nodes) or a Sentinel-managed master. */
export type RedisTopology =
  | { kind: 'standalone'; url: string }
  | { kind: 'cluster'; nodes: HostPort[]; auth: RedisAuth }
  | { kind: 'sentinel'; sentinels: HostPort[]; master: string; auth: RedisAuth };

export interface HostPort {
  host: string;
  port: number;
}

/** AUTH / ACL user and TLS for the cluster and Sentinel topologies (a URL carries its own). */
export interface RedisAuth {
  username?: string;
  password?: string;
  tls: boolean;
  caFile?: string;
}

type RedisSettings = Pick<
  GatehouseConfig,
  | 'REDIS_URL'
  | 'REDIS_CLUSTER_NODES'
  | 'REDIS_SENTINELS'
  | 'REDIS_SENTINEL_MASTER'
  | 'REDIS_USERNAME'
  | 'REDIS_PASSWORD'
  | 'REDIS_TLS'
  | 'REDIS_TLS_CA_FILE'
>;

export function hasRedis(config: RedisSettings): boolean {
  return Boolean(config.REDIS_URL ?? config.REDIS_CLUSTER_NODES ?? config.REDIS_SENTINELS);
}

/** Problems of the Redis settings taken together (each setting alone is checked by zod). */
export function redisTopologyProblems(config: RedisSettings): string[] {
  const given = [
    config.REDIS_URL && 'REDIS_URL',
    config.REDIS_CLUSTER_NODES && 'REDIS_CLUSTER_NODES',
    config.REDIS_SENTINELS && 'REDIS_SENTINELS',
  ].filter((name): name is string => typeof name === 'string');
  const problems: string[] = [];
  if (given.length > 1) {
    problems.push(`${given.join(', ')}: set exactly one Redis topology, not ${given.length}`);
  }
  if (config.REDIS_SENTINELS && !config.REDIS_SENTINEL_MASTER) {
    problems.push('REDIS_SENTINEL_MASTER: required with REDIS_SENTINELS (for example mymaster)');
  }
  if (config.REDIS_SENTINEL_MASTER && !config.REDIS_SENTINELS) {
    problems.push('REDIS_SENTINEL_MASTER: only meaningful with REDIS_SENTINELS');
  }
  return problems;
}

function hostPort(entry: string): HostPort {
  const colon = entry.lastIndexOf(':');
  const host = entry.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(entry.slice(colon + 1)) };
}

/** The topology of a validated config; undefined when no Redis is configured (embedded). */
export function redisTopology(config: RedisSettings): RedisTopology | undefined {
  const auth: RedisAuth = {
    ...(config.REDIS_USERNAME ? { username: config.REDIS_USERNAME } : {}),
    ...(config.REDIS_PASSWORD ? { password: config.REDIS_PASSWORD } : {}),
    tls: config.REDIS_TLS || Boolean(config.REDIS_TLS_CA_FILE),
    ...(config.REDIS_TLS_CA_FILE ? { caFile: config.REDIS_TLS_CA_FILE } : {}),
  };
  if (config.REDIS_CLUSTER_NODES) {
    return { kind: 'cluster', nodes: config.REDIS_CLUSTER_NODES.map(hostPort), auth };
  }
  if (config.REDIS_SENTINELS && config.REDIS_SENTINEL_MASTER) {
    return {
      kind: 'sentinel',
      sentinels: config.REDIS_SENTINELS.map(hostPort),
      master: config.REDIS_SENTINEL_MASTER,
      auth,
    };
  }
  if (config.REDIS_URL) return { kind: 'standalone', url: config.REDIS_URL };
  return undefined;
}
