import { InMemoryFailureWindows } from '@gatehouse/session-store';
import { createLogger } from '@gatehouse/telemetry';
import { FailedAuthLimiter } from './failed-auth-limiter';

const logger = createLogger('failed-auth-limiter-test', 'silent');

describe('FailedAuthLimiter', () => {
  it('refuses a credential from an address past the limit until its window ends', async () => {
    let now = 1_000_000;
    const windows = new InMemoryFailureWindows(50_000, () => now);
    const limiter = new FailedAuthLimiter(windows, logger, { max: 2, windowMs: 60_000 });
    await limiter.recordFailure('10.0.0.1', 'Bearer gth_bad');
    expect(await limiter.retryAfterSeconds('10.0.0.1', 'Bearer gth_bad')).toBe(0);
    await limiter.recordFailure('10.0.0.1', 'Bearer gth_bad');
    expect(await limiter.retryAfterSeconds('10.0.0.1', 'Bearer gth_bad')).toBe(60);
    now += 45_000;
    expect(await limiter.retryAfterSeconds('10.0.0.1', 'Bearer gth_bad')).toBe(15);
    now += 15_000;
    expect(await limiter.retryAfterSeconds('10.0.0.1', 'Bearer gth_bad')).toBe(0);
  });

  it("never refuses another credential, or the same one from another address, for one pair's failures", async () => {
    const limiter = new FailedAuthLimiter(new InMemoryFailureWindows(), logger, {
      max: 1,
      windowMs: 60_000,
    });
    await limiter.recordFailure('10.0.0.1', 'Bearer gth_bad');
    expect(await limiter.retryAfterSeconds('10.0.0.1', 'Bearer gth_bad')).toBeGreaterThan(0);
    expect(await limiter.retryAfterSeconds('10.0.0.1', 'Bearer gth_valid')).toBe(0);
    expect(await limiter.retryAfterSeconds('10.0.0.1', undefined)).toBe(0);
    expect(await limiter.retryAfterSeconds('10.0.0.2', 'Bearer gth_bad')).toBe(0);
  });

  it('authenticates as usual when the counters cannot be reached', async () => {
    const broken = {
      record: () => Promise.reject(new Error('redis down')),
      peek: () => Promise.reject(new Error('redis down')),
    };
    const limiter = new FailedAuthLimiter(broken, logger, { max: 1, windowMs: 60_000 });
    await expect(limiter.recordFailure('10.0.0.1', 'x')).resolves.toBeUndefined();
    expect(await limiter.retryAfterSeconds('10.0.0.1', 'x')).toBe(0);
  });

  it('keeps the in-memory windows bounded', async () => {
    const windows = new InMemoryFailureWindows(10);
    for (let i = 0; i < 100; i++) await windows.record(`k${i}`, 60_000);
    expect((await windows.peek('k99')).failures).toBe(1);
    expect((await windows.peek('k0')).failures).toBe(0);
  });
});
