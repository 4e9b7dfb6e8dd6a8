import type { RedisConnection } from './redis-connection';

/** One counter a call must pass, as the Redis limiter sees it (see LimitPlan in policy). */
export type CounterCheck =
  | { kind: 'rate'; key: string; requests: number; windowMs: number }
  | { kind: 'concurrent'; key: string; max: number }
  | { kind: 'quota'; key: string; max: number; resetsAt: number };

export type CounterVerdict =
  { admitted: true } | { admitted: false; refusedIndex: number; retryAfterMs: number };

/** How long a refused concurrent call is told to wait: a slot frees when any call ends. */
export const CONCURRENCY_RETRY_MS = 1_000;

/**
 * Checks every counter of a call, then counts the call in all of them, or in none if one
 * refuses: one script, so one round trip per call, atomic across replicas.
 *  - rate: GCRA. The key holds the theoretical arrival time (TAT); each call moves it by
 *    window/requests; a call is refused while TAT would run more than a window ahead of now,
 *    which allows bursts of `requests` and then an even rate. One small string per counter.
 *  - concurrent: a sorted set of call ids scored by lease expiry; expired leases (a replica died
 *    mid-call) are dropped first. Released by `release` when the call ends.
 *  - quota: a counter per period that expires a day after the period ends.
 * ARGV: now, call id, lease expiry, then per key: kind, a, b.
 */
const ADMIT = `
local now = tonumber(ARGV[1])
local pending = {}
for i, key in ipairs(KEYS) do
  local kind = ARGV[3 + (i - 1) * 3 + 1]
  local a = tonumber(ARGV[3 + (i - 1) * 3 + 2])
  local b = tonumber(ARGV[3 + (i - 1) * 3 + 3])
  if kind == 'r' then
    local tat = tonumber(redis.call('GET', key) or now)
    if tat < now then tat = now end
    local next_tat = tat + b / a
    if next_tat - now > b then return {0, i, math.ceil(next_tat - now - b)} end
    pending[i] = next_tat
  elseif kind == 'c' then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    if redis.call('ZCARD', key) >= a then return {0, i, ${CONCURRENCY_RETRY_MS}} end
  else
    local used = tonumber(redis.call('GET', key) or '0')
    if used >= a then return {0, i, b - now} end
  end
end
for i, key in ipairs(KEYS) do
  local kind = ARGV[3 + (i - 1) * 3 + 1]
  local b = tonumber(ARGV[3 + (i - 1) * 3 + 3])
  if kind == 'r' then
    redis.call('SET', key, string.format('%.3f', pending[i]), 'PX', math.ceil(pending[i] - now) + 1000)
  elseif kind == 'c' then
    redis.call('ZADD', key, ARGV[3], ARGV[2])
    redis.call('PEXPIREAT', key, ARGV[3])
  else
    redis.call('INCR', key)
    redis.call('PEXPIREAT', key, b + 86400000)
  end
end
return {1}
`;

type AdmitReply = [0, number, number] | [1];

type LimiterRedis = RedisConnection & {
  gatehouseAdmitCall(...args: (string | number)[]): Promise<AdmitReply>;
};

/**
 * The cluster-wide counters of rate limits, concurrency limits and quotas, in Redis under
 * `<prefix>limits:`. `admit` is the one round trip on a call's path; `release` runs when the
 * call has ended and the answer is on its way.
 */
export class RedisCallLimiter {
  private readonly redis: LimiterRedis;

  constructor(
    redis: RedisConnection,
    private readonly prefix: string,
  ) {
    redis.defineCommand('gatehouseAdmitCall', { lua: ADMIT });
    this.redis = redis as LimiterRedis;
  }

  async admit(
    checks: CounterCheck[],
    callId: string,
    now: number,
    leaseExpiresAt: number,
  ): Promise<CounterVerdict> {
    if (checks.length === 0) return { admitted: true };
    const args: (string | number)[] = [checks.length];
    for (const check of checks) args.push(this.key(check.key));
    args.push(now, callId, leaseExpiresAt);
    for (const check of checks) {
      if (check.kind === 'rate') args.push('r', check.requests, check.windowMs);
      else if (check.kind === 'concurrent') args.push('c', check.max, 0);
      else args.push('q', check.max, check.resetsAt);
    }
    const reply = await this.redis.gatehouseAdmitCall(...args);
    if (reply[0] === 1) return { admitted: true };
    return {
      admitted: false,
      refusedIndex: Number(reply[1]) - 1,
      retryAfterMs: Math.max(0, Number(reply[2])),
    };
  }

  /** Frees the call's concurrency slots. */
  async release(checks: CounterCheck[], callId: string): Promise<void> {
    const slots = checks.filter((check) => check.kind === 'concurrent');
    if (slots.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const slot of slots) pipeline.zrem(this.key(slot.key), callId);
    await pipeline.exec();
  }

  /** Calls counted so far in each quota counter (0 where none). */
  async usage(keys: string[]): Promise<number[]> {
    if (keys.length === 0) return [];
    const values = await this.redis.mget(...keys.map((key) => this.key(key)));
    return values.map((value) => Number(value ?? 0));
  }

  private key(key: string): string {
    return `${this.prefix}limits:${key}`;
  }
}
