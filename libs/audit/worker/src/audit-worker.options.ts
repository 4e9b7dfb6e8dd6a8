import type { RedisTopology } from '@gatehouse/config';
import type { AuditBatchStore } from '@gatehouse/audit-stream';
import type { Repositories } from '@gatehouse/data-access';
import type { Logger } from '@gatehouse/telemetry';

export interface AuditWorkerOptions {
  redisUrl: string | RedisTopology;
  /** REDIS_KEY_PREFIX. */
  prefix: string;
  repositories: Pick<Repositories, 'auditEvents' | 'tenants'>;
  /**
   * Where batches go; default repositories.auditEvents (createMany: the rows as JSON). The
   * audit-service passes recordsetAuditStore, which writes the validated payloads as they are.
   * Both end in AuditEventRepository.createManyFromJson (events + stats rollup, one statement).
   */
  store?: AuditBatchStore;
  /** Unique per process; default `<hostname>-<pid>-<random>`. */
  consumerName?: string;
  group?: string;
  /** AUDIT_BATCH_SIZE (default 500). */
  batchSize?: number;
  /** AUDIT_BATCH_MAX_WAIT_MS (default 200). */
  batchMaxWaitMs?: number;
  /** Entries pending this long on another consumer are claimed (default 30 s). */
  claimMinIdleMs?: number;
  claimIntervalMs?: number;
  /** AUDIT_STREAM_MAXLEN: acknowledged entries are trimmed beyond it (default 1,000,000). */
  streamMaxLen?: number;
  trimIntervalMs?: number;
  /** Retry delay after a failed write: base doubling up to max (defaults 100 ms, 30 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Retention schedule (default daily); 0 turns the schedule off. */
  retentionIntervalMs?: number;
  logger?: Logger;
}

export type ResolvedAuditWorkerOptions = Required<Omit<AuditWorkerOptions, 'logger' | 'store'>> &
  Pick<AuditWorkerOptions, 'logger' | 'store'>;

export function resolveOptions(
  options: AuditWorkerOptions,
  defaultName: string,
): ResolvedAuditWorkerOptions {
  return {
    consumerName: defaultName,
    group: 'audit-service',
    batchSize: 500,
    batchMaxWaitMs: 200,
    claimMinIdleMs: 30_000,
    claimIntervalMs: 5_000,
    streamMaxLen: 1_000_000,
    trimIntervalMs: 5_000,
    retryBaseMs: 100,
    retryMaxMs: 30_000,
    retentionIntervalMs: 24 * 60 * 60 * 1000,
    ...options,
  };
}

export type AuditWorkerState = 'idle' | 'running' | 'degraded' | 'stopping' | 'stopped';

export interface AuditWorkerStatus {
  state: AuditWorkerState;
  consumer: string;
  /** Set while degraded: why the last attempt failed and when. */
  lastError: { message: string; at: string } | null;
  /** Failed attempts in a row (0 when healthy). */
  consecutiveFailures: number;
}

export interface AuditWorkerMetrics {
  /** Events stored (or already present) and acknowledged. */
  processed: number;
  deadLettered: number;
  /** Entries XAUTOCLAIM reported as deleted from the stream (should stay 0). */
  lostOnClaim: number;
  lastBatchMs: number | null;
  lastBatchSize: number;
  /** Entries not yet delivered to any consumer (null when Redis cannot tell). */
  lag: number | null;
  /** Delivered, not acknowledged. */
  pending: number;
}
