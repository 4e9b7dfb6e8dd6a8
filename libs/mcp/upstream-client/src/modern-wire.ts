import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/client';
import type {
  ClientCapabilities,
  Implementation,
  JSONRPCRequest,
} from '@modelcontextprotocol/sdk/types.js';

/** The per-request-envelope revision Gatehouse speaks (no initialize, no sessions). */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** Who a modern request to an upstream is sent for: the caller's declared identity. */
export interface ModernCaller {
  clientInfo: Implementation;
  clientCapabilities: ClientCapabilities;
  logLevel?: string;
}

export function envelopeMeta(
  version: string,
  clientInfo: Implementation,
  clientCapabilities: ClientCapabilities,
  logLevel?: string,
): Record<string, unknown> {
  return {
    [PROTOCOL_VERSION_META_KEY]: version,
    [CLIENT_INFO_META_KEY]: clientInfo,
    [CLIENT_CAPABILITIES_META_KEY]: clientCapabilities,
    ...(logLevel !== undefined ? { [LOG_LEVEL_META_KEY]: logLevel } : {}),
  };
}

/** The request with the caller's envelope in `params._meta` (other `_meta` keys are kept). */
export function withEnvelope(
  request: JSONRPCRequest,
  version: string,
  caller: ModernCaller,
): JSONRPCRequest {
  const params = (request.params ?? {}) as Record<string, unknown>;
  const meta = (params['_meta'] ?? {}) as Record<string, unknown>;
  return {
    ...request,
    params: {
      ...params,
      _meta: {
        ...meta,
        ...envelopeMeta(version, caller.clientInfo, caller.clientCapabilities, caller.logLevel),
      },
    },
  };
}

const SAFE_HEADER_VALUE = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/;

/** A header value per the Value Encoding rules: plain when safe, else the Base64 sentinel. */
export function encodeHeaderValue(value: string): string {
  if (SAFE_HEADER_VALUE.test(value) && !(value.startsWith('=?base64?') && value.endsWith('?=')))
    return value;
  return `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** Decodes a header value that may use the Base64 sentinel; undefined when malformed. */
export function decodeHeaderValue(value: string): string | undefined {
  if (!(value.startsWith('=?base64?') && value.endsWith('?='))) return value;
  const encoded = value.slice('=?base64?'.length, -'?='.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) return undefined;
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/** `Mcp-Method`, and `Mcp-Name` for the methods that name a target. */
export function standardRequestHeaders(request: JSONRPCRequest): Record<string, string> {
  const headers: Record<string, string> = { 'mcp-method': request.method };
  const params = (request.params ?? {}) as Record<string, unknown>;
  const name = request.method === 'resources/read' ? params['uri'] : params['name'];
  if (
    (request.method === 'tools/call' ||
      request.method === 'prompts/get' ||
      request.method === 'resources/read') &&
    typeof name === 'string'
  ) {
    headers['mcp-name'] = encodeHeaderValue(name);
  }
  return headers;
}

/**
 * `Mcp-Param-{Name}` headers for a tools/call, from the tool's `x-mcp-header` annotations
 * (top-level properties of its inputSchema); absent or null values get no header.
 */
export function paramHeaders(
  inputSchema: unknown,
  args: Record<string, unknown> | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  const properties = (inputSchema as { properties?: Record<string, unknown> } | undefined)
    ?.properties;
  if (!properties || !args) return headers;
  for (const [property, schema] of Object.entries(properties)) {
    const name = (schema as { 'x-mcp-header'?: unknown } | undefined)?.['x-mcp-header'];
    const value = args[property];
    if (typeof name !== 'string' || value === undefined || value === null) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      continue;
    headers[`mcp-param-${name.toLowerCase()}`] = encodeHeaderValue(String(value));
  }
  return headers;
}
