import type { RedisConnection } from './redis-connection';

/**
 * What Gatehouse last learnt about an upstream's protocol era. One record per upstream, shared
 * by every replica (the probe runs once) and read by the admin API's upstream view.
 */
export interface UpstreamEraRecord {
  /** `unknown`: the last probe failed (unreachable, 401/403, 5xx) and decided nothing. */
  era: 'modern' | 'legacy' | 'unknown';
  /** Hash of the upstream's URL and credentials: a changed upstream is probed again. */
  fingerprint: string;
  checkedAt: string;
  /** The verdict as the upstream client returned it (plain JSON), when there is one. */
  verdict?: unknown;
  /** Why it is legacy, or why the last probe or request failed. */
  detail?: string;
  lastError?: string;
}

export interface UpstreamEraStore {
  get(tenantId: string, upstreamId: string): Promise<UpstreamEraRecord | undefined>;
  put(
    tenantId: string,
    upstreamId: string,
    record: UpstreamEraRecord,
    ttlSeconds: number,
  ): Promise<void>;
  forget(tenantId: string, upstreamId: string): Promise<void>;
}

export class InMemoryUpstreamEraStore implements UpstreamEraStore {
  private readonly records = new Map<string, { record: UpstreamEraRecord; expiresAt: number }>();

  async get(tenantId: string, upstreamId: string): Promise<UpstreamEraRecord | undefined> {
    const entry = this.records.get(`${tenantId}:${upstreamId}`);
    if (!entry || entry.expiresAt <= Date.now()) return undefined;
    return entry.record;
  }

  async put(tenantId: string, upstreamId: string, record: UpstreamEraRecord, ttlSeconds: number) {
    this.records.set(`${tenantId}:${upstreamId}`, {
      record,
      expiresAt: Date.now() + ttlSeconds * 1000,
    });
  }

  async forget(tenantId: string, upstreamId: string): Promise<void> {
    this.records.delete(`${tenantId}:${upstreamId}`);
  }
}

export class RedisUpstreamEraStore implements UpstreamEraStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  private key(tenantId: string, upstreamId: string): string {
    return `${this.prefix}upstream-era:${tenantId}:${upstreamId}`;
  }

  async get(tenantId: string, upstreamId: string): Promise<UpstreamEraRecord | undefined> {
    const raw = await this.redis.get(this.key(tenantId, upstreamId));
    if (raw === null) return undefined;
    try {
      return JSON.parse(raw) as UpstreamEraRecord;
    } catch {
      return undefined;
    }
  }

  async put(tenantId: string, upstreamId: string, record: UpstreamEraRecord, ttlSeconds: number) {
    await this.redis.set(this.key(tenantId, upstreamId), JSON.stringify(record), 'EX', ttlSeconds);
  }

  async forget(tenantId: string, upstreamId: string): Promise<void> {
    await this.redis.del(this.key(tenantId, upstreamId));
  }
}
