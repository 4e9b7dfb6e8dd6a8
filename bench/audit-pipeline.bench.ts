// Sustained audit throughput: events XADDed to the Redis Stream, read by AuditWorker(s),
// written to Postgres with createMany. Run: npx tsx --tsconfig tsconfig.base.json bench/audit-pipeline.bench.ts
// Env: EVENTS (default 100000), BATCH (AUDIT_BATCH_SIZE, default 1000), WORKERS (default 1),
// STORE (recordset | prisma, default recordset).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { toAuditEvent } from '@gatehouse/audit-contracts';
import { auditStreamKeys, recordsetAuditStore } from '@gatehouse/audit-stream';
import { AuditWorker } from '@gatehouse/audit-worker';
import { createRepositories, createTestDatabase } from '@gatehouse/data-access';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const EVENTS = Number(process.env['EVENTS'] ?? 100_000);
const BATCH = Number(process.env['BATCH'] ?? 1000);
const WORKERS = Number(process.env['WORKERS'] ?? 1);
/** STORE=recordset (one jsonb_to_recordset INSERT) or prisma (createMany). */
const STORE = process.env['STORE'] ?? 'recordset';

async function main(): Promise<void> {
  const db = await createTestDatabase();
  const redis = new Redis(REDIS_URL);
  const prefix = `bench:${randomUUID()}:`;
  const { stream } = auditStreamKeys(prefix);
  const repos = createRepositories(db.prisma);
  const tenant = await repos.tenants.create({ slug: 'bench', name: 'Bench' });
  try {
    // Pre-serialise realistic events (redacted arguments) so the clock measures the pipeline.
    const payloads = Array.from({ length: EVENTS }, (_, i) =>
      JSON.stringify(
        toAuditEvent(
          {
            tenantId: tenant.id,
            personId: randomUUID(),
            tokenId: randomUUID(),
            sessionId: `session-${i % 100}`,
            method: 'tools/call',
            upstream: 'github',
            tool: `tool_${i % 20}`,
            decision: 'allow',
            matchedRules: ['r1'],
            outcome: 'ok',
            latencyMs: i % 250,
            arguments: { repo: 'acme/app', title: `issue ${i}`, token: 'gth_secret' },
          },
          { mode: 'redacted', maxBytes: 4096 },
        ),
      ),
    );
    const workers = Array.from(
      { length: WORKERS },
      (_, i) =>
        new AuditWorker({
          redisUrl: REDIS_URL,
          prefix,
          repositories: createRepositories(db.prisma),
          consumerName: `bench-${i}`,
          batchSize: BATCH,
          batchMaxWaitMs: 50,
          retentionIntervalMs: 0,
          ...(STORE === 'recordset' ? { store: recordsetAuditStore(db.prisma) } : {}),
        }),
    );
    await Promise.all(workers.map((w) => w.start()));
    const started = performance.now();
    // Producer: pipelined XADDs in chunks, as many gateway replicas would do concurrently.
    const producing = (async () => {
      for (let i = 0; i < EVENTS; i += 1000) {
        const p = redis.pipeline();
        for (const payload of payloads.slice(i, i + 1000)) p.xadd(stream, '*', 'event', payload);
        await p.exec();
      }
      return performance.now() - started;
    })();
    const processed = () => workers.reduce((n, w) => n + w.processed, 0);
    while (processed() < EVENTS) await new Promise((r) => setTimeout(r, 20));
    const elapsed = performance.now() - started;
    const produceMs = await producing;
    const stored = await db.prisma.auditEvent.count();
    await Promise.all(workers.map((w) => w.stop()));
    const result = {
      events: EVENTS,
      stored,
      batchSize: BATCH,
      store: STORE,
      workers: WORKERS,
      produceMs: Math.round(produceMs),
      totalMs: Math.round(elapsed),
      eventsPerSecond: Math.round((EVENTS / elapsed) * 1000),
      lastBatchMs: workers.map((w) => w.lastBatchMs),
    };
    console.log(JSON.stringify(result));
  } finally {
    await redis.del(stream);
    await redis.quit();
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
