/** Raw HTTP to /mcp, for the cases an SDK client would never send. */
export interface RawOptions {
  token?: string | null;
  session?: string;
  version?: string;
  accept?: string;
  contentType?: string;
  origin?: string;
  method?: 'POST' | 'GET' | 'DELETE';
  path?: string;
}

export async function rawMcp(baseUrl: string, body: unknown, options: RawOptions = {}) {
  const headers: Record<string, string> = {
    accept: options.accept ?? 'application/json, text/event-stream',
    'content-type': options.contentType ?? 'application/json',
  };
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  if (options.session) headers['mcp-session-id'] = options.session;
  if (options.version) headers['mcp-protocol-version'] = options.version;
  if (options.origin) headers['origin'] = options.origin;
  const method = options.method ?? 'POST';
  const response = await fetch(`${baseUrl}${options.path ?? '/mcp'}`, {
    method,
    headers,
    ...(method === 'POST' ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: json as {
      error?: { code: number; message: string; data?: { code?: string } };
      result?: unknown;
    } & unknown[],
  };
}

export const initializeBody = (protocolVersion = '2025-11-25', id: number | string = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

/** Initializes a session over raw HTTP and sends notifications/initialized. */
export async function rawSession(
  baseUrl: string,
  token: string,
  protocolVersion = '2025-11-25',
  path = '/mcp',
) {
  const init = await rawMcp(baseUrl, initializeBody(protocolVersion), { token, path });
  const session = init.headers.get('mcp-session-id');
  if (!session) throw new Error(`initialize failed: ${init.status} ${init.text}`);
  const version = (init.json as unknown as { result: { protocolVersion: string } }).result
    .protocolVersion;
  await rawMcp(
    baseUrl,
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { token, session, version, path },
  );
  return { session, version };
}
