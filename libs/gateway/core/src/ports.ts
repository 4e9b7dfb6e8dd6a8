import type { Identity } from '@gatehouse/auth';
import type { SessionWithUpstreams } from '@gatehouse/session-store';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';

export type UpstreamAuthMode = 'none' | 'shared' | 'per-person-secret' | 'oauth';

/**
 * Whose credential `headers` carry, for the audit trail and the call path: `ready` (injected),
 * `missing` (a per-person upstream the caller has stored nothing for), `unreadable` (stored but
 * sealed with another key). `personId` names the person whose own credential serves the call.
 */
export interface UpstreamCredentialUse {
  mode: UpstreamAuthMode;
  state: 'ready' | 'missing' | 'unreadable';
  personId?: string;
}

/** An upstream MCP server as the gateway uses it: credentials already decrypted into headers. */
export interface UpstreamConfig {
  id: string;
  tenantId: string;
  slug: string;
  name: string;
  url: string;
  headers: Record<string, string>;
  enabled: boolean;
  annotationsTrusted: boolean;
  timeoutMs?: number;
  /** Absent for an upstream built without the directory (tests): a shared credential. */
  credential?: UpstreamCredentialUse;
}

/**
 * Tenant upstream configuration as one person sees it (per-person upstreams carry that person's
 * own credential, or none), cached per replica and refreshed on change.
 */
export interface UpstreamDirectory {
  listForPerson(tenantId: string, personId: string): Promise<UpstreamConfig[]>;
}

export type CallDecision =
  | { effect: 'allow'; matchedRules: string[]; reason: string; policyVersion: number }
  | { effect: 'deny'; matchedRules: string[]; reason: string; policyVersion: number }
  | { effect: 'require_approval'; matchedRules: string[]; reason: string; policyVersion: number };

export interface ToolCallContext {
  identity: Identity;
  session: SessionWithUpstreams;
  upstream: UpstreamConfig;
  tool: Tool | undefined;
  toolName: string;
  args: Record<string, unknown>;
}

/**
 * What policy says about tools. `visibleTools` filters tools/list (tools a person could never be
 * allowed to call are not shown, changed definitions may be hidden); `decide` rules on one call.
 */
export interface ToolAccess {
  visibleTools(identity: Identity, upstream: UpstreamConfig, tools: Tool[]): Promise<Tool[]>;
  decide(context: ToolCallContext): Promise<CallDecision>;
  /**
   * Prompts are ruled by the same policy, a rule's tool glob matching the prompt name, as
   * read-only targets: prompts/list shows what could be allowed, prompts/get needs a decision
   * other than deny (reading a prompt template has no effect an approval would gate).
   */
  visiblePrompts(
    identity: Identity,
    upstream: UpstreamConfig,
    names: string[],
  ): Promise<Set<string>>;
  decidePrompt(context: Omit<ToolCallContext, 'tool'>): Promise<CallDecision>;
}

/**
 * Holds a call that policy sent for approval until a person decides. Resolves 'approved' or
 * rejects with a reason; implementations create the approval record and wait on the bus.
 */
export interface ApprovalGate {
  waitForApproval(
    context: ToolCallContext,
    decision: CallDecision,
    options: { signal: AbortSignal; onWaiting: (elapsedMs: number) => void },
  ): Promise<{
    approvalId: string;
    outcome: 'approved' | 'denied' | 'timed_out';
    comment?: string;
  }>;
}

export type AuditOutcome =
  | 'ok'
  | 'error'
  | 'upstream_error'
  | 'denied'
  | 'timed_out'
  | 'cancelled';

export interface GatewayAuditEvent {
  tenantId: string;
  personId: string;
  tokenId: string | null;
  /** JWT callers: the issuer and OAuth client id of their token (see authOf). */
  authIssuer?: string;
  authClientId?: string;
  sessionId: string | null;
  clientName?: string;
  clientVersion?: string;
  method: string;
  upstream?: string;
  tool?: string;
  decision?: CallDecision['effect'];
  matchedRules?: string[];
  approvalId?: string;
  outcome: AuditOutcome;
  errorCode?: number;
  latencyMs: number;
  arguments?: unknown;
  /** tools/call answered: whether the tool reported an error, and what kinds of content. */
  resultSummary?: { isError: boolean; contentTypes: string[]; structured: boolean };
  clientAddress?: string;
  userAgent?: string;
  /** Which credential mode served the call and whose credential it was: never the secret. */
  details?: { credential: UpstreamCredentialUse };
}

/**
 * Where audit events go. `record` rejects when the event cannot be kept. `acceptsCalls` is asked
 * before a tool call is relayed: false (the trail cannot take events, and the tenant has not
 * opted for fail-open) refuses the call with 503 instead of running it unaudited.
 */
export interface AuditSink {
  record(event: GatewayAuditEvent): Promise<void>;
  acceptsCalls(tenantId: string): Promise<boolean>;
}
