// Public API of the audit worker, hosted by apps/audit-service.
export { AuditWorker } from './audit-worker';
export type {
  AuditWorkerMetrics,
  AuditWorkerOptions,
  AuditWorkerState,
  AuditWorkerStatus,
} from './audit-worker.options';
export { runRetention, type RetentionResult } from './audit-retention';
export {
  AuditServiceModule,
  startAuditService,
  type AuditServiceHandle,
} from './start-audit-service';
