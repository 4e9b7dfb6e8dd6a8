import { isUpstreamError } from './upstream-error';
import type { UpstreamSession } from './upstream-types';

export interface SessionRetryOptions {
  session: UpstreamSession;
  /** Opens a fresh upstream session (UpstreamClient.initialize with the stored parameters). */
  reinitialize: () => Promise<UpstreamSession>;
  /** Persists the new session (e.g. in Redis) before the retry, so other replicas use it too. */
  onRenewed?: (session: UpstreamSession) => Promise<void>;
}

/**
 * Runs `call` with the stored session; if the upstream says the session is gone
 * (upstream_session_expired: it restarted or evicted us), re-initialises once and retries.
 * A second expiry is passed on: retrying forever would hide a broken upstream.
 */
export async function withSessionRetry<T>(
  options: SessionRetryOptions,
  call: (session: UpstreamSession) => Promise<T>,
): Promise<T> {
  try {
    return await call(options.session);
  } catch (error) {
    if (!isUpstreamError(error, 'upstream_session_expired')) throw error;
    const renewed = await options.reinitialize();
    await options.onRenewed?.(renewed);
    return call(renewed);
  }
}
