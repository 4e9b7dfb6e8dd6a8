export type UpstreamErrorCode =
  | 'upstream_unreachable'
  | 'upstream_timeout'
  | 'upstream_http_error'
  | 'upstream_session_expired'
  | 'upstream_protocol_error'
  | 'upstream_response_too_large'
  | 'upstream_unauthorized'
  /** The upstream answered, then its connection broke before the answer was complete. */
  | 'upstream_connection_lost'
  /** The caller's signal aborted the exchange (e.g. the MCP client cancelled or went away). */
  | 'upstream_cancelled';

/**
 * Every failure of an exchange with an upstream. The gateway maps `code` to a JSON-RPC error in
 * one place; the message names the upstream and says what an operator should check.
 */
export class UpstreamError extends Error {
  readonly status: number | undefined;

  constructor(
    readonly code: UpstreamErrorCode,
    readonly upstream: string,
    message: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UpstreamError';
    this.status = options.status;
  }
}

export function isUpstreamError(error: unknown, code?: UpstreamErrorCode): error is UpstreamError {
  return error instanceof UpstreamError && (code === undefined || error.code === code);
}

/** Message builders, kept together so wording stays consistent across call sites. */
export const upstreamErrors = {
  unreachable: (upstream: string, url: string, cause: unknown) =>
    new UpstreamError(
      'upstream_unreachable',
      upstream,
      `Upstream "${upstream}" is unreachable at ${url} (${describeCause(cause)}): check that it is running and that the URL is right`,
      { cause },
    ),
  timeout: (upstream: string, ms: number) =>
    new UpstreamError(
      'upstream_timeout',
      upstream,
      `Upstream "${upstream}" did not answer within ${ms} ms: check its health or raise its timeout`,
    ),
  cancelled: (upstream: string) =>
    new UpstreamError(
      'upstream_cancelled',
      upstream,
      `The request to upstream "${upstream}" was cancelled`,
    ),
  http: (upstream: string, status: number, detail: string) =>
    new UpstreamError(
      'upstream_http_error',
      upstream,
      `Upstream "${upstream}" answered HTTP ${status}${detail ? `: ${detail}` : ''}`,
      { status },
    ),
  sessionExpired: (upstream: string, status: number) =>
    new UpstreamError(
      'upstream_session_expired',
      upstream,
      `Upstream "${upstream}" no longer knows this session (HTTP ${status}): re-initialize and retry`,
      { status },
    ),
  protocol: (upstream: string, detail: string) =>
    new UpstreamError(
      'upstream_protocol_error',
      upstream,
      `Upstream "${upstream}" broke the MCP Streamable HTTP protocol: ${detail}`,
    ),
  tooLarge: (upstream: string, maxBytes: number) =>
    new UpstreamError(
      'upstream_response_too_large',
      upstream,
      `Upstream "${upstream}" sent a message larger than ${maxBytes} bytes: raise the limit or page the result`,
    ),
  connectionLost: (upstream: string, cause: unknown) =>
    new UpstreamError(
      'upstream_connection_lost',
      upstream,
      `Upstream "${upstream}" closed the connection before its answer was complete (${describeCause(cause)}): the call may or may not have run; check the upstream's logs before retrying`,
      { cause },
    ),
  unauthorized: (upstream: string, status: number) =>
    new UpstreamError(
      'upstream_unauthorized',
      upstream,
      `Upstream "${upstream}" refused the gateway's credentials (HTTP ${status}): check the credentials configured for this upstream`,
      { status },
    ),
};

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${cause.message}` : cause.message;
  }
  return String(cause);
}
