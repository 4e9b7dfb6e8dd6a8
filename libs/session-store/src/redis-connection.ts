import { Redis } from 'ioredis';

export type RedisConnection = Redis;

/**
 * A Redis connection that fails fast when Redis is gone: commands are not queued for ever, so
 * a request answers 503 within a second instead of hanging, and readiness reports the outage.
 */
export function connectRedis(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 5000,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
}
