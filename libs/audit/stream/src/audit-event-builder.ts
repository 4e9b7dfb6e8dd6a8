import {
  DEFAULT_ARGUMENT_POLICY,
  toAuditEvent,
  type ArgumentPolicy,
  type AuditEventV1,
  type AuditSourceEvent,
} from '@gatehouse/audit-contracts';

/** How a sink turns what the gateway knows into a stored event. */
export interface AuditSinkOptions {
  /** The tenant's argument setting (cached by the caller); default: redacted, 8 KiB. */
  argumentPolicy?: (tenantId: string) => ArgumentPolicy | Promise<ArgumentPolicy>;
  /** Trace and span id of the current request (from OpenTelemetry's active span). */
  traceContext?: () => { traceId?: string; spanId?: string } | undefined;
}

export async function buildAuditEvent(
  source: AuditSourceEvent,
  options: AuditSinkOptions,
): Promise<AuditEventV1> {
  // Read the trace context before any await: it belongs to the caller's request.
  const trace = options.traceContext?.() ?? {};
  const policy = options.argumentPolicy
    ? await options.argumentPolicy(source.tenantId)
    : DEFAULT_ARGUMENT_POLICY;
  return toAuditEvent(source, { ...policy, ...trace });
}
