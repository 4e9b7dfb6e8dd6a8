import type { ModernCaller } from './modern-wire';
import type {
  ClientCapabilities,
  Implementation,
  JSONRPCMessage,
  ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';

/** Where and how to reach one upstream MCP server. */
export interface UpstreamTarget {
  /** Names the upstream in errors and logs. */
  slug: string;
  url: string;
  /** Credentials injected by the gateway (e.g. Authorization); never the client's own. */
  headers?: Record<string, string>;
  /** Overrides the client-wide timeout for this upstream. */
  timeoutMs?: number;
}

/**
 * Everything needed to continue an upstream session from any process. Plain JSON: the gateway
 * stores it in Redis and another replica passes it back unchanged.
 */
export interface UpstreamSession {
  /** Absent when the upstream runs stateless and issued no Mcp-Session-Id. */
  sessionId?: string;
  protocolVersion: string;
  capabilities: ServerCapabilities;
  serverInfo: Implementation;
  instructions?: string;
  /**
   * Present when the upstream speaks 2026-07-28: no session, and every request carries this
   * caller's envelope (`_meta` protocolVersion, clientInfo, clientCapabilities) and the
   * Mcp-Method / Mcp-Name headers. The room for issue 19: a bridge session sets its own era.
   */
  modern?: ModernCaller;
}

export interface InitializeParams {
  protocolVersion: string;
  capabilities: ClientCapabilities;
  clientInfo: Implementation;
}

export interface ExchangeContext {
  /** Aborts the HTTP exchange (and sends notifications/cancelled for requests). */
  signal?: AbortSignal;
  /** Per-call headers such as traceparent. Keep client credentials out of here. */
  headers?: Record<string, string>;
}

export interface RequestContext extends ExchangeContext {
  /**
   * Receives every message that is not the final response, as it arrives: progress, logging,
   * server→client requests. Awaited in order (back-pressure), so never wait in it for the
   * final response of the same request. `eventId` is the upstream's SSE event id of the
   * message (absent for JSON answers and upstreams without resumability): a caller that
   * stores it can resume the call with a GET + Last-Event-ID from another process.
   */
  onMessage?: (message: JSONRPCMessage, eventId?: string) => void | Promise<void>;
}

export interface GetStreamOptions {
  /** Resume after this event (the upstream's own id, kept by the caller). */
  lastEventId?: string;
  signal: AbortSignal;
  onMessage: (message: JSONRPCMessage, eventId: string | undefined) => void | Promise<void>;
}

export type GetStreamResult =
  | { supported: false }
  /** `done` settles when the upstream ends the stream or `signal` aborts (then it resolves). */
  | { supported: true; done: Promise<void> };

export interface UpstreamClientOptions {
  timeoutMs: number;
  /** Cap for a JSON body and for each SSE event. */
  maxResponseBytes: number;
  userAgent?: string;
  /** A GET stream silent for this long is treated as dead (the SDK pings every 15 s). */
  streamIdleTimeoutMs?: number;
  /** How many times a POST SSE stream cut before its response is resumed by GET. */
  maxResumeAttempts?: number;
  /**
   * false: refuse to connect when an upstream's host name resolves to a private, loopback,
   * link-local or otherwise non-public address (UPSTREAM_ALLOW_PRIVATE_NETWORKS). Default true.
   */
  allowPrivateNetworks?: boolean;
}
