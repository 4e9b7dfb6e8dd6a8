import { Module } from '@nestjs/common';
import { redisTopology } from '@gatehouse/config';
import { startHttpApp, type HttpAppHandle, type Runtime } from '@gatehouse/app-kit';
import { recordsetAuditStore } from '@gatehouse/audit-stream';
import { AuditWorker } from './audit-worker';

/** The audit-service's Nest app: only its health endpoints; the work happens in AuditWorker. */
@Module({})
export class AuditServiceModule {}

export interface AuditServiceHandle {
  worker: AuditWorker;
  health: HttpAppHandle;
  /** Finishes the batch in hand, acknowledges it, then stops. */
  close(): Promise<void>;
}

/**
 * Drains the audit stream into Postgres, with /healthz and /readyz on a small HTTP port. Ready
 * means Redis and Postgres answer and the worker is not failing its writes (degraded).
 */
export async function startAuditService(
  runtime: Runtime,
  options: { host: string; port: number },
): Promise<AuditServiceHandle> {
  const { config, logger } = runtime;
  const topology = redisTopology(config);
  if (!topology)
    throw new Error('REDIS_URL (or a cluster / Sentinel) is required for the audit-service');
  const worker = new AuditWorker({
    redisUrl: topology,
    prefix: config.REDIS_KEY_PREFIX,
    repositories: runtime.repos,
    // One INSERT ... SELECT FROM jsonb_to_recordset per batch: ~20x Prisma createMany (docs/benchmarks.md).
    store: recordsetAuditStore(runtime.prisma),
    batchSize: config.AUDIT_BATCH_SIZE,
    batchMaxWaitMs: config.AUDIT_BATCH_MAX_WAIT_MS,
    streamMaxLen: config.AUDIT_STREAM_MAXLEN,
    // A failed write is retried at most 5 s apart (not the 30 s default): once Postgres is back,
    // the backlog drains and /readyz recovers within 5 s (docs/reliability.md, Postgres outage).
    retryMaxMs: 5000,
    logger,
  });
  await worker.start();
  const health = await startHttpApp(AuditServiceModule, {
    name: 'audit-service',
    host: options.host,
    port: options.port,
    logger,
    trustProxy: runtime.config.TRUST_PROXY,
    requestTimeoutMs: runtime.config.HTTP_REQUEST_TIMEOUT_MS,
    checks: {
      ...runtime.checks,
      worker: async () => {
        const status = worker.status();
        if (status.state === 'degraded') {
          throw new Error(
            `degraded: ${status.lastError?.message ?? 'writes failing'} (${status.consecutiveFailures} failures)`,
          );
        }
      },
    },
    configure: (app) => {
      app
        .getHttpAdapter()
        .getInstance()
        .get('/metrics/audit', async () => worker.metrics());
    },
  });
  return {
    worker,
    health,
    close: async () => {
      await health.close();
      await worker.stop();
    },
  };
}
