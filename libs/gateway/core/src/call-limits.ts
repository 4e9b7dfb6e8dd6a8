import type { Identity } from '@gatehouse/auth';
import { JSON_RPC_ERROR_CODES } from '@gatehouse/mcp-protocol';
import type { ToolCallContext } from './ports';
import { CallFailure, RpcError } from './rpc-error';

/** JSON-RPC code of a tools/call refused by a rate limit, concurrency limit or quota. */
export const RATE_LIMITED_CODE = -32029;

/**
 * What a limiter says about one tools/call: admitted (release frees its concurrency slots once
 * it ended), or refused by a limit (`rate_limited`, data naming the limit, its scope and when
 * to retry) or because the limits could not be checked and the tenant refuses unchecked calls
 * (`limiter_unavailable`).
 */
export type CallAdmission =
  | { admitted: true; release(): void }
  | {
      admitted: false;
      code: 'rate_limited' | 'limiter_unavailable';
      message: string;
      data: Record<string, unknown>;
    };

/** Counts a tools/call against the tenant's limits before it is relayed. */
export interface CallLimiter {
  admit(context: ToolCallContext): Promise<CallAdmission>;
  /**
   * Counts any HTTP request to /mcp against request-rate limits; a refusal becomes 429 with
   * Retry-After (limiter unavailable and the tenant refuses unchecked requests: 503).
   */
  admitRequest(identity: Identity): Promise<RequestRefusal | undefined>;
}

export interface RequestRefusal {
  status: 429 | 503;
  message: string;
  retryAfterSeconds: number;
}

const NOTHING_HELD: CallAdmission = { admitted: true, release: () => undefined };

/** No limits (the embedded mode, which has no Redis). */
export const UNLIMITED: CallLimiter = {
  admit: () => Promise.resolve(NOTHING_HELD),
  admitRequest: () => Promise.resolve(undefined),
};

/**
 * The limits stage of tools/call: after the policy decision (and approval), right before the
 * relay. A refused call ends here (audited as denied); the upstream never sees it. Returns the
 * function that frees the call's slots.
 */
export async function admitCall(
  limiter: CallLimiter,
  context: ToolCallContext,
): Promise<() => void> {
  const admission = await limiter.admit(context);
  if (admission.admitted) return () => admission.release();
  const code =
    admission.code === 'rate_limited' ? RATE_LIMITED_CODE : JSON_RPC_ERROR_CODES.SERVER_ERROR;
  throw new CallFailure(
    new RpcError(code, admission.message, { code: admission.code, ...admission.data }),
    'denied',
  );
}
