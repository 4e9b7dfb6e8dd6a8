import type { ExchangeContext, UpstreamSession, UpstreamTarget } from './upstream-types';

export type ExchangeKind = 'initialize' | 'post' | 'get' | 'delete';

/**
 * The complete header set of a request to an upstream. Nothing else reaches it: per-call
 * headers (trace context), then the upstream's injected credentials, then the protocol headers,
 * which nothing may override. Names are lower-cased so no header is sent twice.
 */
export function buildUpstreamHeaders(
  kind: ExchangeKind,
  target: UpstreamTarget,
  session: UpstreamSession | undefined,
  ctx: ExchangeContext | undefined,
  extra: { userAgent?: string; lastEventId?: string; protocol?: Record<string, string> } = {},
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx?.headers ?? {}))
    headers[name.toLowerCase()] = value;
  for (const [name, value] of Object.entries(target.headers ?? {}))
    headers[name.toLowerCase()] = value;
  if (extra.userAgent !== undefined) headers['user-agent'] = extra.userAgent;
  headers['accept'] = kind === 'get' ? 'text/event-stream' : 'application/json, text/event-stream';
  if (kind === 'initialize' || kind === 'post') headers['content-type'] = 'application/json';
  if (kind !== 'initialize' && session !== undefined) {
    if (session.sessionId !== undefined) headers['mcp-session-id'] = session.sessionId;
    headers['mcp-protocol-version'] = session.protocolVersion;
  }
  if (extra.lastEventId !== undefined) headers['last-event-id'] = extra.lastEventId;
  for (const [name, value] of Object.entries(extra.protocol ?? {})) headers[name] = value;
  return headers;
}
