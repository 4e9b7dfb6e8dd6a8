import { type Cluster, Redis } from 'ioredis';
import { failFastOptions } from '@gatehouse/config';

export type RedisConnection = Redis | Cluster;

/**
 * A Redis connection that fails fast when Redis is gone: commands are not queued for ever, so
 * a request answers 503 within a second instead of hanging, and readiness reports the outage.
 */
export function connectRedis(url: string, name: string): Redis {
  return new Redis(url, failFastOptions(name));
}
