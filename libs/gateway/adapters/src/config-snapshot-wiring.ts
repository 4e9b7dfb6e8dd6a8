import type { Runtime } from '@gatehouse/app-kit';
import { RedisConfigSnapshotStore } from '@gatehouse/session-store';
import { gatehouseMetrics, type ObservableCallback } from '@gatehouse/telemetry';
import { ConfigSnapshotFallback, withConfigSnapshotFallback } from './config-snapshot-fallback';
import { ConfigSnapshotWriter } from './config-snapshot-writer';

export interface ConfigSnapshots {
  /** The runtime whose repositories fall back to the snapshot (the same one without Redis). */
  runtime: Runtime;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The gateway's Postgres-outage snapshot (docs/decisions/0012): a writer keeping each tenant's
 * snapshot current in Redis, repositories reading it when Postgres does not answer, a
 * `config-snapshot` readiness check (degraded while a snapshot is served, naming its age) and
 * the `gatehouse.config.snapshot.served_age` gauge. Needs Redis and a non-zero max age.
 */
export function startConfigSnapshots(runtime: Runtime): ConfigSnapshots {
  const { config, redis, logger } = runtime;
  if (!redis || runtime.mode !== 'distributed' || config.CONFIG_SNAPSHOT_MAX_AGE_MS === 0)
    return { runtime, start: async () => undefined, stop: async () => undefined };
  const store = new RedisConfigSnapshotStore(redis, config.REDIS_KEY_PREFIX);
  const fallback = new ConfigSnapshotFallback(store, logger, config.CONFIG_SNAPSHOT_MAX_AGE_MS);
  // The writer reads Postgres itself: a snapshot is never written from a snapshot.
  const writer = new ConfigSnapshotWriter(runtime.repos, store, logger, {
    refreshMs: config.CONFIG_SNAPSHOT_REFRESH_MS,
  });
  const maxAgeS = Math.round(config.CONFIG_SNAPSHOT_MAX_AGE_MS / 1000);
  const checks = {
    ...runtime.checks,
    'config-snapshot': async () => {
      const served = fallback.servedLately();
      if (served)
        throw new Error(
          `serving the config snapshot (Postgres unreachable): tenant ${served.tenantId}, snapshot age ${Math.round(served.ageMs / 1000)} s of at most ${maxAgeS} s`,
        );
    },
  };
  const observeAge: ObservableCallback = (result) => {
    const served = fallback.servedLately();
    result.observe(served ? served.ageMs / 1000 : 0);
  };
  return {
    runtime: { ...runtime, checks, repos: withConfigSnapshotFallback(runtime.repos, fallback) },
    start: async () => {
      gatehouseMetrics().configSnapshotServedAge.addCallback(observeAge);
      await writer.start(runtime.bus);
    },
    stop: async () => {
      gatehouseMetrics().configSnapshotServedAge.removeCallback(observeAge);
      await writer.stop();
    },
  };
}
