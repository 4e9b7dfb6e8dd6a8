import type { Runtime } from '@gatehouse/app-kit';
import type { ArgumentPolicy } from '@gatehouse/audit-contracts';
import { InProcessAuditSink, RedisStreamAuditSink } from '@gatehouse/audit-stream';
import { redisTopology } from '@gatehouse/config';
import type { TenantSettings } from '@gatehouse/data-access';
import type { AuditSink } from '@gatehouse/gateway-core';
import { activeTraceIds } from '@gatehouse/telemetry';
import { LastGoodCache } from './last-good-cache';

export type ClosableAuditSink = AuditSink & {
  close(): Promise<void>;
  /** A readiness check: rejects while tool calls would be refused for want of the audit stream. */
  checkAvailable(): Promise<void>;
};

/**
 * Distributed: every event goes to the Redis Stream the audit-service drains into Postgres.
 * Embedded: events are batched straight into the in-process database.
 */
/** `auditRedisUrl` lets tests point the audit stream at a Redis other than the sessions'. */
export function createAuditSink(runtime: Runtime, auditRedisUrl?: string): ClosableAuditSink {
  // With Postgres unreachable, an event is still built and sent to the stream (it would
  // otherwise be lost) with the settings known before the outage.
  const settingsCache = new LastGoodCache<TenantSettings>({
    load: async (tenantId) =>
      ((await runtime.repos.tenants.findByIdOrSlug(tenantId))?.settings ?? {}) as TenantSettings,
    maxAgeMs: 30_000,
    logger: runtime.logger,
    staleWarning: 'could not reload the tenant settings; auditing with the last known ones',
  });
  const tenantSettings = (tenantId: string) => settingsCache.get(tenantId);
  const argumentPolicy = async (tenantId: string): Promise<ArgumentPolicy> => {
    const settings = await tenantSettings(tenantId);
    return {
      mode: settings.auditArguments ?? 'redacted',
      maxBytes: settings.auditArgumentsMaxBytes ?? 8192,
    };
  };
  const topology = redisTopology(runtime.config);
  const sink =
    runtime.mode === 'distributed' && topology
      ? new RedisStreamAuditSink(auditRedisUrl ?? topology, {
          prefix: runtime.config.REDIS_KEY_PREFIX,
          argumentPolicy,
          traceContext: activeTraceIds,
        })
      : new InProcessAuditSink(runtime.repos.auditEvents, {
          argumentPolicy,
          traceContext: activeTraceIds,
          logger: runtime.logger,
        });
  return {
    record: (event) => sink.record(event),
    acceptsCalls: async (tenantId) =>
      sink.available || Boolean((await tenantSettings(tenantId)).auditFailOpen),
    close: () => sink.close(),
    checkAvailable: async () => {
      if (!sink.available)
        throw new Error('the audit stream is not connected: tool calls are refused (503)');
    },
  };
}
