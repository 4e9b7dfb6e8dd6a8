import type { Implementation } from '@modelcontextprotocol/sdk/types.js';

/** What the gateway is told at start (from the zod config). */
export interface GatewaySettings {
  sessionTtlSeconds: number;
  allowedOrigins: string[];
  /** Absolute URL of /.well-known/oauth-protected-resource, for WWW-Authenticate. */
  resourceMetadataUrl: string;
  serverInfo: Implementation;
  /**
   * How often the sessions behind this replica's open GET streams are checked (default 15 s):
   * a session that is gone (Redis restarted, expired) ends its streams, so the client's
   * reconnect gets 404 and it initializes again instead of waiting on a dead stream.
   */
  streamSessionCheckMs?: number;
}
