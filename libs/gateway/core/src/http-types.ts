import type { IncomingHttpHeaders } from 'node:http';
import type { SseEvent } from './response-stream';

/** An HTTP request to /mcp, independent of the web framework. */
export interface McpHttpRequest {
  /** `/mcp/:upstream` passes one upstream through; `/mcp` aggregates. */
  upstreamSlug?: string;
  /** The tenant the URL names (`/t/<tenant>/mcp`), for a JWT whose person is in several. */
  tenantHint?: string;
  headers: IncomingHttpHeaders;
  /** The raw body text of a POST (parsed here so malformed JSON gets a JSON-RPC error). */
  rawBody?: string;
  clientAddress: string;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

export type McpHttpResponse =
  | { status: number; headers: Record<string, string>; body?: unknown }
  | { status: 200; headers: Record<string, string>; stream: AsyncIterable<SseEvent> };

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** True when an Accept header lists the media type (or a matching wildcard). */
export function accepts(acceptHeader: string | undefined, mediaType: string): boolean {
  if (!acceptHeader) return false;
  const [type] = mediaType.split('/');
  return acceptHeader
    .split(',')
    .map((part) => part.split(';')[0]?.trim().toLowerCase())
    .some((m) => m === mediaType || m === `${type}/*` || m === '*/*');
}
