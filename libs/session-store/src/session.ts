import type {
  ClientCapabilities,
  Implementation,
  ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';

/** What the gateway remembers of one upstream MCP session inside a client session. */
export interface UpstreamSessionState {
  sessionId?: string;
  protocolVersion: string;
  capabilities: ServerCapabilities;
  serverInfo: Implementation;
  instructions?: string;
}

/** Which upstreams a session speaks to: all the caller may use, or one passed through. */
export type SessionRoute = { kind: 'aggregate' } | { kind: 'upstream'; slug: string };

/**
 * One client MCP session. The identity fields are written once at initialize and never change:
 * a session id presented by anyone else is treated as unknown.
 */
export interface SessionRecord {
  id: string;
  tenantId: string;
  personId: string;
  tokenId: string | null;
  protocolVersion: string;
  clientInfo: Implementation;
  clientCapabilities: ClientCapabilities;
  route: SessionRoute;
  createdAt: number;
  lastSeenAt: number;
  initialized: boolean;
}

export interface SessionWithUpstreams extends SessionRecord {
  upstreams: Record<string, UpstreamSessionState>;
}

export const SESSION_NAMESPACES = [
  'names',
  'resources',
  'server-requests',
  /** Last event id seen on each upstream's GET stream, so any replica resumes it. */
  'upstream-events',
] as const;
export type SessionNamespace = (typeof SESSION_NAMESPACES)[number];

export interface SessionSummary {
  id: string;
  personId: string;
  clientName: string;
  clientVersion: string;
  route: SessionRoute;
  createdAt: number;
  lastSeenAt: number;
}

export interface SessionPage {
  items: SessionSummary[];
  nextCursor: string | null;
}

/**
 * Where sessions live. The Redis adapter makes every replica see the same sessions; the
 * in-memory one serves the embedded single-process mode.
 */
export interface SessionStore {
  create(record: SessionRecord, ttlSeconds: number): Promise<void>;
  get(id: string): Promise<SessionWithUpstreams | null>;
  /** Refreshes the idle TTL and last-seen time; false when the session no longer exists. */
  touch(id: string, ttlSeconds: number): Promise<boolean>;
  markInitialized(id: string): Promise<void>;
  setUpstream(id: string, slug: string, state: UpstreamSessionState): Promise<void>;
  removeUpstream(id: string, slug: string): Promise<void>;
  /** Deletes the session; resolves with the record it deleted, or null if there was none. */
  delete(id: string): Promise<SessionWithUpstreams | null>;
  listForTenant(tenantId: string, limit: number, cursor?: string): Promise<SessionPage>;
  /**
   * Small per-session maps that any replica must read: gateway names to upstream tools,
   * resource URIs to upstreams, relayed server-to-client requests. They expire with the session
   * (`ttlSeconds` is refreshed on every write) and are deleted with it.
   */
  putValues(
    id: string,
    namespace: SessionNamespace,
    entries: Record<string, string>,
    ttlSeconds: number,
  ): Promise<void>;
  getValue(id: string, namespace: SessionNamespace, key: string): Promise<string | null>;
  /** Reads and removes one entry atomically: exactly one caller gets it. */
  takeValue(id: string, namespace: SessionNamespace, key: string): Promise<string | null>;
  /** Sessions of the whole installation that have not ended or expired (for a gauge). */
  countLive(): Promise<number>;
  /** Liveness of the backing store, for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function summarise(record: SessionRecord): SessionSummary {
  return {
    id: record.id,
    personId: record.personId,
    clientName: record.clientInfo.name,
    clientVersion: record.clientInfo.version,
    route: record.route,
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
  };
}
