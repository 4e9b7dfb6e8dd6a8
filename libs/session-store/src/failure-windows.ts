import type { RedisConnection } from './redis-connection';

/** Failures counted in a key's current fixed window, and the milliseconds until it ends. */
export interface FailureWindow {
  failures: number;
  resetInMs: number;
}

/**
 * Counters of failures in fixed windows, per key (the failed-authentication limiter). Redis
 * makes the count cluster-wide; the in-memory adapter serves the embedded all-in-one.
 */
export interface FailureWindows {
  /** Counts one failure; the first failure of a key starts its window of `windowMs`. */
  record(key: string, windowMs: number): Promise<FailureWindow>;
  /** The key's current window (0 failures when none is open). */
  peek(key: string): Promise<FailureWindow>;
}

// INCR and the expiry of a new window in one step, so a crash between them cannot leave a
// counter that never expires; a counter without a TTL (never expected) gets one.
const RECORD = `
local failures = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if failures == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {failures, ttl}`;

const PEEK = `
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
return {failures, redis.call('PTTL', KEYS[1])}`;

export class RedisFailureWindows implements FailureWindows {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  async record(key: string, windowMs: number): Promise<FailureWindow> {
    return toWindow(await this.redis.eval(RECORD, 1, this.keyOf(key), String(windowMs)));
  }

  async peek(key: string): Promise<FailureWindow> {
    return toWindow(await this.redis.eval(PEEK, 1, this.keyOf(key)));
  }

  private keyOf(key: string): string {
    return `${this.prefix}authfail:${key}`;
  }
}

function toWindow(reply: unknown): FailureWindow {
  const [failures, ttl] = Array.isArray(reply) ? reply : [];
  return {
    failures: typeof failures === 'number' ? failures : 0,
    resetInMs: typeof ttl === 'number' && ttl > 0 ? ttl : 0,
  };
}

/** One process's windows, bounded: past `maxTracked` keys the expired, then the oldest go. */
export class InMemoryFailureWindows implements FailureWindows {
  private readonly windows = new Map<string, { endsAt: number; failures: number }>();

  constructor(
    private readonly maxTracked = 50_000,
    private readonly now: () => number = Date.now,
  ) {}

  async record(key: string, windowMs: number): Promise<FailureWindow> {
    const open = this.open(key);
    if (open) {
      open.failures++;
      return { failures: open.failures, resetInMs: open.endsAt - this.now() };
    }
    if (this.windows.size >= this.maxTracked) this.evict();
    this.windows.set(key, { endsAt: this.now() + windowMs, failures: 1 });
    return { failures: 1, resetInMs: windowMs };
  }

  async peek(key: string): Promise<FailureWindow> {
    const open = this.open(key);
    return open
      ? { failures: open.failures, resetInMs: open.endsAt - this.now() }
      : { failures: 0, resetInMs: 0 };
  }

  private open(key: string): { endsAt: number; failures: number } | undefined {
    const window = this.windows.get(key);
    if (window && window.endsAt <= this.now()) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  private evict(): void {
    for (const [key, window] of this.windows) {
      if (window.endsAt <= this.now()) this.windows.delete(key);
    }
    for (const key of this.windows.keys()) {
      if (this.windows.size < this.maxTracked) break;
      this.windows.delete(key);
    }
  }
}
