import { randomUUID } from 'node:crypto';

import { Redis } from 'ioredis';
import { Client } from 'pg';
import { toAuditEvent, type AuditSourceEvent } from '@gatehouse/audit-contracts';
import { auditStreamKeys, RedisStreamAuditSink, toAuditEventRow } from '@gatehouse/audit-stream';
import {
  createPrismaClient,
  createRepositories,
  createTestDatabase,
  type PrismaClient,
  type TestDatabase,
} from '@gatehouse/data-access';
import { AuditWorker } from './audit-worker';
import type { AuditWorkerOptions } from './audit-worker.options';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
// testTimeout in a project's jest.config is ignored under the root's `projects`.
jest.setTimeout(60_000);

let db: TestDatabase;
let redis: Redis;
let admin: Client;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  redis = new Redis(REDIS_URL);
  const url = new URL(db.url);
  url.pathname = '/postgres';
  admin = new Client({ connectionString: url.toString() });
  await admin.connect();
});
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});
afterAll(async () => {
  await admin.query(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS true`);
  await admin.end();
  await redis.quit();
  await db.drop();
});

async function setUp(settings: Record<string, unknown> = {}) {
  const prefix = `test:${randomUUID()}:`;
  const keys = auditStreamKeys(prefix);
  cleanup.push(() => redis.del(keys.stream, keys.dead, `${keys.stream}:retention-lock`));
  const tenant = await createRepositories(db.prisma).tenants.create({
    slug: `t-${randomUUID().slice(0, 8)}`,
    name: 'Tenant',
    settings,
  });
  const sink = new RedisStreamAuditSink(REDIS_URL, { prefix, timeoutMs: 2000 });
  cleanup.push(() => sink.close());
  await sink.ready();
  const worker = (options: Partial<AuditWorkerOptions> & { prisma?: PrismaClient } = {}) => {
    const w = new AuditWorker({
      redisUrl: REDIS_URL,
      prefix,
      repositories: createRepositories(options.prisma ?? db.prisma),
      batchSize: 500,
      batchMaxWaitMs: 50,
      retryBaseMs: 50,
      retryMaxMs: 400,
      retentionIntervalMs: 0,
      ...options,
    });
    cleanup.push(() => w.stop().catch(() => undefined));
    return w;
  };
  const event = (i: number): AuditSourceEvent => ({
    tenantId: tenant.id,
    personId: randomUUID(),
    tokenId: null,
    sessionId: `session-${i % 7}`,
    method: 'tools/call',
    upstream: 'github',
    tool: 'create_issue',
    decision: 'allow',
    matchedRules: ['rule-1'],
    outcome: 'ok',
    latencyMs: i % 100,
    arguments: { n: i },
  });
  const emit = async (from: number, count: number) => {
    for (let i = from; i < from + count; i += 500) {
      const n = Math.min(500, from + count - i);
      await Promise.all(Array.from({ length: n }, (_, k) => sink.record(event(i + k))));
    }
  };
  const stored = () => db.prisma.auditEvent.count({ where: { tenantId: tenant.id } });
  const streamIds = async () =>
    (await redis.xrange(keys.stream, '-', '+')).map(
      ([, f]) => (JSON.parse(f[1] ?? '{}') as { id: string }).id,
    );
  return { prefix, keys, tenant, sink, worker, event, emit, stored, streamIds };
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function expectExactlyOnce(ctx: Awaited<ReturnType<typeof setUp>>, total: number) {
  const ids = await ctx.streamIds();
  expect(new Set(ids).size).toBe(total);
  const rows = await db.prisma.auditEvent.findMany({
    where: { tenantId: ctx.tenant.id },
    select: { id: true },
  });
  expect(rows).toHaveLength(total);
  expect(new Set(rows.map((r) => r.id))).toEqual(new Set(ids));
}

it('stores 10,000 events from sink to Postgres, each exactly once', async () => {
  const ctx = await setUp();
  const worker = ctx.worker();
  await worker.start();
  await ctx.emit(0, 10_000);
  await waitFor(async () => (await ctx.stored()) === 10_000);
  await waitFor(async () => (await worker.metrics()).pending === 0);
  expect(worker.processed).toBe(10_000);
  expect(await worker.metrics()).toMatchObject({ lag: 0, pending: 0, deadLettered: 0 });
  await expectExactlyOnce(ctx, 10_000);
});

it('keeps events in the stream while Postgres refuses connections and catches up after', async () => {
  const ctx = await setUp();
  const prisma = createPrismaClient({ databaseUrl: db.url, maxConnections: 2 });
  cleanup.push(() => prisma.$disconnect());
  const worker = ctx.worker({ prisma });
  await worker.start();
  await ctx.emit(0, 1000);
  await waitFor(async () => (await ctx.stored()) === 1000);

  await admin.query(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS false`);
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
    db.name,
  ]);
  await ctx.emit(1000, 2000);
  await waitFor(() => worker.status().state === 'degraded');
  expect(worker.status().lastError?.message).toBeTruthy();
  const during = await worker.metrics();
  expect((during.lag ?? 0) + during.pending).toBeGreaterThan(0);
  await ctx.emit(3000, 1000);

  await admin.query(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS true`);
  await waitFor(async () => (await ctx.stored()) === 4000);
  await waitFor(() => worker.status().state === 'running');
  expect(worker.status().lastError).toBeNull();
  await expectExactlyOnce(ctx, 4000);
});

it('lets another worker claim what a killed worker left unacknowledged', async () => {
  const ctx = await setUp();
  // Worker A reads a batch but cannot commit it (its database port is closed), then dies.
  const unreachable = createPrismaClient({ databaseUrl: db.url.replace(':5432', ':1') });
  cleanup.push(() => unreachable.$disconnect());
  const a = ctx.worker({ prisma: unreachable, consumerName: 'a' });
  await a.start();
  await ctx.emit(0, 700);
  await waitFor(async () => (await a.metrics()).pending > 0);
  await a.kill();

  // Worker C commits and is killed at an arbitrary point of its work (before or after an ack).
  await ctx.emit(700, 1300);
  const c = ctx.worker({ consumerName: 'c', batchSize: 100 });
  await c.start();
  await waitFor(() => c.processed > 0);
  await c.kill();

  const b = ctx.worker({ consumerName: 'b', claimMinIdleMs: 300, claimIntervalMs: 100 });
  await b.start();
  await waitFor(async () => (await ctx.stored()) === 2000);
  await waitFor(async () => (await b.metrics()).pending === 0);
  expect((await b.metrics()).lostOnClaim).toBe(0);
  await expectExactlyOnce(ctx, 2000);
});

it('sends poison events to the dead-letter stream with the reason and stores the rest', async () => {
  const ctx = await setUp();
  const valid = toAuditEvent(ctx.event(1), { mode: 'redacted', maxBytes: 1000 });
  const unknownTenant = toAuditEvent(
    { ...ctx.event(2), tenantId: randomUUID() },
    { mode: 'none', maxBytes: 0 },
  );
  await redis.xadd(ctx.keys.stream, '*', 'event', '{not json');
  await redis.xadd(
    ctx.keys.stream,
    '*',
    'event',
    JSON.stringify({ ...valid, id: randomUUID(), outcome: 'maybe' }),
  );
  await redis.xadd(ctx.keys.stream, '*', 'other', 'field');
  await redis.xadd(ctx.keys.stream, '*', 'event', JSON.stringify(unknownTenant));
  await redis.xadd(ctx.keys.stream, '*', 'event', JSON.stringify(valid));
  const worker = ctx.worker();
  await worker.start();
  await waitFor(() => worker.deadLettered === 4 && worker.processed === 1);

  const reasons = (await redis.xrange(ctx.keys.dead, '-', '+')).map(([, fields]) => fields[3]);
  expect(reasons).toEqual([
    expect.stringMatching(/^INVALID_JSON/),
    expect.stringMatching(/^SCHEMA_VIOLATION: .*id.*outcome|^SCHEMA_VIOLATION: .*outcome/),
    expect.stringMatching(/^MISSING_PAYLOAD/),
    // P2010 (a raw statement: AuditEventRepository.createManyFromJson); the SQLSTATE says why.
    expect.stringMatching(/^REJECTED_BY_DATABASE: P2010\/23503/),
  ]);
  expect(await ctx.stored()).toBe(1);
  expect((await worker.metrics()).pending).toBe(0);
});

it('stores arguments redacted per the tenant setting', async () => {
  const ctx = await setUp();
  const prefix = `test:${randomUUID()}:`;
  const sink = new RedisStreamAuditSink(REDIS_URL, {
    prefix,
    argumentPolicy: () => ({ mode: 'redacted', maxBytes: 4096 }),
  });
  cleanup.push(
    () => sink.close(),
    () => redis.del(auditStreamKeys(prefix).stream),
  );
  await sink.ready();
  await sink.record({
    ...ctx.event(1),
    arguments: { password: 'hunter2', note: 'Authorization: Bearer abcdefghijklmnop', n: 1 },
  });
  const worker = new AuditWorker({
    redisUrl: REDIS_URL,
    prefix,
    repositories: createRepositories(db.prisma),
    batchMaxWaitMs: 20,
    retentionIntervalMs: 0,
  });
  cleanup.push(() => worker.stop());
  await worker.start();
  await waitFor(() => worker.processed === 1);
  const row = await db.prisma.auditEvent.findFirstOrThrow({ where: { tenantId: ctx.tenant.id } });
  expect(row.arguments).toEqual({
    password: '[redacted]',
    note: 'Authorization: [redacted]',
    n: 1,
  });
});

it('deletes events older than the tenant retention and keeps other tenants', async () => {
  const keep = await setUp();
  const ctx = await setUp({ retentionDays: 30 });
  const now = new Date('2026-06-01T00:00:00Z');
  const at = (daysAgo: number, source: AuditSourceEvent) =>
    toAuditEvent(source, {
      mode: 'none',
      maxBytes: 0,
      time: new Date(now.getTime() - daysAgo * 86_400_000),
    });
  const repos = createRepositories(db.prisma);
  await repos.auditEvents.createMany(
    [at(40, ctx.event(1)), at(31, ctx.event(2)), at(29, ctx.event(3)), at(400, keep.event(4))].map(
      toAuditEventRow,
    ),
  );
  const worker = ctx.worker();
  const result = await worker.runRetention(now);
  expect(result.deleted).toBe(2);
  expect(await ctx.stored()).toBe(1);
  expect(await keep.stored()).toBe(1);
});

it('stores how a JWT caller authenticated: issuer and OAuth client id', async () => {
  const ctx = await setUp();
  const worker = ctx.worker();
  await worker.start();
  await ctx.sink.record({
    ...ctx.event(0),
    authIssuer: 'https://login.example.com',
    authClientId: 'desktop-app',
  });
  await waitFor(async () => (await ctx.stored()) === 1);
  const row = await db.prisma.auditEvent.findFirstOrThrow({ where: { tenantId: ctx.tenant.id } });
  expect(row).toMatchObject({
    tokenId: null,
    authIssuer: 'https://login.example.com',
    authClientId: 'desktop-app',
  });
});
