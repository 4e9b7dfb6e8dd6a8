export { GatewayHttpError, type HttpFailureCode } from './gateway-error';
export { accepts, header, type McpHttpRequest, type McpHttpResponse } from './http-types';
export { InflightRegistry } from './inflight';
export {
  InflightTakeover,
  type InflightCallRecord,
  type InflightTakeoverOptions,
} from './inflight-takeover';
export { Initializer, newSessionId } from './initializer';
export { ListHandler } from './list-handler';
export { McpGateway, type GatewaySettings } from './mcp-gateway';
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
export { Relay, RpcError } from './relay';
export { ResponseStream } from './response-stream';
export { CANCEL_CHANNEL, SessionDispatcher } from './session-dispatcher';
export { TargetResolver } from './target-resolver';
export { CALL_LOST_CODE } from './taken-call-finisher';
export { POLICY_DENIED_CODE, ToolCallHandler } from './tool-call-handler';
export { ToolCatalog } from './tool-catalog';
export { reachableUpstreams, targetOf, UpstreamSessions } from './upstream-sessions';
export { createGateway, type GatewayDependencies } from './create-gateway';
