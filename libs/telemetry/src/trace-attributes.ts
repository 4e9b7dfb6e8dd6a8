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
