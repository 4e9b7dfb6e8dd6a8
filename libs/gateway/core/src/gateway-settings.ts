import type { Implementation } from '@modelcontextprotocol/sdk/types.js';
import type { OriginSettings } from './origin-rules';

/** What the gateway is told at start (from the zod config). */
export interface GatewaySettings {
  sessionTtlSeconds: number;
  /** Browser origins and Host names the gateway answers (origin-rules.ts). */
  origins: OriginSettings;
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
