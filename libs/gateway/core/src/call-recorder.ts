import {
  annotateActiveSpan,
  gatehouseMetrics,
  McpAttributes,
  type Logger,
} from '@gatehouse/telemetry';
import type { AuditSink, GatewayAuditEvent } from './ports';

/**
 * Where a finished call's facts go, in one place for every call (answered here or finished by
 * another replica): the audit trail, the request metrics, the active span and a debug line.
 */
export class CallRecorder {
  constructor(
    private readonly audit: AuditSink,
    private readonly logger: Logger,
  ) {}

  record(event: GatewayAuditEvent): void {
    this.audit
      .record(event)
      .catch((error: unknown) =>
        this.logger.error({ err: error, method: event.method }, 'audit event lost'),
      );
    const labels = {
      [McpAttributes.METHOD_NAME]: event.method,
      [McpAttributes.UPSTREAM]: event.upstream ?? '',
      [McpAttributes.POLICY_DECISION]: event.decision ?? '',
      [McpAttributes.OUTCOME]: event.outcome,
    };
    const metrics = gatehouseMetrics();
    metrics.requests.add(1, labels);
    metrics.requestDuration.record(event.latencyMs / 1000, labels);
    annotateActiveSpan(
      {
        ...labels,
        ...(event.matchedRules?.length
          ? { [McpAttributes.POLICY_MATCHED_RULES]: event.matchedRules }
          : {}),
      },
      event.outcome === 'ok' ? undefined : String(event.errorCode ?? event.outcome),
    );
    this.logger.debug(
      {
        sessionId: event.sessionId,
        method: event.method,
        upstream: event.upstream,
        tool: event.tool,
        decision: event.decision,
        outcome: event.outcome,
        latencyMs: event.latencyMs,
      },
      'mcp request',
    );
  }
}
