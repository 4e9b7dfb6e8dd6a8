import { FailedAuthLimiter } from './failed-auth-limiter';

describe('FailedAuthLimiter', () => {
  it('refuses an address past the limit until its window ends, others untouched', () => {
    let now = 1_000_000;
    const limiter = new FailedAuthLimiter({ max: 2, windowMs: 60_000 }, () => now);
    limiter.recordFailure('10.0.0.1');
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBe(0);
    limiter.recordFailure('10.0.0.1');
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBe(60);
    expect(limiter.retryAfterSeconds('10.0.0.2')).toBe(0);
    now += 45_000;
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBe(15);
    now += 15_000;
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBe(0);
  });

  it('stays bounded in memory', () => {
    const limiter = new FailedAuthLimiter({ max: 1, windowMs: 60_000 }, Date.now, 10);
    for (let i = 0; i < 100; i++) limiter.recordFailure(`10.0.0.${i}`);
    expect(limiter.retryAfterSeconds('10.0.0.99')).toBeGreaterThan(0);
    expect(limiter.retryAfterSeconds('10.0.0.0')).toBe(0);
  });
});
