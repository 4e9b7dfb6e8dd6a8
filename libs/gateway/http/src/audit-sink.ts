import type { Runtime } from '@gatehouse/app-kit';
import type { ArgumentPolicy } from '@gatehouse/audit-contracts';
import { InProcessAuditSink, RedisStreamAuditSink } from '@gatehouse/audit-stream';
import type { TenantSettings } from '@gatehouse/data-access';
import type { AuditSink } from '@gatehouse/gateway-core';

export type ClosableAuditSink = AuditSink & { close(): Promise<void> };

/**
 * Distributed: every event goes to the Redis Stream the audit-service drains into Postgres.
 * Embedded: events are batched straight into the in-process database.
 */
export function createAuditSink(runtime: Runtime): ClosableAuditSink {
  const policies = new Map<string, { at: number; policy: Promise<ArgumentPolicy> }>();
  const argumentPolicy = (tenantId: string): Promise<ArgumentPolicy> => {
    const cached = policies.get(tenantId);
    if (cached && Date.now() - cached.at < 30_000) return cached.policy;
    const policy = runtime.repos.tenants.findByIdOrSlug(tenantId).then((tenant): ArgumentPolicy => {
      const settings = (tenant?.settings ?? {}) as TenantSettings;
      return { mode: settings.auditArguments ?? 'redacted', maxBytes: settings.auditArgumentsMaxBytes ?? 8192 };
    });
    policies.set(tenantId, { at: Date.now(), policy });
    policy.catch(() => policies.delete(tenantId));
    return policy;
  };
  if (runtime.mode === 'distributed' && runtime.config.REDIS_URL) {
    return new RedisStreamAuditSink(runtime.config.REDIS_URL, { prefix: runtime.config.REDIS_KEY_PREFIX, argumentPolicy });
  }
  return new InProcessAuditSink(runtime.repos.auditEvents, { argumentPolicy, logger: runtime.logger });
}
