// gateway-adapters: what binds gateway-core to the outside. Driving side: the Fastify routes and the
// SSE writer; driven side: the adapters behind gateway-core's ports (policy, approval, tool pinning,
// audit sink, upstream directory, session cache, limits, config snapshot) and the Nest wiring.
// (Renamed from gateway/http, which named only the first of these.)
export { argumentsDigest, BusApprovalGate, type ApprovalDecidedMessage } from './approval-gate';
export { GatewayModule } from './gateway.module';
export { registerMcpRoutes, type McpRouteOptions } from './mcp-routes';
export { PolicyToolAccess } from './policy-tool-access';
export { startGateway, type GatewayStartOptions } from './start-gateway';
export { CachedUpstreamDirectory } from './upstream-directory';
export {
  credentialHeaders,
  UpstreamCredentialsSchema,
  type UpstreamCredentials,
} from './upstream-credentials';
export { createAuditSink, type ClosableAuditSink } from './audit-sink';
export { toolDefinitionHash, ToolPinning, type ToolReview } from './tool-pinning';
