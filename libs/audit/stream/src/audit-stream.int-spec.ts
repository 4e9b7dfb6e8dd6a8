import { randomUUID } from 'node:crypto';

import { Redis } from 'ioredis';
import { createRepositories, createTestDatabase, type TestDatabase } from '@gatehouse/data-access';
import type { AuditSourceEvent } from '@gatehouse/audit-contracts';
import { AuditStreamConsumer } from './audit-stream-consumer';
import { auditStreamKeys } from './audit-stream-keys';
import { InProcessAuditSink } from './in-process-audit-sink';
import { toAuditEventRow, writeAuditBatch } from './audit-event-writer';
import { recordsetAuditStore } from './recordset-audit-store';
import { parseAuditEventJson, toAuditEvent } from '@gatehouse/audit-contracts';
import { RedisStreamAuditSink } from './redis-stream-audit-sink';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
// testTimeout in a project's jest.config is ignored under the root's `projects`.
jest.setTimeout(60_000);

function sourceEvent(tenantId: string, i = 0): AuditSourceEvent {
  return {
    tenantId,
    personId: randomUUID(),
    tokenId: null,
    sessionId: `s${i}`,
    method: 'tools/call',
    outcome: 'ok',
    latencyMs: i,
  };
}

describe('RedisStreamAuditSink', () => {
  /** A ready sink on a fresh prefix, a plain client to read its stream; both cleaned up. */
  async function withSink(
    run: (sink: RedisStreamAuditSink, readStream: () => Promise<number[]>) => Promise<void>,
  ): Promise<void> {
    const prefix = `test:${randomUUID()}:`;
    const stream = auditStreamKeys(prefix).stream;
    const sink = new RedisStreamAuditSink(REDIS_URL, { prefix });
    const redis = new Redis(REDIS_URL);
    const latencies = async () =>
      (await redis.xrange(stream, '-', '+')).map(
        ([, fields]) => JSON.parse(fields[1] ?? '{}').latencyMs as number,
      );
    try {
      await sink.ready();
      await run(sink, latencies);
    } finally {
      await sink.close();
      await redis.del(stream);
      await redis.quit();
    }
  }

  it('appends an event to ${prefix}audit', () =>
    withSink(async (sink, stored) => {
      await sink.record(sourceEvent(randomUUID(), 7));
      expect(await stored()).toEqual([7]);
    }));

  it('pipelines the events recorded in one turn: each stored once, in order', () =>
    withSink(async (sink, stored) => {
      const tenantId = randomUUID();
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => sink.record(sourceEvent(tenantId, i))),
      );
      await sink.record(sourceEvent(tenantId, 200));
      expect(await stored()).toEqual(Array.from({ length: 201 }, (_, i) => i));
    }));

  it('sends what was recorded just before close()', () =>
    withSink(async (sink, stored) => {
      const recorded = [
        sink.record(sourceEvent(randomUUID(), 1)),
        sink.record(sourceEvent(randomUUID(), 2)),
      ];
      // record() builds the event asynchronously; let both reach the queue, then close at once.
      await new Promise((resolve) => process.nextTick(resolve));
      await Promise.resolve();
      const closed = sink.close();
      await Promise.allSettled(recorded);
      await closed;
      expect(await stored()).toEqual([1, 2]);
    }));

  it('rejects promptly with AUDIT_STREAM_UNAVAILABLE when Redis is unreachable', async () => {
    const sink = new RedisStreamAuditSink('redis://127.0.0.1:1', { prefix: 'x:', timeoutMs: 300 });
    const started = Date.now();
    await expect(sink.record(sourceEvent(randomUUID()))).rejects.toMatchObject({
      code: 'AUDIT_STREAM_UNAVAILABLE',
    });
    await expect(sink.ready(300)).rejects.toMatchObject({ code: 'AUDIT_STREAM_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(1500);
    await sink.close();
  });
});

describe('AuditStreamConsumer.trimAcknowledged', () => {
  const prefix = `test:${randomUUID()}:`;
  const keys = auditStreamKeys(prefix);
  let redis: Redis;
  let stuck: AuditStreamConsumer;
  let fast: AuditStreamConsumer;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    stuck = new AuditStreamConsumer(REDIS_URL, { prefix, consumer: 'stuck' });
    fast = new AuditStreamConsumer(REDIS_URL, { prefix, consumer: 'fast' });
  });
  afterAll(async () => {
    await Promise.all([stuck.close(), fast.close()]);
    await redis.del(keys.stream);
    await redis.quit();
  });

  it('trims nothing while no consumer group exists', async () => {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 1000; i++) pipeline.xadd(keys.stream, '*', 'event', `{"n":${i}}`);
    await pipeline.exec();
    expect(await stuck.trimAcknowledged(10)).toBe(0);
    expect(await redis.xlen(keys.stream)).toBe(1000);
  });

  it('removes acknowledged entries but never a pending or undelivered one', async () => {
    await stuck.ensureGroup();
    // 'fast' acks the first 600; 'stuck' holds the next 50 without acking; 350 stay undelivered.
    const acked = await fast.readNew(600, 10);
    await fast.ack(acked.map((e) => e.streamId));
    const pending = await stuck.readNew(50, 10);
    expect(pending).toHaveLength(50);
    const [firstPending] = pending;

    const trimmed = await fast.trimAcknowledged(10);
    expect(trimmed).toBeGreaterThan(0);
    expect(trimmed).toBeLessThanOrEqual(600);
    const remaining = (await redis.xrange(keys.stream, '-', '+')).map(([id]) => id);
    expect(remaining).toEqual(expect.arrayContaining(pending.map((e) => e.streamId)));
    expect(remaining.length).toBeGreaterThanOrEqual(400);
    expect(await fast.safeTrimId()).toBe(firstPending?.streamId);

    // The stuck entries can still be claimed and read after trimming.
    const claimed = await fast.claimIdle(0, 100);
    expect(claimed.entries.map((e) => e.streamId)).toEqual(pending.map((e) => e.streamId));
    expect(claimed.deletedIds).toEqual([]);
  });
});

describe('InProcessAuditSink', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('writes buffered events in batches and flushes on close', async () => {
    const repos = createRepositories(db.prisma);
    const tenant = await repos.tenants.create({ slug: `t-${Date.now()}`, name: 'T' });
    const sink = new InProcessAuditSink(repos.auditEvents, { batchSize: 100, maxWaitMs: 50 });
    await Promise.all(
      Array.from({ length: 1234 }, (_, i) => sink.record(sourceEvent(tenant.id, i))),
    );
    await sink.close();
    expect(await db.prisma.auditEvent.count({ where: { tenantId: tenant.id } })).toBe(1234);
    await expect(sink.record(sourceEvent(tenant.id))).rejects.toMatchObject({
      code: 'AUDIT_SINK_CLOSED',
    });
  });

  it('recordsetAuditStore skips stored ids and isolates a row Postgres refuses', async () => {
    const repos = createRepositories(db.prisma);
    const tenant = await repos.tenants.create({ slug: `r-${Date.now()}`, name: 'R' });
    const store = recordsetAuditStore(db.prisma);
    const policy = { mode: 'redacted', maxBytes: 1000 } as const;
    const items = Array.from({ length: 5 }, (_, i) => ({
      event: toAuditEvent(
        { ...sourceEvent(tenant.id, i), matchedRules: ['a', 'b'], arguments: { i } },
        policy,
      ),
    }));
    const orphan = { event: toAuditEvent(sourceEvent(randomUUID()), policy) };
    expect(await writeAuditBatch(store, items.slice(0, 2))).toEqual({ inserted: 2, rejected: [] });
    const result = await writeAuditBatch(store, [...items, orphan]);
    expect(result.inserted).toBe(3);
    expect(result.rejected).toEqual([
      { item: orphan, reason: expect.stringMatching(/^REJECTED_BY_DATABASE: .*23503/) },
    ]);
    const row = await db.prisma.auditEvent.findFirstOrThrow({ where: { id: items[4]?.event.id } });
    expect(row).toMatchObject({
      matchedRules: ['a', 'b'],
      arguments: { i: 4 },
      outcome: 'ok',
      kind: 'mcp',
    });
  });

  it('recordsetAuditStore stores stream payloads as the rows Prisma createMany stores', async () => {
    const repos = createRepositories(db.prisma);
    const tenant = await repos.tenants.create({ slug: `p-${Date.now()}`, name: 'P' });
    const store = recordsetAuditStore(db.prisma);
    const source: AuditSourceEvent = {
      ...sourceEvent(tenant.id, 7),
      tokenId: randomUUID(),
      clientName: 'claude-code',
      clientVersion: '1.0.0',
      upstream: 'github',
      tool: 'github__create_issue',
      decision: 'require_approval',
      matchedRules: ['r1', 'r2'],
      approvalId: randomUUID(),
      outcome: 'error',
      errorCode: -32000,
      clientAddress: '127.0.0.1',
      userAgent: 'agent "x"\nline',
      arguments: { title: 'é ✓ \u0001', nested: [1, null, { deep: true }], n: 1.5 },
      resultSummary: { isError: true },
    };
    const options = {
      mode: 'full',
      maxBytes: 4096,
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
    } as const;
    const viaPrisma = toAuditEvent(source, options);
    // A key this consumer does not know (a later optional v1 field) is ignored, as zod strips it.
    const payload = JSON.stringify({ ...toAuditEvent(source, options), laterField: 'x' });
    const parsed = parseAuditEventJson(payload);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(await writeAuditBatch(store, [{ event: parsed.event, payload }])).toEqual({
      inserted: 1,
      rejected: [],
    });
    expect(await writeAuditBatch(store, [{ event: parsed.event, payload }])).toEqual({
      inserted: 0,
      rejected: [],
    });
    await repos.auditEvents.createMany([toAuditEventRow(viaPrisma)]);
    const fromPayload = await db.prisma.auditEvent.findUniqueOrThrow({
      where: { id: parsed.event.id },
    });
    const fromRows = await db.prisma.auditEvent.findUniqueOrThrow({ where: { id: viaPrisma.id } });
    expect({ ...fromPayload, id: null, time: null }).toEqual({ ...fromRows, id: null, time: null });
    expect(fromPayload.time.toISOString()).toBe(parsed.event.time);
  });

  it('refuses events with AUDIT_BUFFER_FULL when the database cannot take them', async () => {
    const down = { createMany: () => Promise.reject(new Error('database down')) };
    const sink = new InProcessAuditSink(down, {
      maxBuffered: 5,
      batchSize: 100,
      closeTimeoutMs: 10,
    });
    const tenantId = randomUUID();
    for (let i = 0; i < 5; i++) await sink.record(sourceEvent(tenantId, i));
    await expect(sink.record(sourceEvent(tenantId))).rejects.toMatchObject({
      code: 'AUDIT_BUFFER_FULL',
    });
    await expect(sink.close()).rejects.toThrow('database down');
  });
});
