/**
 * Span and metric attribute names: the OpenTelemetry MCP and GenAI semantic conventions
 * (still "development" status, so spelled out here rather than taken from the incubating
 * entry point), plus Gatehouse's own.
 */
export const McpAttributes = {
  METHOD_NAME: 'mcp.method.name',
  SESSION_ID: 'mcp.session.id',
  PROTOCOL_VERSION: 'mcp.protocol.version',
  JSONRPC_REQUEST_ID: 'jsonrpc.request.id',
  TOOL_NAME: 'gen_ai.tool.name',
  OPERATION_NAME: 'gen_ai.operation.name',
  ERROR_TYPE: 'error.type',
  TENANT_ID: 'gatehouse.tenant.id',
  PERSON_ID: 'gatehouse.person.id',
  /** How the caller authenticated: `token` (a gth_ token) or `oidc` (a JWT access token). */
  AUTH_METHOD: 'gatehouse.auth.method',
  AUTH_TOKEN_ID: 'gatehouse.auth.token_id',
  AUTH_ISSUER: 'gatehouse.auth.issuer',
  AUTH_CLIENT_ID: 'gatehouse.auth.client_id',
  POLICY_DECISION: 'gatehouse.policy.decision',
  POLICY_MATCHED_RULES: 'gatehouse.policy.matched_rules',
  UPSTREAM: 'gatehouse.upstream',
  OUTCOME: 'gatehouse.outcome',
} as const;

/** `gen_ai.operation.name` of a tools/call. */
export const EXECUTE_TOOL = 'execute_tool';

type Params = Record<string, unknown> | undefined;

/**
 * Span name and attributes of one JSON-RPC request, per the MCP semantic conventions:
 * `{method} {target}` where the target is a tool or prompt name (low cardinality).
 */
export function describeMcpRequest(
  method: string,
  id: string | number | undefined,
  params: Params,
): { spanName: string; attributes: Record<string, string> } {
  const attributes: Record<string, string> = { [McpAttributes.METHOD_NAME]: method };
  if (id !== undefined) attributes[McpAttributes.JSONRPC_REQUEST_ID] = String(id);
  const name = params?.['name'];
  if (method === 'tools/call' && typeof name === 'string') {
    attributes[McpAttributes.TOOL_NAME] = name;
    attributes[McpAttributes.OPERATION_NAME] = EXECUTE_TOOL;
    return { spanName: `${method} ${name}`, attributes };
  }
  if (method === 'prompts/get' && typeof name === 'string') {
    attributes['gen_ai.prompt.name'] = name;
    return { spanName: `${method} ${name}`, attributes };
  }
  return { spanName: method, attributes };
}

const serverAttributesByUrl = new Map<string, Readonly<Record<string, string | number>>>();
const SERVER_ATTRIBUTES_KEPT = 1024;

/**
 * `server.address`, `server.port`, `network.transport` and `network.protocol.name` of an
 * upstream reached over Streamable HTTP: the MCP client span's connection attributes (the span
 * is the HTTP client span of the hop too, see `carriesTraceHeaders`). Never the URL itself: its
 * path or query may hold a credential. Memoised per URL (a bounded map: upstream URLs are few).
 */
export function upstreamServerAttributes(url: string): Readonly<Record<string, string | number>> {
  let attributes = serverAttributesByUrl.get(url);
  if (attributes) return attributes;
  attributes = { 'network.transport': 'tcp', 'network.protocol.name': 'http' };
  try {
    const parsed = new URL(url);
    const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
    attributes = {
      'server.address': parsed.hostname.replace(/^\[|\]$/g, ''),
      'server.port': Number(port),
      ...attributes,
    };
  } catch {
    // Registered upstream URLs are validated; a malformed one just goes without an address.
  }
  if (serverAttributesByUrl.size >= SERVER_ATTRIBUTES_KEPT) serverAttributesByUrl.clear();
  serverAttributesByUrl.set(url, attributes);
  return attributes;
}
