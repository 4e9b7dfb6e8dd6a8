import { BusChannels, type Bus } from '@gatehouse/bus';
import { LRUCache } from 'lru-cache';
import type {
  SessionNamespace,
  SessionPage,
  SessionRecord,
  SessionStore,
  SessionWithUpstreams,
  UpstreamSessionState,
} from '@gatehouse/session-store';

export interface SessionCacheOptions {
  /** How long a replica serves a session from memory before reading Redis again; 0 disables. */
  maxAgeMs: number;
  /** Entries kept at most; the least recently used go first. */
  maxEntries: number;
}

/**
 * Saves the Redis round trip that loading the session costs on every request: a replica keeps
 * initialized sessions in memory for `maxAgeMs`. Every change made through this store (delete,
 * upstream session opened or dropped) is written to Redis first, then announced on the bus so
 * the other replicas drop their copy; an admin's termination is announced the same way. The bus
 * is best-effort, so `maxAgeMs` bounds how long a copy can be stale if a message is lost (a
 * session deleted or expired in Redis is served for at most that long, and a request there then
 * fails the way it would on a session that ended a moment later). Sessions not yet initialized
 * are never cached: `notifications/initialized` may land on another replica.
 */
export class CachedSessionStore implements SessionStore {
  /** Absent when caching is off (maxAgeMs 0). */
  private readonly entries: LRUCache<string, SessionWithUpstreams> | undefined;
  private unsubscribe: (() => Promise<void>)[] = [];

  constructor(
    private readonly inner: SessionStore,
    private readonly bus: Bus,
    options: SessionCacheOptions,
  ) {
    this.entries =
      options.maxAgeMs > 0
        ? new LRUCache({
            max: options.maxEntries,
            ttl: options.maxAgeMs,
            // Wall-clock age, as the session's own lastSeenAt, read on every access.
            perf: { now: () => Date.now() },
            ttlResolution: 0,
          })
        : undefined;
  }

  async listen(): Promise<void> {
    const drop = (message: unknown) => {
      const id = (message as { sessionId?: unknown } | null)?.sessionId;
      if (typeof id === 'string') this.entries?.delete(id);
    };
    this.unsubscribe = await Promise.all([
      this.bus.subscribe(BusChannels.sessionChanged, drop),
      this.bus.subscribe(BusChannels.sessionTerminated, drop),
    ]);
  }

  /** Copies held (for tests and metrics). */
  get size(): number {
    return this.entries?.size ?? 0;
  }

  async get(id: string): Promise<SessionWithUpstreams | null> {
    const held = this.entries?.get(id);
    if (held) return held;
    const session = await this.inner.get(id);
    if (session?.initialized) this.entries?.set(id, session);
    return session;
  }

  async touch(id: string, ttlSeconds: number): Promise<boolean> {
    const alive = await this.inner.touch(id, ttlSeconds);
    const held = this.entries?.peek(id);
    if (!alive) this.entries?.delete(id);
    else if (held) held.lastSeenAt = Date.now();
    return alive;
  }

  create(record: SessionRecord, ttlSeconds: number): Promise<void> {
    return this.inner.create(record, ttlSeconds);
  }

  async markInitialized(id: string): Promise<void> {
    await this.inner.markInitialized(id);
    await this.changed(id);
  }

  async setUpstream(id: string, slug: string, state: UpstreamSessionState): Promise<void> {
    await this.inner.setUpstream(id, slug, state);
    await this.changed(id);
  }

  async removeUpstream(id: string, slug: string): Promise<void> {
    await this.inner.removeUpstream(id, slug);
    await this.changed(id);
  }

  async delete(id: string): Promise<SessionWithUpstreams | null> {
    const deleted = await this.inner.delete(id);
    await this.changed(id);
    return deleted;
  }

  listForTenant(tenantId: string, limit: number, cursor?: string): Promise<SessionPage> {
    return this.inner.listForTenant(tenantId, limit, cursor);
  }

  putValues(
    id: string,
    namespace: SessionNamespace,
    entries: Record<string, string>,
    ttlSeconds: number,
  ): Promise<void> {
    return this.inner.putValues(id, namespace, entries, ttlSeconds);
  }

  getValue(id: string, namespace: SessionNamespace, key: string): Promise<string | null> {
    return this.inner.getValue(id, namespace, key);
  }

  takeValue(id: string, namespace: SessionNamespace, key: string): Promise<string | null> {
    return this.inner.takeValue(id, namespace, key);
  }

  countLive(): Promise<number> {
    return this.inner.countLive();
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  /** The runtime owns the inner store and closes it; this only stops listening. */
  async close(): Promise<void> {
    await Promise.all(this.unsubscribe.map((stop) => stop()));
    this.unsubscribe = [];
    this.entries?.clear();
  }

  /** Drops the local copy and tells the other replicas to drop theirs. */
  private async changed(id: string): Promise<void> {
    this.entries?.delete(id);
    await this.bus.publish(BusChannels.sessionChanged, { sessionId: id });
  }
}
