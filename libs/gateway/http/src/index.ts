export { argumentsDigest, BusApprovalGate, type ApprovalDecidedMessage } from './approval-gate';
export { GatewayModule } from './gateway.module';
export { registerMcpRoutes, type McpRouteOptions } from './mcp-routes';
export { PolicyToolAccess } from './policy-tool-access';
export { startGateway, type GatewayStartOptions } from './start-gateway';
export {
  CachedUpstreamDirectory,
  credentialHeaders,
  UpstreamCredentialsSchema,
  type UpstreamCredentials,
} from './upstream-directory';
export { createAuditSink, type ClosableAuditSink } from './audit-sink';
export { toolDefinitionHash, ToolPinning, type ToolReview } from './tool-pinning';
