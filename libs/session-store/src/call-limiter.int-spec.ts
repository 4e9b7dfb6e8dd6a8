import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { CONCURRENCY_RETRY_MS, RedisCallLimiter, type CounterCheck } from './call-limiter.redis';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const T0 = Date.UTC(2026, 11, 31, 23, 59, 0);

describe('RedisCallLimiter', () => {
  // Two connections and two limiters over one Redis: two gateway replicas.
  const redisA = new Redis(REDIS_URL);
  const redisB = new Redis(REDIS_URL);
  const prefix = `test:${randomUUID()}:`;
  const replicaA = new RedisCallLimiter(redisA, prefix);
  const replicaB = new RedisCallLimiter(redisB, prefix);
  afterAll(async () => {
    const keys = await redisA.keys(`${prefix}*`);
    if (keys.length > 0) await redisA.del(...keys);
    redisA.disconnect();
    redisB.disconnect();
  });

  it('shares a rate limit across replicas: the 4th call of 3 per minute is refused on the other one', async () => {
    const rate: CounterCheck = {
      kind: 'rate',
      key: `t:${randomUUID()}`,
      requests: 3,
      windowMs: 60_000,
    };
    expect(await replicaA.admit([rate], 'c1', T0, T0 + 1)).toEqual({ admitted: true });
    expect(await replicaB.admit([rate], 'c2', T0, T0 + 1)).toEqual({ admitted: true });
    expect(await replicaA.admit([rate], 'c3', T0, T0 + 1)).toEqual({ admitted: true });
    // GCRA: one call's worth (window / requests = 20 s) frees up 20 s later.
    expect(await replicaB.admit([rate], 'c4', T0, T0 + 1)).toEqual({
      admitted: false,
      refusedIndex: 0,
      retryAfterMs: 20_000,
    });
    expect(await replicaB.admit([rate], 'c5', T0 + 19_999, T0 + 1)).toMatchObject({
      admitted: false,
    });
    expect(await replicaB.admit([rate], 'c6', T0 + 20_000, T0 + 1)).toEqual({ admitted: true });
  });

  it('holds a concurrency slot per call in flight until it is released, on any replica', async () => {
    const slots: CounterCheck = { kind: 'concurrent', key: `t:${randomUUID()}`, max: 2 };
    const lease = T0 + 60_000;
    expect((await replicaA.admit([slots], 'a', T0, lease)).admitted).toBe(true);
    expect((await replicaB.admit([slots], 'b', T0, lease)).admitted).toBe(true);
    expect(await replicaA.admit([slots], 'c', T0, lease)).toEqual({
      admitted: false,
      refusedIndex: 0,
      retryAfterMs: CONCURRENCY_RETRY_MS,
    });
    await replicaB.release([slots], 'a');
    expect((await replicaA.admit([slots], 'c', T0, lease)).admitted).toBe(true);
  });

  it('frees the slot of a call whose replica died once its lease ran out', async () => {
    const slots: CounterCheck = { kind: 'concurrent', key: `t:${randomUUID()}`, max: 1 };
    expect((await replicaA.admit([slots], 'dead', T0, T0 + 5_000)).admitted).toBe(true);
    expect((await replicaB.admit([slots], 'next', T0 + 4_999, T0 + 60_000)).admitted).toBe(false);
    expect((await replicaB.admit([slots], 'next', T0 + 5_001, T0 + 60_000)).admitted).toBe(true);
  });

  it('rolls a daily quota over at midnight UTC and tells when it resets', async () => {
    const key = `t:${randomUUID()}`;
    const today: CounterCheck = {
      kind: 'quota',
      key: `${key}:2026-12-31`,
      max: 2,
      resetsAt: Date.UTC(2027, 0, 1),
    };
    expect((await replicaA.admit([today], 'q1', T0, T0)).admitted).toBe(true);
    expect((await replicaB.admit([today], 'q2', T0, T0)).admitted).toBe(true);
    expect(await replicaA.admit([today], 'q3', T0, T0)).toEqual({
      admitted: false,
      refusedIndex: 0,
      retryAfterMs: 60_000,
    });
    expect(await replicaA.usage([`${key}:2026-12-31`, `${key}:2027-01-01`])).toEqual([2, 0]);
    // The next day is another counter (LimitPlan names it by the UTC date).
    const tomorrow: CounterCheck = {
      ...today,
      key: `${key}:2027-01-01`,
      resetsAt: Date.UTC(2027, 0, 2),
    };
    expect((await replicaB.admit([tomorrow], 'q4', T0 + 60_000, T0)).admitted).toBe(true);
    expect(await replicaA.usage([`${key}:2026-12-31`, `${key}:2027-01-01`])).toEqual([2, 1]);
    expect(await redisA.pttl(`${prefix}limits:${key}:2026-12-31`)).toBeGreaterThan(0);
  });

  it('counts a call in every counter or in none: a refusal by one leaves the others untouched', async () => {
    const key = randomUUID();
    const quota: CounterCheck = {
      kind: 'quota',
      key: `${key}:q`,
      max: 10,
      resetsAt: T0 + 3_600_000,
    };
    const slots: CounterCheck = { kind: 'concurrent', key: `${key}:c`, max: 1 };
    const rate: CounterCheck = { kind: 'rate', key: `${key}:r`, requests: 100, windowMs: 1_000 };
    expect((await replicaA.admit([quota, slots, rate], 'one', T0, T0 + 60_000)).admitted).toBe(
      true,
    );
    expect(await replicaB.admit([quota, slots, rate], 'two', T0, T0 + 60_000)).toMatchObject({
      admitted: false,
      refusedIndex: 1,
    });
    expect(await replicaA.usage([`${key}:q`])).toEqual([1]);
    expect(await redisA.zcard(`${prefix}limits:${key}:c`)).toBe(1);
  });
});
