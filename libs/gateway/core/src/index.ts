// Public API of gateway-core: what the Nest wiring (gateway-adapters), the apps and the tests use.
export { MCP_SCOPE } from './bearer-challenge';
export { GatewayHttpError } from './gateway-error';
export { accepts, header, type McpHttpRequest, type McpHttpResponse } from './http-types';
export { McpGateway } from './mcp-gateway';
export { isLoopbackHostname, OriginRules, type OriginSettings } from './origin-rules';
export type {
  ApprovalGate,
  AuditOutcome,
  AuditSink,
  CallDecision,
  GatewayAuditEvent,
  ToolAccess,
  ToolCallContext,
  UpstreamConfig,
  UpstreamDirectory,
} from './ports';
export { createGateway } from './create-gateway';
export {
  RATE_LIMITED_CODE,
  type CallAdmission,
  type CallLimiter,
  type RequestRefusal,
} from './call-limits';
