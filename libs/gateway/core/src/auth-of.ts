import type { Identity } from '@gatehouse/auth';
import { McpAttributes } from '@gatehouse/telemetry';
import type { GatewayAuditEvent } from './ports';

/** The audit fields that say how a JWT caller signed in (a `gth_` caller has its token id). */
export function authOf(identity: Identity): Pick<GatewayAuditEvent, 'authIssuer' | 'authClientId'> {
  return {
    ...(identity.issuer ? { authIssuer: identity.issuer } : {}),
    ...(identity.clientId ? { authClientId: identity.clientId } : {}),
  };
}

/** Span attributes naming how the caller authenticated: token id or issuer and client, never the token. */
export function authSpanAttributes(identity: Identity): Record<string, string> {
  const attributes: Record<string, string> = { [McpAttributes.AUTH_METHOD]: identity.via };
  if (identity.tokenId) attributes[McpAttributes.AUTH_TOKEN_ID] = identity.tokenId;
  if (identity.issuer) attributes[McpAttributes.AUTH_ISSUER] = identity.issuer;
  if (identity.clientId) attributes[McpAttributes.AUTH_CLIENT_ID] = identity.clientId;
  return attributes;
}
