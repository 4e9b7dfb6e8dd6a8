import { SUPPORTED_PROTOCOL_VERSIONS } from '@gatehouse/mcp-protocol';
import { MODERN_PROTOCOL_VERSION, decodeHeaderValue } from '@gatehouse/mcp-upstream-client';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
  classifyInboundRequest,
} from '@modelcontextprotocol/server';
import type {
  ClientCapabilities,
  Implementation,
  JSONRPCRequest,
  RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { Identity } from '@gatehouse/auth';
import { GatewayHttpError } from '../gateway-error';
import { header, type McpHttpRequest } from '../http-types';

/** Every version `server/discover` offers: the modern one first, then the 2025 ones. */
export const DISCOVER_VERSIONS = [MODERN_PROTOCOL_VERSION, ...SUPPORTED_PROTOCOL_VERSIONS];

/** Methods a 2026-07-28 client may no longer send (changelog): 404 with -32601. */
const REMOVED_METHODS = new Set([
  'initialize',
  'ping',
  'logging/setLevel',
  'resources/subscribe',
  'resources/unsubscribe',
]);

/** The caller as its envelope declares it, for this request only. */
export interface ModernEnvelope {
  protocolVersion: string;
  clientInfo: Implementation;
  clientCapabilities: ClientCapabilities;
  logLevel?: string;
}

export type ModernClassification =
  /** 2025 traffic: the session path serves it as before. */
  | { kind: 'legacy' }
  /** Refused before dispatch, with the HTTP status and JSON-RPC error the spec names. */
  | { kind: 'reject'; status: number; body: ErrorBody }
  /** A modern notification: nothing in 2026-07-28 over HTTP needs acting on. */
  | { kind: 'notification' }
  | { kind: 'request'; message: JSONRPCRequest; envelope: ModernEnvelope };

export interface ErrorBody {
  jsonrpc: '2.0';
  id: RequestId | null;
  error: { code: number; message: string; data?: unknown };
}

export function errorBody(
  id: RequestId | null,
  code: number,
  message: string,
  data?: unknown,
): ErrorBody {
  return { jsonrpc: '2.0', id, error: { code, message, ...(data === undefined ? {} : { data }) } };
}

/**
 * Cheap pre-check so 2025 traffic pays nothing: only a body that names the modern envelope key,
 * or a modern MCP-Protocol-Version header, is parsed and classified here.
 */
export function mayBeModern(req: McpHttpRequest): boolean {
  const version = header(req.headers, 'mcp-protocol-version');
  if (version !== undefined && version >= '2026') return true;
  return (req.rawBody ?? '').includes('io.modelcontextprotocol/protocolVersion');
}

/**
 * Classifies one POST as the v2 server SDK does (body-primary, `classifyInboundRequest`: era
 * and envelope), then applies the rest of the 2026-07-28 validation ladder: supported version
 * (-32022), headers that must mirror the body (-32020), removed methods (404, -32601).
 */
export function classifyModernPost(req: McpHttpRequest, parsed: unknown): ModernClassification {
  const outcome = classifyInboundRequest({
    httpMethod: 'POST',
    body: parsed,
    ...optional('protocolVersionHeader', header(req.headers, 'mcp-protocol-version')),
    ...optional('mcpMethodHeader', header(req.headers, 'mcp-method')),
    ...optional('mcpNameHeader', header(req.headers, 'mcp-name')),
  });
  if (outcome.kind === 'legacy') return { kind: 'legacy' };
  const id = requestIdOf(parsed);
  if (outcome.kind === 'reject') {
    return {
      kind: 'reject',
      status: outcome.httpStatus,
      body: errorBody(id, outcome.code, outcome.message, outcome.data),
    };
  }
  const revision = outcome.classification.revision ?? MODERN_PROTOCOL_VERSION;
  if (revision !== MODERN_PROTOCOL_VERSION) {
    return reject(400, id, -32022, `Unsupported protocol version: ${revision}`, {
      supported: DISCOVER_VERSIONS,
      requested: revision,
    });
  }
  if (outcome.messageKind === 'notification') return { kind: 'notification' };
  const message = outcome.message;
  const mismatch = headerMismatch(req, message, revision);
  if (mismatch) return reject(400, message.id, -32020, `Header mismatch: ${mismatch}`);
  if (REMOVED_METHODS.has(message.method)) {
    return reject(
      404,
      message.id,
      -32601,
      `Method not found: ${message.method} does not exist in protocol ${revision}`,
    );
  }
  const meta = (message.params?._meta ?? {}) as Record<string, unknown>;
  const logLevel = meta[LOG_LEVEL_META_KEY];
  return {
    kind: 'request',
    message,
    envelope: {
      protocolVersion: revision,
      clientInfo: meta[CLIENT_INFO_META_KEY] as Implementation,
      clientCapabilities: meta[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities,
      ...(typeof logLevel === 'string' ? { logLevel } : {}),
    },
  };
}

/** Which mirrored header disagrees with the body, if any (spec: Server Validation). */
function headerMismatch(
  req: McpHttpRequest,
  message: JSONRPCRequest,
  revision: string,
): string | undefined {
  const version = header(req.headers, 'mcp-protocol-version');
  if (version !== revision)
    return `MCP-Protocol-Version header ${describe(version)} does not match the body's ${revision}`;
  const method = header(req.headers, 'mcp-method');
  if (method !== message.method)
    return `Mcp-Method header ${describe(method)} does not match the body's ${message.method}`;
  const params = (message.params ?? {}) as Record<string, unknown>;
  const named =
    message.method === 'resources/read'
      ? params['uri']
      : message.method === 'tools/call' || message.method === 'prompts/get'
        ? params['name']
        : undefined;
  if (named === undefined) return undefined;
  const raw = header(req.headers, 'mcp-name');
  const name = raw === undefined ? undefined : decodeHeaderValue(raw);
  if (name !== named)
    return `Mcp-Name header ${describe(raw)} does not match the body's ${String(named)}`;
  return undefined;
}

function describe(value: string | undefined): string {
  return value === undefined ? '(missing)' : `'${value}'`;
}

function reject(
  status: number,
  id: RequestId | null,
  code: number,
  message: string,
  data?: unknown,
): ModernClassification {
  return { kind: 'reject', status, body: errorBody(id, code, message, data) };
}

function requestIdOf(parsed: unknown): RequestId | null {
  const id = (parsed as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/** What a modern request is served with, for that request only (no session). */
export interface ModernRequestContext {
  req: McpHttpRequest;
  identity: Identity;
  envelope: ModernEnvelope;
  message: JSONRPCRequest;
  /** `/mcp/:upstream` keeps names as the upstream gives them; `/mcp` prefixes them. */
  prefixed: boolean;
  propagate: Record<string, string>;
}

export function unknownUpstream(slug: string | undefined): GatewayHttpError {
  return new GatewayHttpError(
    'unknown_upstream',
    `Not Found: no upstream "${slug ?? ''}" that this token may use`,
  );
}
