/** Minimal MCP-over-HTTP client calls used to open sessions before the load starts. */

export const PROTOCOL_VERSION = '2025-06-18';

export interface McpTarget {
  /** Full URL of the MCP endpoint, e.g. http://127.0.0.1:8080/mcp. */
  url: string;
  /** Bearer token, or undefined for the fixture upstream. */
  token: string | undefined;
  /** Tool name to call (`<slug>__echo` through the gateway, `echo` directly). */
  tool: string;
}

export function baseHeaders(target: McpTarget): Record<string, string> {
  return {
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
    ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
  };
}

export function sessionHeaders(target: McpTarget, sessionId: string): Record<string, string> {
  return {
    ...baseHeaders(target),
    'mcp-session-id': sessionId,
    'mcp-protocol-version': PROTOCOL_VERSION,
  };
}

export function toolCallBody(target: McpTarget, id: number): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: target.tool, arguments: { text: 'x' } },
  });
}

/** initialize + notifications/initialized; returns the session id. */
export async function openSession(target: McpTarget): Promise<string> {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: baseHeaders(target),
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: 'gatehouse-bench', version: '1.0.0' },
      },
    }),
  });
  const text = await response.text();
  const sessionId = response.headers.get('mcp-session-id');
  if (!response.ok || !sessionId) {
    throw new Error(`initialize at ${target.url} failed: HTTP ${response.status} ${text}`);
  }
  const initialized = await fetch(target.url, {
    method: 'POST',
    headers: sessionHeaders(target, sessionId),
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await initialized.arrayBuffer();
  if (initialized.status !== 202) {
    throw new Error(`notifications/initialized at ${target.url}: HTTP ${initialized.status}`);
  }
  return sessionId;
}

/** One tools/call, checked: the echo must come back, so the load measures real calls. */
/** Returns the response content type (the fixture answers SSE, JSON is not guaranteed). */
export async function checkToolCall(target: McpTarget, sessionId: string): Promise<string> {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: sessionHeaders(target, sessionId),
    body: toolCallBody(target, 1),
  });
  const text = await response.text();
  if (!response.ok || !text.includes('"result"') || text.includes('"isError":true')) {
    throw new Error(`tools/call at ${target.url} did not echo: HTTP ${response.status} ${text}`);
  }
  return response.headers.get('content-type') ?? '(none)';
}
