// Public API of the audit contracts: the event every producer emits and every consumer reads.
export {
  AuditEventV1,
  AUDIT_DECISIONS,
  AUDIT_OUTCOMES,
  type AuditDecision,
  type AuditOutcome,
} from './audit-event.schema';
export {
  isSecretKey,
  redactArguments,
  redactString,
  REDACTED,
  type ArgumentMode,
  type JsonValue,
} from './redact-arguments';
export { parseAuditEventJson, type ParsedAuditEvent } from './parse-audit-event';
export { fitAuditFields, fitText, TRUNCATION_MARK } from './fit-audit-fields';
export {
  toAuditEvent,
  DEFAULT_ARGUMENT_POLICY,
  type ArgumentPolicy,
  type AuditSourceEvent,
  type ToAuditEventOptions,
} from './to-audit-event';
