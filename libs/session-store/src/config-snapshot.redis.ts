import type { RedisConnection } from './redis-connection';

/** One tenant's stored snapshot: the body is opaque JSON to this store. */
export interface StoredConfigSnapshot {
  tenantId: string;
  /** From `nextVersion`: a later read of Postgres always has a higher version. */
  version: number;
  /** When the Postgres read that produced it started (ms since the epoch). */
  takenAt: number;
  body: string;
}

/** What a snapshot is found by besides its tenant id. */
export interface ConfigSnapshotIndex {
  tenantSlug: string;
  tokenHashes: string[];
}

// Written only when newer than what is stored: a slow writer that read Postgres before a
// revocation can never overwrite the snapshot of a writer that read it after.
const WRITE_IF_NEWER = `
local current = redis.call('HGET', KEYS[1], 'version')
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'takenAt', ARGV[2], 'body', ARGV[3])
return 1
`;

/**
 * The data plane's config per tenant, kept in Redis so that a replica can serve when Postgres
 * does not answer (docs/decisions/0012). Versions come from one Redis counter per tenant,
 * taken before the Postgres read, so "newer" means "read later" across every replica.
 */
export class RedisConfigSnapshotStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  private key(...parts: string[]): string {
    return `${this.prefix}config-snapshot:${parts.join(':')}`;
  }

  nextVersion(tenantId: string): Promise<number> {
    return this.redis.incr(this.key('version', tenantId));
  }

  /** Stores the snapshot unless a newer one is there; true when it was written. */
  async write(snapshot: StoredConfigSnapshot, index: ConfigSnapshotIndex): Promise<boolean> {
    const written = await this.redis.eval(
      WRITE_IF_NEWER,
      1,
      this.key('tenant', snapshot.tenantId),
      String(snapshot.version),
      String(snapshot.takenAt),
      snapshot.body,
    );
    if (written !== 1) return false;
    // Hints only: a reader always checks the tenant's snapshot itself, so an entry left over
    // from a deleted token or a renamed tenant finds nothing.
    const pipeline = this.redis.pipeline();
    pipeline.sadd(this.key('tenants'), snapshot.tenantId);
    pipeline.hset(this.key('slugs'), snapshot.tenantId, snapshot.tenantId);
    pipeline.hset(this.key('slugs'), index.tenantSlug, snapshot.tenantId);
    for (const hash of index.tokenHashes)
      pipeline.hset(this.key('tokens'), hash, snapshot.tenantId);
    await pipeline.exec();
    return true;
  }

  async read(tenantId: string): Promise<StoredConfigSnapshot | undefined> {
    const [version, takenAt, body] = await this.redis.hmget(
      this.key('tenant', tenantId),
      'version',
      'takenAt',
      'body',
    );
    if (!version || !takenAt || body === null || body === undefined) return undefined;
    return { tenantId, version: Number(version), takenAt: Number(takenAt), body };
  }

  /** Age of the tenant's snapshot in ms, undefined when there is none. */
  async takenAt(tenantId: string): Promise<number | undefined> {
    const value = await this.redis.hget(this.key('tenant', tenantId), 'takenAt');
    return value === null ? undefined : Number(value);
  }

  async tenantOfToken(hash: string): Promise<string | undefined> {
    return (await this.redis.hget(this.key('tokens'), hash)) ?? undefined;
  }

  async tenantOfIdOrSlug(idOrSlug: string): Promise<string | undefined> {
    return (await this.redis.hget(this.key('slugs'), idOrSlug)) ?? undefined;
  }

  tenants(): Promise<string[]> {
    return this.redis.smembers(this.key('tenants'));
  }
}
