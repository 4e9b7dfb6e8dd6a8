import { createHash } from 'node:crypto';
import type { FailureWindows } from '@gatehouse/session-store';
import type { Logger } from '@gatehouse/telemetry';

export interface FailedAuthLimit {
  /** Failed authentications allowed per address and presented credential, per window. */
  max: number;
  windowMs: number;
}

export const DEFAULT_FAILED_AUTH_LIMIT: FailedAuthLimit = { max: 20, windowMs: 60_000 };

/**
 * Counts failed authentications per client address AND presented credential (the whole
 * Authorization header, hashed: no secret is stored), in fixed windows shared by every replica
 * through Redis (docs/decisions/0009-failed-authentication-limiter.md). Past `max` that credential from
 * that address is refused (429) until its window ends. A valid credential is never counted, so
 * it keeps working from an address that another client floods with bad tokens (one agent behind
 * a corporate NAT no longer shuts out the team). When the counters cannot be reached, requests
 * are authenticated as usual: the limiter slows guessing, the 256-bit tokens prevent it.
 */
export class FailedAuthLimiter {
  constructor(
    private readonly windows: FailureWindows,
    private readonly logger: Logger,
    private readonly limit: FailedAuthLimit = DEFAULT_FAILED_AUTH_LIMIT,
  ) {}

  /** Seconds until this credential may be tried again from this address, or 0 when it may now. */
  async retryAfterSeconds(address: string, credential: string | undefined): Promise<number> {
    try {
      const window = await this.windows.peek(keyOf(address, credential));
      if (window.failures < this.limit.max) return 0;
      return Math.max(1, Math.ceil(window.resetInMs / 1000));
    } catch (error) {
      this.logger.warn({ err: error }, 'failed-authentication counters unreachable; not limiting');
      return 0;
    }
  }

  async recordFailure(address: string, credential: string | undefined): Promise<void> {
    try {
      await this.windows.record(keyOf(address, credential), this.limit.windowMs);
    } catch (error) {
      this.logger.warn({ err: error }, 'failed-authentication counters unreachable; not counted');
    }
  }
}

/** A fixed-length key naming the pair, without the credential in clear. */
function keyOf(address: string, credential: string | undefined): string {
  return createHash('sha256')
    .update(`${address}\n${credential ?? ''}`)
    .digest('base64url');
}
