// Public API of the audit stream: the gateway's sinks and the audit-service's stream client.
export { AuditStreamError, type AuditStreamErrorCode } from './audit-stream.errors';
export {
  auditStreamKeys,
  compareStreamIds,
  DEFAULT_CONSUMER_GROUP,
  EVENT_FIELD,
  type AuditStreamKeys,
} from './audit-stream-keys';
export { buildAuditEvent, type AuditSinkOptions } from './audit-event-builder';
export {
  rejectionReason,
  toAuditEventRow,
  writeAuditBatch,
  type AuditBatchStore,
  type WriteResult,
} from './audit-event-writer';
export {
  failFastRedisOptions,
  RedisStreamAuditSink,
  type RedisStreamAuditSinkOptions,
} from './redis-stream-audit-sink';
export { InProcessAuditSink, type InProcessAuditSinkOptions } from './in-process-audit-sink';
export {
  AuditStreamConsumer,
  type AuditStreamConsumerOptions,
  type DeadLetter,
  type GroupProgress,
} from './audit-stream-consumer';
export type { StreamEntry } from './stream-replies';
export { recordsetAuditStore, type AuditPayloadStore } from './recordset-audit-store';
