interface Window {
  startedAt: number;
  failures: number;
}

export interface FailedAuthLimit {
  /** Failed authentications allowed per address and window. */
  max: number;
  windowMs: number;
}

export const DEFAULT_FAILED_AUTH_LIMIT: FailedAuthLimit = { max: 20, windowMs: 60_000 };

/**
 * Counts failed authentications per client address in fixed windows; past `max` the address is
 * refused (429) until the window ends. Per replica: an attacker spread over N replicas gets N
 * times the budget, still far too little to guess a 256-bit token.
 */
export class FailedAuthLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: FailedAuthLimit = DEFAULT_FAILED_AUTH_LIMIT,
    private readonly now: () => number = Date.now,
    private readonly maxTracked = 50_000,
  ) {}

  /** Seconds until the address may try again, or 0 when it may try now. */
  retryAfterSeconds(address: string): number {
    const window = this.current(address);
    if (!window || window.failures < this.limit.max) return 0;
    return Math.max(1, Math.ceil((window.startedAt + this.limit.windowMs - this.now()) / 1000));
  }

  recordFailure(address: string): void {
    const window = this.current(address);
    if (window) {
      window.failures++;
      return;
    }
    if (this.windows.size >= this.maxTracked) this.evictExpired();
    this.windows.set(address, { startedAt: this.now(), failures: 1 });
  }

  private current(address: string): Window | undefined {
    const window = this.windows.get(address);
    if (window && this.now() - window.startedAt >= this.limit.windowMs) {
      this.windows.delete(address);
      return undefined;
    }
    return window;
  }

  private evictExpired(): void {
    for (const [address, window] of this.windows) {
      if (this.now() - window.startedAt >= this.limit.windowMs) this.windows.delete(address);
    }
    // Still full: forget the oldest entries rather than grow without bound.
    for (const address of this.windows.keys()) {
      if (this.windows.size < this.maxTracked) break;
      this.windows.delete(address);
    }
  }
}
