// Public API of the audit contracts: the event every producer emits and every consumer reads.
export {
  AuditEventV1,
  AUDIT_DECISIONS,
  AUDIT_OUTCOMES,
  parseAuditEventJson,
  type AuditDecision,
  type AuditOutcome,
  type ParsedAuditEvent,
} from './audit-event.schema';
export {
  isSecretKey,
  redactArguments,
  redactString,
  REDACTED,
  type ArgumentMode,
  type JsonValue,
} from './redact-arguments';
export {
  toAuditEvent,
  DEFAULT_ARGUMENT_POLICY,
  type ArgumentPolicy,
  type AuditSourceEvent,
  type ToAuditEventOptions,
} from './to-audit-event';
