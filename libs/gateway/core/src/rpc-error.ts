import { randomUUID } from 'node:crypto';
import { JSON_RPC_ERROR_CODES } from '@gatehouse/mcp-protocol';
import { UpstreamError } from '@gatehouse/mcp-upstream-client';
import type { AuditOutcome } from './ports';

/** JSON-RPC code for a call refused by policy or an approver (implementation-defined range). */
export const POLICY_DENIED_CODE = -32003;

/** A JSON-RPC error to hand back to the client for its request. */
export class RpcError extends Error {
  constructor(
    readonly rpcCode: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export function newGatewayId(kind: string): string {
  // randomUUID draws from a cached entropy pool; randomBytes made a syscall per call.
  return `gh-${kind}-${randomUUID()}`;
}

export function toRpcError(error: unknown, slug: string): RpcError {
  if (error instanceof RpcError) return error;
  if (error instanceof UpstreamError) {
    const code =
      error.code === 'upstream_timeout'
        ? JSON_RPC_ERROR_CODES.REQUEST_TIMEOUT
        : JSON_RPC_ERROR_CODES.SERVER_ERROR;
    return new RpcError(code, error.message, { code: error.code, upstream: slug });
  }
  const text = error instanceof Error ? error.message : String(error);
  return new RpcError(JSON_RPC_ERROR_CODES.INTERNAL_ERROR, `Upstream "${slug}" failed: ${text}`, {
    code: 'upstream_error',
    upstream: slug,
  });
}

/** The reason a call's signal carries when the client cancelled it (notifications/cancelled). */
export class CallCancelled extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'CallCancelled';
  }
}

/** An RpcError that also says how the call ends in the audit trail (denied, timed out, ...). */
export class CallFailure extends RpcError {
  constructor(
    cause: RpcError,
    readonly outcome: Exclude<AuditOutcome, 'ok'>,
  ) {
    super(cause.rpcCode, cause.message, cause.data);
  }
}
