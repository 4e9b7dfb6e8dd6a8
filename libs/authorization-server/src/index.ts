export {
  startAuthorizationServer,
  type AuthorizationServerHandle,
  type AuthorizationServerOptions,
} from './server';
export { isGatewayResource, MCP_SCOPE } from './provider';
