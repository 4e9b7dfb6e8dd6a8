import { randomUUID } from 'node:crypto';
import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { Redis } from 'ioredis';
import { auditStreamKeys, RedisStreamAuditSink } from '@gatehouse/audit-stream';
import { createRepositories, createTestDatabase, type TestDatabase } from '@gatehouse/data-access';
import { activeTraceIds, SpanKind, startServerSpan } from '@gatehouse/telemetry';
import { AuditWorker } from './audit-worker';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
jest.setTimeout(30_000);

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

let db: TestDatabase;
let redis: Redis;
beforeAll(async () => {
  provider.register();
  db = await createTestDatabase();
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await redis.quit();
  await db.drop();
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

async function waitFor<T>(find: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`not found within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

it('writes each batch in a CONSUMER span of its own trace, linked to the gateway span of every event in it', async () => {
  const prefix = `test:${randomUUID()}:`;
  const keys = auditStreamKeys(prefix);
  const repositories = createRepositories(db.prisma);
  const tenant = await repositories.tenants.create({
    slug: `t-${randomUUID().slice(0, 8)}`,
    name: 'Tenant',
  });
  // As the gateway wires it (libs/gateway/adapters/src/audit-sink.ts): ids of the active span.
  const sink = new RedisStreamAuditSink(REDIS_URL, {
    prefix,
    timeoutMs: 2000,
    traceContext: activeTraceIds,
  });
  await sink.ready();

  // Two gateway requests (SERVER spans continuing two client traces) each record an event.
  const requests = await Promise.all(
    [1, 2].map(async (n) => {
      const clientTrace = randomUUID().replace(/-/g, '');
      const { span, run } = startServerSpan(`tools/call github__search`, {
        traceparent: `00-${clientTrace}-${'0'.repeat(15)}${n}-01`,
      });
      await run(() =>
        sink.record({
          tenantId: tenant.id,
          personId: randomUUID(),
          tokenId: null,
          sessionId: `session-${n}`,
          method: 'tools/call',
          upstream: 'github',
          tool: 'search',
          decision: 'allow',
          matchedRules: [],
          outcome: 'ok',
          latencyMs: 3,
        }),
      );
      span.end();
      return span.spanContext();
    }),
  );

  const worker = new AuditWorker({
    redisUrl: REDIS_URL,
    prefix,
    repositories,
    batchSize: 500,
    batchMaxWaitMs: 50,
    retryBaseMs: 50,
    retryMaxMs: 400,
    retentionIntervalMs: 0,
  });
  try {
    await worker.start();
    const batches = await waitFor(() => {
      const spans = exporter.getFinishedSpans().filter((s) => s.name === 'audit.batch');
      const linked = spans.flatMap((s) => s.links.map((l) => l.context.spanId));
      return requests.every((r) => linked.includes(r.spanId)) ? spans : undefined;
    });

    const stored = await db.prisma.auditEvent.findMany({ where: { tenantId: tenant.id } });
    expect(stored.map((e) => [e.traceId, e.spanId]).sort()).toEqual(
      requests.map((r) => [r.traceId, r.spanId]).sort(),
    );
    for (const request of requests) {
      const batch = batches.find((s) => s.links.some((l) => l.context.spanId === request.spanId));
      expect(batch?.kind).toBe(SpanKind.CONSUMER);
      // A trace of its own (not a child of either request), pointing back by link.
      expect(batch?.parentSpanContext).toBeUndefined();
      expect(batch?.spanContext().traceId).not.toBe(request.traceId);
      expect(batch?.links).toContainEqual(
        expect.objectContaining({
          context: expect.objectContaining({ traceId: request.traceId, spanId: request.spanId }),
        }),
      );
      expect(batch?.attributes['messaging.system']).toBe('redis');
    }
  } finally {
    await worker.stop();
    await sink.close();
    await redis.del(keys.stream, keys.dead, `${keys.stream}:retention-lock`);
  }
});
