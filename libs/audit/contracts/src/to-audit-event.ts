import { v7 as uuidv7 } from 'uuid';
import type { AuditDecision, AuditEventV1, AuditOutcome } from './audit-event.schema';
import { fitAuditFields } from './fit-audit-fields';
import { redactArguments, type ArgumentMode } from './redact-arguments';

/**
 * What a producer knows about one request. Structurally a superset of the gateway's
 * `GatewayAuditEvent` (libs/gateway/core ports), so a gateway event can be passed as is.
 */
export interface AuditSourceEvent {
  kind?: 'mcp' | 'admin';
  tenantId: string;
  personId?: string | null;
  tokenId?: string | null;
  authIssuer?: string;
  authClientId?: string;
  sessionId?: string | null;
  clientName?: string;
  clientVersion?: string;
  method: string;
  upstream?: string;
  tool?: string;
  decision?: AuditDecision;
  matchedRules?: string[];
  approvalId?: string;
  outcome: AuditOutcome;
  errorCode?: number;
  latencyMs?: number;
  arguments?: unknown;
  resultSummary?: unknown;
  details?: unknown;
  clientAddress?: string;
  userAgent?: string;
}

/** A tenant's argument setting (tenant settings `auditArguments`, `auditArgumentsMaxBytes`). */
export interface ArgumentPolicy {
  mode: ArgumentMode;
  maxBytes: number;
}

export const DEFAULT_ARGUMENT_POLICY: ArgumentPolicy = { mode: 'redacted', maxBytes: 8192 };

export interface ToAuditEventOptions extends ArgumentPolicy {
  traceId?: string;
  spanId?: string;
  /** Defaults to the current time. */
  time?: Date;
}

function present<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined && value !== '';
}

/**
 * Builds a `v: 1` event with a fresh UUIDv7 id: arguments and result summary are redacted and
 * capped per the tenant's policy; empty optional fields are left out; text fields longer than
 * the schema allows are truncated with a mark (fitAuditFields), so no request misses the trail.
 */
export function toAuditEvent(source: AuditSourceEvent, options: ToAuditEventOptions): AuditEventV1 {
  const time = options.time ?? new Date();
  const event: AuditEventV1 = {
    v: 1,
    id: uuidv7({ msecs: time.getTime() }),
    time: time.toISOString(),
    kind: source.kind ?? 'mcp',
    tenantId: source.tenantId,
    method: source.method,
    matchedRules: source.matchedRules ?? [],
    outcome: source.outcome,
  };
  const optional = {
    personId: source.personId,
    tokenId: source.tokenId,
    authIssuer: source.authIssuer,
    authClientId: source.authClientId,
    sessionId: source.sessionId,
    clientName: source.clientName,
    clientVersion: source.clientVersion,
    upstream: source.upstream,
    tool: source.tool,
    decision: source.decision,
    approvalId: source.approvalId,
    errorCode: source.errorCode,
    latencyMs:
      source.latencyMs === undefined ? undefined : Math.max(0, Math.round(source.latencyMs)),
    traceId: options.traceId,
    spanId: options.spanId,
    clientAddress: source.clientAddress,
    userAgent: source.userAgent,
    arguments: redactArguments(source.arguments, options.mode, options.maxBytes),
    resultSummary: redactArguments(source.resultSummary, options.mode, options.maxBytes),
    // Admin before/after documents are redacted too (they can hold upstream credentials).
    details: redactArguments(source.details, 'redacted', Math.max(options.maxBytes, 65_536)),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (present(value)) Object.assign(event, { [key]: value });
  }
  return fitAuditFields(event);
}
