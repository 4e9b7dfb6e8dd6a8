export { GatewayHttpError, type HttpFailureCode } from './gateway-error';
export { accepts, header, type McpHttpRequest, type McpHttpResponse } from './http-types';
export { InflightRegistry } from './inflight';
export type { InflightCallRecord } from './inflight-record';
export { InflightTakeover, type InflightTakeoverOptions } from './inflight-takeover';
export { Initializer, newSessionId } from './initializer';
export { ListHandler } from './list-handler';
export type { GatewaySettings } from './gateway-settings';
export { McpGateway } from './mcp-gateway';
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
export { Relay } from './relay';
export { POLICY_DENIED_CODE, RpcError } from './rpc-error';
export { ResponseStream } from './response-stream';
export { CANCEL_CHANNEL, SessionDispatcher } from './session-dispatcher';
export { TargetResolver } from './target-resolver';
export { CALL_LOST_CODE } from './taken-call-finisher';
export { ToolCatalog } from './tool-catalog';
export { reachableUpstreams, targetOf, UpstreamSessions } from './upstream-sessions';
export { createGateway, type GatewayDependencies } from './create-gateway';
