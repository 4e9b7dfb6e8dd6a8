import type { RedisConnection } from './redis-connection';
import {
  SESSION_NAMESPACES,
  summarise,
  type SessionNamespace,
  type SessionPage,
  type SessionRecord,
  type SessionStore,
  type SessionWithUpstreams,
  type UpstreamSessionState,
} from './session';

const META = 'meta';
const UPSTREAM_PREFIX = 'up:';
/** Margin for clock skew between replicas when pruning the tenant index of expired sessions. */
const INDEX_SKEW_SECONDS = 60;

/**
 * One Redis hash per session: field `meta` holds the record, `up:<slug>` each upstream session,
 * so two replicas opening different upstreams of the same session never overwrite each other.
 * A sorted set per tenant (score = last seen) lists live sessions for the admin API.
 */
export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}session:${id}`;
  }

  /** Every live session, scored by when it expires (ms): counted without a SCAN. */
  private liveIndex(): string {
    return `${this.prefix}sessions:live`;
  }

  private tenantIndex(tenantId: string): string {
    return `${this.prefix}tenant-sessions:${tenantId}`;
  }

  async create(record: SessionRecord, ttlSeconds: number): Promise<void> {
    const index = this.tenantIndex(record.tenantId);
    await this.redis
      .multi()
      .hset(this.key(record.id), META, JSON.stringify(record))
      .expire(this.key(record.id), ttlSeconds)
      .zadd(index, record.lastSeenAt, record.id)
      .zadd(this.liveIndex(), record.lastSeenAt + ttlSeconds * 1000, record.id)
      .zremrangebyscore(this.liveIndex(), '-inf', record.lastSeenAt)
      // Sessions end by TTL without telling the index: an entry last seen more than a TTL ago
      // (plus a minute for clock skew between replicas) can only be expired, so each new session
      // prunes those; and the index itself expires with its newest session.
      .zremrangebyscore(index, '-inf', record.lastSeenAt - (ttlSeconds + INDEX_SKEW_SECONDS) * 1000)
      .expire(index, ttlSeconds + INDEX_SKEW_SECONDS)
      .exec();
  }

  async get(id: string): Promise<SessionWithUpstreams | null> {
    const fields: Record<string, string> = await this.redis.hgetall(this.key(id));
    const meta = fields[META];
    if (!meta) return null;
    const record = JSON.parse(meta) as SessionRecord;
    const upstreams: Record<string, UpstreamSessionState> = {};
    for (const [field, value] of Object.entries(fields)) {
      if (field.startsWith(UPSTREAM_PREFIX)) {
        upstreams[field.slice(UPSTREAM_PREFIX.length)] = JSON.parse(value) as UpstreamSessionState;
      }
    }
    return { ...record, upstreams };
  }

  async touch(id: string, ttlSeconds: number): Promise<boolean> {
    const meta = await this.redis.hget(this.key(id), META);
    if (!meta) return false;
    const record = JSON.parse(meta) as SessionRecord;
    record.lastSeenAt = Date.now();
    const result = await this.redis
      .multi()
      .expire(this.key(id), ttlSeconds)
      .hset(this.key(id), META, JSON.stringify(record))
      .zadd(this.tenantIndex(record.tenantId), record.lastSeenAt, id)
      .zadd(this.liveIndex(), record.lastSeenAt + ttlSeconds * 1000, id)
      .expire(this.tenantIndex(record.tenantId), ttlSeconds + INDEX_SKEW_SECONDS)
      .exec();
    return result?.[0]?.[1] === 1;
  }

  async markInitialized(id: string): Promise<void> {
    const meta = await this.redis.hget(this.key(id), META);
    if (!meta) return;
    const record = JSON.parse(meta) as SessionRecord;
    if (record.initialized) return;
    record.initialized = true;
    // HSET on a key that expired between the read and the write would resurrect it without a
    // TTL; only write while the key still exists.
    await this.redis.eval(
      "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end return 0",
      1,
      this.key(id),
      META,
      JSON.stringify(record),
    );
  }

  async setUpstream(id: string, slug: string, state: UpstreamSessionState): Promise<void> {
    await this.redis.eval(
      "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end return 0",
      1,
      this.key(id),
      UPSTREAM_PREFIX + slug,
      JSON.stringify(state),
    );
  }

  async removeUpstream(id: string, slug: string): Promise<void> {
    await this.redis.hdel(this.key(id), UPSTREAM_PREFIX + slug);
  }

  private valuesKey(id: string, namespace: SessionNamespace): string {
    return `${this.prefix}session:${id}:${namespace}`;
  }

  async putValues(
    id: string,
    namespace: SessionNamespace,
    entries: Record<string, string>,
    ttlSeconds: number,
  ): Promise<void> {
    if (Object.keys(entries).length === 0) return;
    const key = this.valuesKey(id, namespace);
    await this.redis.multi().hset(key, entries).expire(key, ttlSeconds).exec();
  }

  async getValue(id: string, namespace: SessionNamespace, key: string): Promise<string | null> {
    return this.redis.hget(this.valuesKey(id, namespace), key);
  }

  async takeValue(id: string, namespace: SessionNamespace, key: string): Promise<string | null> {
    const result = await this.redis
      .multi()
      .hget(this.valuesKey(id, namespace), key)
      .hdel(this.valuesKey(id, namespace), key)
      .exec();
    const value = result?.[0]?.[1];
    const removed = result?.[1]?.[1];
    return removed === 1 && typeof value === 'string' ? value : null;
  }

  async delete(id: string): Promise<SessionWithUpstreams | null> {
    const existing = await this.get(id);
    if (!existing) return null;
    const [[, deleted] = [null, 0]] =
      (await this.redis
        .multi()
        .del(this.key(id))
        .del(...SESSION_NAMESPACES.map((n) => this.valuesKey(id, n)))
        .zrem(this.tenantIndex(existing.tenantId), id)
        .zrem(this.liveIndex(), id)
        .exec()) ?? [];
    // Two replicas deleting at once: only the one whose DEL removed the key reports it.
    return deleted === 1 ? existing : null;
  }

  async listForTenant(tenantId: string, limit: number, cursor?: string): Promise<SessionPage> {
    const index = this.tenantIndex(tenantId);
    const start = cursor ? Number.parseInt(Buffer.from(cursor, 'base64url').toString(), 10) : 0;
    const offset = Number.isFinite(start) && start >= 0 ? start : 0;
    const items = [];
    let position = offset;
    // Index entries of expired sessions are pruned as they are met.
    while (items.length < limit) {
      const ids = await this.redis.zrevrange(index, position, position + limit - 1);
      if (ids.length === 0) {
        position = -1;
        break;
      }
      for (const id of ids) {
        position += 1;
        const meta = await this.redis.hget(this.key(id), META);
        if (!meta) {
          await this.redis.zrem(index, id);
          position -= 1;
          continue;
        }
        items.push(summarise(JSON.parse(meta) as SessionRecord));
        if (items.length === limit) break;
      }
    }
    const more = position >= 0 && (await this.redis.zcard(index)) > position;
    return {
      items,
      nextCursor: more ? Buffer.from(String(position)).toString('base64url') : null,
    };
  }

  async countLive(): Promise<number> {
    // Sessions end by TTL without telling anyone: entries past their expiry are dropped first.
    const replies = await this.redis
      .multi()
      .zremrangebyscore(this.liveIndex(), '-inf', Date.now())
      .zcard(this.liveIndex())
      .exec();
    const count = replies?.[1]?.[1];
    return typeof count === 'number' ? count : 0;
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    // The connection belongs to whoever created it.
  }
}
