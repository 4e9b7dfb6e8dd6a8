import type { Logger } from '@gatehouse/telemetry';
import { LRUCache } from 'lru-cache';

export interface LastGoodCacheOptions<V> {
  /** Reads the value (from Postgres); a rejection keeps the last good value in service. */
  load: (key: string) => Promise<V>;
  /** How long a loaded value is served before the next read reloads it. */
  maxAgeMs: number;
  /** Keys kept at most; the least recently used go first (default 10,000). */
  max?: number;
  logger: Logger;
  /** The warning logged when a reload failed and the last good value is served. */
  staleWarning: string;
}

/**
 * A per-replica cache of configuration read from Postgres: a value is fresh for `maxAgeMs`,
 * then the next read reloads it (concurrent reads share one load). When a reload fails the last
 * good value is served, and logged, until a reload succeeds: Postgres being down must not stop
 * tool calls. A key never loaded has no fallback, so its read rejects with the error.
 */
export class LastGoodCache<V extends object> {
  private readonly cache: LRUCache<string, V>;

  constructor(options: LastGoodCacheOptions<V>) {
    this.cache = new LRUCache<string, V>({
      max: options.max ?? 10_000,
      ttl: options.maxAgeMs,
      allowStaleOnFetchRejection: true,
      noDeleteOnFetchRejection: true,
      fetchMethod: async (key, stale) => {
        try {
          return await options.load(key);
        } catch (error) {
          if (stale !== undefined) options.logger.warn({ key, err: error }, options.staleWarning);
          throw error;
        }
      },
    });
  }

  async get(key: string): Promise<V> {
    // Without a last good value a failed load must reject (lru-cache would resolve undefined).
    const fallback = this.cache.peek(key, { allowStale: true }) !== undefined;
    const value = await this.cache.fetch(key, { allowStaleOnFetchRejection: fallback });
    // Not reached: load resolves a V, and a rejection without a fallback rejects above.
    if (value === undefined) throw new Error(`no value loaded for ${key}`);
    return value;
  }

  /** Drops a key, last good value included (it changed: the next read must load it). */
  delete(key: string): void {
    this.cache.delete(key);
  }

  /** Drops every key starting with `prefix`. */
  deleteWhere(matches: (key: string) => boolean): void {
    for (const key of [...this.cache.keys()]) if (matches(key)) this.cache.delete(key);
  }
}
