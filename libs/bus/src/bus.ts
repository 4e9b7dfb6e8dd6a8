/**
 * Pub/sub between replicas: config changes, token revocations, approval decisions and session
 * terminations reach every process through it. Delivery is at-most-once and best-effort, so
 * consumers treat a message as a hint to drop a cache or re-read state, never as the state.
 */
export type BusHandler = (message: unknown) => void;

export interface Bus {
  publish(channel: string, message: unknown): Promise<void>;
  /** Resolves once the subscription is active; the returned function removes it. */
  subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Channel names in one place so publishers and subscribers cannot drift apart. */
export const BusChannels = {
  tokenInvalidated: 'auth:token-invalidated',
  tenantConfigChanged: 'config:tenant-changed',
  /** Data the config snapshot holds changed without a cache to drop (a token was created). */
  configSnapshotStale: 'config:snapshot-stale',
  approvalDecided: 'approval:decided',
  sessionTerminated: 'session:terminated',
  /** A session's stored state changed (or it was deleted): replicas drop their cached copy. */
  sessionChanged: 'session:changed',
  /** An OAuth grant of Gatehouse's authorization server was revoked (state: Redis keys). */
  oauthGrantRevoked: 'auth:oauth-grant-revoked',
} as const;
