import { JSON_RPC_ERROR_CODES } from '@gatehouse/mcp-protocol';

/**
 * Every way a request can fail at the HTTP level, mapped in this one place to its status, the
 * JSON-RPC code of the body and advice for the caller. `code` is the machine-readable part.
 */
const HTTP_FAILURES = {
  origin_not_allowed: {
    status: 403,
    rpc: JSON_RPC_ERROR_CODES.SERVER_ERROR,
    hint: 'Add the Origin to ALLOWED_ORIGINS or call without a browser Origin.',
  },
  host_not_allowed: {
    status: 403,
    rpc: JSON_RPC_ERROR_CODES.SERVER_ERROR,
    hint: 'Address the gateway by its PUBLIC_URL host or add the host to ALLOWED_HOSTS.',
  },
  unauthorized: {
    status: 401,
    rpc: JSON_RPC_ERROR_CODES.SERVER_ERROR,
    hint: 'Send Authorization: Bearer <gth_ token, or an access token from the authorization server that /.well-known/oauth-protected-resource names>.',
  },
  forbidden: {
    status: 403,
    rpc: JSON_RPC_ERROR_CODES.SERVER_ERROR,
    hint: 'Ask an admin for a token with the mcp:call scope.',
  },
  not_acceptable: {
    status: 406,
    rpc: JSON_RPC_ERROR_CODES.SERVER_ERROR,
    hint: 'POST needs Accept: application/json, text/event-stream; GET needs Accept: text/event-stream.',
  },
  unsupported_media_type: {
    status: 415,
    rpc: JSON_RPC_ERROR_CODES.SERVER_ERROR,
    hint: 'Send Content-Type: application/json.',
  },
  payload_too_large: {
    status: 413,
    rpc: JSON_RPC_ERROR_CODES.SERVER_ERROR,
    hint: 'Send a smaller body (MCP_MAX_BODY_BYTES).',
  },
  parse_error: {
    status: 400,
    rpc: JSON_RPC_ERROR_CODES.PARSE_ERROR,
    hint: 'The body must be valid JSON.',
  },
  invalid_request: {
    status: 400,
    rpc: JSON_RPC_ERROR_CODES.INVALID_REQUEST,
    hint: 'Send a JSON-RPC 2.0 message.',
  },
  batch_not_allowed: {
    status: 400,
    rpc: JSON_RPC_ERROR_CODES.INVALID_REQUEST,
    hint: 'Batches exist only in protocol 2025-03-26; send one message per POST.',
  },
  invalid_url: {
    status: 400,
    rpc: JSON_RPC_ERROR_CODES.INVALID_REQUEST,
    hint: 'Percent-escapes in the path must be %XX of UTF-8 bytes, e.g. POST /mcp/<upstream-slug>.',
  },
  uri_too_long: {
    status: 414,
    rpc: JSON_RPC_ERROR_CODES.INVALID_REQUEST,
    hint: 'Path segments are at most 100 characters; an upstream slug at most 40.',
  },
  request_timeout: {
    status: 408,
    rpc: JSON_RPC_ERROR_CODES.INVALID_REQUEST,
    hint: 'Send the whole request within HTTP_REQUEST_TIMEOUT_MS.',
  },
  headers_too_large: {
    status: 431,
    rpc: JSON_RPC_ERROR_CODES.INVALID_REQUEST,
    hint: 'Shorten the URL and headers (Node allows 16 KiB in all).',
  },
  session_required: {
    status: 400,
    rpc: JSON_RPC_ERROR_CODES.SERVER_ERROR,
    hint: 'Send the Mcp-Session-Id returned by initialize.',
  },
  invalid_protocol_version: {
    status: 400,
    rpc: JSON_RPC_ERROR_CODES.SERVER_ERROR,
    hint: 'Send the MCP-Protocol-Version negotiated at initialize.',
  },
  session_not_found: {
    status: 404,
    rpc: JSON_RPC_ERROR_CODES.SERVER_ERROR,
    hint: 'Start a new session with initialize.',
  },
  already_initialized: {
    status: 400,
    rpc: JSON_RPC_ERROR_CODES.INVALID_REQUEST,
    hint: 'Send initialize without an Mcp-Session-Id to start a new session.',
  },
  unknown_upstream: {
    status: 404,
    rpc: JSON_RPC_ERROR_CODES.SERVER_ERROR,
    hint: 'List the upstreams you may use with GET /api/v1/tenants/:t/upstreams.',
  },
  method_not_allowed: {
    status: 405,
    rpc: JSON_RPC_ERROR_CODES.SERVER_ERROR,
    hint: 'Use POST, GET or DELETE.',
  },
  rate_limited: {
    status: 429,
    rpc: JSON_RPC_ERROR_CODES.SERVER_ERROR,
    hint: 'Wait for the Retry-After seconds, then send the request again.',
  },
  service_unavailable: {
    status: 503,
    rpc: JSON_RPC_ERROR_CODES.SERVER_ERROR,
    hint: 'Retry shortly.',
  },
  internal_error: {
    status: 500,
    rpc: JSON_RPC_ERROR_CODES.INTERNAL_ERROR,
    hint: 'A gateway fault, logged by the gateway; retry, and tell the operator if it persists.',
  },
} as const;

export type HttpFailureCode = keyof typeof HTTP_FAILURES;

export class GatewayHttpError extends Error {
  readonly status: number;
  readonly rpcCode: number;
  readonly hint: string;

  constructor(
    readonly code: HttpFailureCode,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Why exactly (an AuthFailure code for refused credentials), machine-readable. */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'GatewayHttpError';
    const failure = HTTP_FAILURES[code];
    this.status = failure.status;
    this.rpcCode = failure.rpc;
    this.hint = failure.hint;
  }

  /** JSON-RPC error body with id null (the request could not be read or was refused whole). */
  toBody(requestId: string | number | null = null) {
    return {
      jsonrpc: '2.0' as const,
      id: requestId,
      error: {
        code: this.rpcCode,
        message: this.message,
        data: {
          code: this.code,
          hint: this.hint,
          ...(this.reason === undefined ? {} : { reason: this.reason }),
        },
      },
    };
  }
}

/**
 * Whether an unexpected error is a fault in the gateway's own code (a bug) rather than a
 * store or service it depends on failing: JavaScript's programming errors, and a query Prisma
 * refused to build. The first is answered 500, the second 503 (retrying may help).
 */
export function isProgrammingError(error: unknown): boolean {
  return (
    error instanceof TypeError ||
    error instanceof ReferenceError ||
    error instanceof RangeError ||
    error instanceof SyntaxError ||
    (error instanceof Error && error.name === 'PrismaClientValidationError')
  );
}
