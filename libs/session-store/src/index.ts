export {
  SESSION_NAMESPACES,
  summarise,
  type SessionNamespace,
  type SessionPage,
  type SessionRecord,
  type SessionRoute,
  type SessionStore,
  type SessionSummary,
  type SessionWithUpstreams,
  type UpstreamSessionState,
} from './session';
export { InMemorySessionStore } from './session-store.memory';
export { RedisSessionStore } from './session-store.redis';
export { RedisRevokedGrantStore } from './revoked-grant-store';
export { connectRedis, type RedisConnection } from './redis-connection';
export { createRedisClient, failFastOptions, type RedisClient } from '@gatehouse/config';
export {
  CONCURRENCY_RETRY_MS,
  RedisCallLimiter,
  type CounterCheck,
  type CounterVerdict,
} from './call-limiter.redis';
export {
  parseEventId,
  type LoggedEvent,
  type SessionEventLog,
  type TailOptions,
} from './event-log';
export { InMemorySessionEventLog } from './event-log.memory';
export { RedisSessionEventLog } from './event-log.redis';
export {
  encodeInflight,
  inflightKey,
  RedisInflightCallStore,
  type InflightCallStore,
  type InflightEntry,
  type InflightWrite,
} from './inflight-calls';
export {
  InMemoryFailureWindows,
  RedisFailureWindows,
  type FailureWindow,
  type FailureWindows,
} from './failure-windows';
export {
  InMemoryUpstreamEraStore,
  RedisUpstreamEraStore,
  type UpstreamEraRecord,
  type UpstreamEraStore,
} from './upstream-eras';
export {
  RedisConfigSnapshotStore,
  type ConfigSnapshotIndex,
  type StoredConfigSnapshot,
} from './config-snapshot.redis';
