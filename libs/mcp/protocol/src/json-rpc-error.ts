import { ErrorCode, type RequestId } from '@modelcontextprotocol/sdk/types.js';

/**
 * JSON-RPC and MCP error codes the gateway sends. Values come from the SDK's `ErrorCode` so they
 * cannot drift; this object only gives them stable names usable without the enum.
 */
export const JSON_RPC_ERROR_CODES = {
  PARSE_ERROR: ErrorCode.ParseError,
  INVALID_REQUEST: ErrorCode.InvalidRequest,
  METHOD_NOT_FOUND: ErrorCode.MethodNotFound,
  INVALID_PARAMS: ErrorCode.InvalidParams,
  INTERNAL_ERROR: ErrorCode.InternalError,
  /** Implementation-defined server error range start; the SDK uses it for "connection closed". */
  SERVER_ERROR: ErrorCode.ConnectionClosed,
  REQUEST_TIMEOUT: ErrorCode.RequestTimeout,
  /** MCP: resources/read of an unknown URI. */
  RESOURCE_NOT_FOUND: -32002,
  URL_ELICITATION_REQUIRED: ErrorCode.UrlElicitationRequired,
} as const;

export type JsonRpcErrorCode = (typeof JSON_RPC_ERROR_CODES)[keyof typeof JSON_RPC_ERROR_CODES];

/**
 * A JSON-RPC error response. The SDK's JSONRPCErrorResponse makes `id` optional, but JSON-RPC
 * 2.0 requires `id: null` when the request id could not be determined, so this allows null.
 */
export interface JsonRpcErrorMessage {
  jsonrpc: '2.0';
  id: RequestId | null;
  error: { code: number; message: string; data?: unknown };
}

export function jsonRpcError(
  id: RequestId | null,
  code: number,
  message: string,
  data?: unknown,
): JsonRpcErrorMessage {
  const error: JsonRpcErrorMessage['error'] = { code, message };
  if (data !== undefined) error.data = data;
  return { jsonrpc: '2.0', id, error };
}
