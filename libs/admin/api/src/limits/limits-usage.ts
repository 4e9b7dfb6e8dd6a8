import { connectRedis, RedisCallLimiter, type RedisConnection } from '@gatehouse/session-store';
import { quotaKey, quotaPeriod, type LimitsDocument } from '@gatehouse/policy';

export interface QuotaUsage {
  used: number;
  limit: number | null;
  resetsAt: string;
}

export interface OwnerUsage {
  daily: QuotaUsage;
  monthly: QuotaUsage;
}

/**
 * Reads quota counters where the gateways count them (LIMITS_REDIS_URL, else REDIS_URL).
 * Calls are counted only against quotas that are set: without one, usage reads 0 and `limit`
 * is null.
 */
export class QuotaUsageReader {
  private readonly counters: RedisCallLimiter | undefined;
  private readonly own: RedisConnection | undefined;

  constructor(
    shared: RedisConnection | undefined,
    limitsRedisUrl: string | undefined,
    prefix: string,
  ) {
    this.own = limitsRedisUrl && shared ? connectRedis(limitsRedisUrl, 'admin-limits') : undefined;
    const redis = this.own ?? shared;
    this.counters = redis ? new RedisCallLimiter(redis, prefix) : undefined;
  }

  async usage(
    tenantId: string,
    document: LimitsDocument,
    owner: 'tenant' | 'person',
    ownerId: string,
    now = Date.now(),
  ): Promise<OwnerUsage> {
    const day = quotaPeriod('daily', now);
    const month = quotaPeriod('monthly', now);
    const [daily, monthly] = (await this.counters?.usage([
      quotaKey(tenantId, owner, ownerId, day.label),
      quotaKey(tenantId, owner, ownerId, month.label),
    ])) ?? [0, 0];
    const quota = document.quotas[owner];
    return {
      daily: {
        used: daily ?? 0,
        limit: quota?.daily ?? null,
        resetsAt: new Date(day.resetsAt).toISOString(),
      },
      monthly: {
        used: monthly ?? 0,
        limit: quota?.monthly ?? null,
        resetsAt: new Date(month.resetsAt).toISOString(),
      },
    };
  }

  async close(): Promise<void> {
    await this.own?.quit();
  }
}
