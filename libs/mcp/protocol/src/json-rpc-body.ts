import {
  JSONRPCErrorResponseSchema,
  JSONRPCNotificationSchema,
  JSONRPCRequestSchema,
  JSONRPCResultResponseSchema,
  type JSONRPCErrorResponse,
  type JSONRPCNotification,
  type JSONRPCRequest,
  type JSONRPCResultResponse,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { JSON_RPC_ERROR_CODES, jsonRpcError, type JsonRpcErrorMessage } from './json-rpc-error';

export type ClassifiedMessage =
  | { type: 'request'; message: JSONRPCRequest }
  | { type: 'notification'; message: JSONRPCNotification }
  | { type: 'response'; message: JSONRPCResultResponse }
  | { type: 'error'; message: JSONRPCErrorResponse }
  /** One invalid element of a batch: `error` is the response to send for it. */
  | { type: 'invalid'; error: JsonRpcErrorMessage };

export type ValidClassifiedMessage = Exclude<ClassifiedMessage, { type: 'invalid' }>;

export type JsonRpcBody =
  | { kind: 'single'; messages: [ValidClassifiedMessage] }
  | { kind: 'batch'; messages: ClassifiedMessage[] };

/** The whole body is unusable; answer with `error` (HTTP 400, JSON-RPC -32600). */
export interface JsonRpcParseProblem {
  kind: 'invalid';
  error: JsonRpcErrorMessage;
}

/** Same bound as the SDK's server transport, so a relay never accepts more than upstreams do. */
export const DEFAULT_MAX_BATCH_SIZE = 100;

/**
 * Classifies an already JSON-parsed POST body (malformed JSON is the caller's -32700). Validation
 * is the SDK's zod schemas; on failure the message names the first problem found so a client
 * author can fix their request. Batch elements are judged one by one, as JSON-RPC 2.0 requires.
 */
export function parseJsonRpcBody(
  raw: unknown,
  options: { maxBatchSize?: number } = {},
): JsonRpcBody | JsonRpcParseProblem {
  if (Array.isArray(raw)) {
    const max = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    if (raw.length === 0) return invalidBody('Invalid Request: the batch is empty');
    if (raw.length > max) {
      return invalidBody(`Invalid Request: the batch has ${raw.length} messages, more than ${max}`);
    }
    return { kind: 'batch', messages: raw.map(classifyJsonRpcMessage) };
  }
  const classified = classifyJsonRpcMessage(raw);
  if (classified.type === 'invalid') return { kind: 'invalid', error: classified.error };
  return { kind: 'single', messages: [classified] };
}

export function classifyJsonRpcMessage(value: unknown): ClassifiedMessage {
  const request = JSONRPCRequestSchema.safeParse(value);
  if (request.success) return { type: 'request', message: request.data };
  const notification = JSONRPCNotificationSchema.safeParse(value);
  if (notification.success) return { type: 'notification', message: notification.data };
  const result = JSONRPCResultResponseSchema.safeParse(value);
  if (result.success) return { type: 'response', message: result.data };
  const error = JSONRPCErrorResponseSchema.safeParse(withoutNullId(value));
  if (error.success) return { type: 'error', message: error.data };
  return {
    type: 'invalid',
    error: jsonRpcError(
      extractRequestId(value),
      JSON_RPC_ERROR_CODES.INVALID_REQUEST,
      `Invalid Request: ${describeProblem(value)}`,
    ),
  };
}

function invalidBody(message: string): JsonRpcParseProblem {
  return {
    kind: 'invalid',
    error: jsonRpcError(null, JSON_RPC_ERROR_CODES.INVALID_REQUEST, message),
  };
}

// JSON-RPC lets an error response carry `id: null`; the SDK schema only allows omitting it.
function withoutNullId(value: unknown): unknown {
  if (!isRecord(value) || value['id'] !== null) return value;
  const { id: _id, ...rest } = value;
  return rest;
}

function extractRequestId(value: unknown): RequestId | null {
  if (!isRecord(value)) return null;
  const id = value['id'];
  if (typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id))) return id;
  return null;
}

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const RESPONSE_KEYS = new Set(['jsonrpc', 'id', 'result', 'error']);

function describeProblem(value: unknown): string {
  if (!isRecord(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return `a JSON-RPC message must be an object, got ${kind}`;
  }
  if (value['jsonrpc'] !== '2.0') return '"jsonrpc" must be exactly "2.0"';
  if ('id' in value && extractRequestId(value) === null && !('error' in value)) {
    return '"id" must be a string or an integer';
  }
  if ('method' in value) {
    if (typeof value['method'] !== 'string') return '"method" must be a string';
    if ('params' in value && !isRecord(value['params'])) return '"params" must be an object';
    return describeUnexpectedKeys(value, REQUEST_KEYS) ?? 'malformed request or notification';
  }
  if ('result' in value && 'error' in value)
    return 'a response cannot have both "result" and "error"';
  if ('result' in value || 'error' in value) {
    if ('result' in value && !('id' in value)) return '"id" is required in a response';
    if ('result' in value && !isRecord(value['result'])) return '"result" must be an object';
    if ('error' in value && !isValidErrorObject(value['error'])) {
      return '"error" must be an object with an integer "code" and a string "message"';
    }
    return describeUnexpectedKeys(value, RESPONSE_KEYS) ?? 'malformed response';
  }
  return 'expected "method" (request or notification) or "result"/"error" (response)';
}

function describeUnexpectedKeys(value: Record<string, unknown>, allowed: Set<string>) {
  const unexpected = Object.keys(value).filter((k) => !allowed.has(k));
  return unexpected.length > 0 ? `unexpected member "${unexpected[0]}"` : undefined;
}

function isValidErrorObject(error: unknown): boolean {
  return isRecord(error) && Number.isInteger(error['code']) && typeof error['message'] === 'string';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
