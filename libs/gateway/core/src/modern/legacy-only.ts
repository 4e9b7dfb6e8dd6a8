import { GatewayHttpError } from '../gateway-error';
import { header, type McpHttpRequest } from '../http-types';
import { SESSION_HEADER } from '../request-checks';

/**
 * GET and DELETE exist only for 2025 sessions. Without a session id they are 405 (2026-07-28
 * transport: no GET stream, no session to end; subscriptions/listen replaces the stream), which a
 * 2025 client also reads as "no standalone stream here".
 */
export function requireLegacySession(req: McpHttpRequest, method: 'GET' | 'DELETE'): void {
  if (header(req.headers, SESSION_HEADER)) return;
  throw new GatewayHttpError(
    'method_not_allowed',
    `Method Not Allowed: ${method} needs the Mcp-Session-Id of a 2025 session; MCP 2026-07-28 has no ${method === 'GET' ? 'GET stream (use subscriptions/listen)' : 'session to end'}`,
    { allow: 'POST' },
  );
}
