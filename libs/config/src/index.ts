export { configSchema, type GatehouseConfig } from './config.schema';
export { ConfigError, describeConfig, loadConfig, portFor, type AppRole } from './load-config';
export {
  hasRedis,
  redisTopology,
  redisTopologyProblems,
  type HostPort,
  type RedisAuth,
  type RedisTopology,
} from './redis-topology';
export { asTopology, createRedisClient, failFastOptions, type RedisClient } from './redis-client';
