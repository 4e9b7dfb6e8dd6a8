import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../test-database';
import type { AuditEventInput, ToolCallStats } from './audit-event.repository';
import { createRepositories, type Repositories } from './index';
import { storedToolHours, toolHoursFromEvents } from './tool-hours.test-support';
import { LATENCY_PERCENTILE_FACTOR } from './latency-histogram';

const HOUR_MS = 3_600_000;
const base = Date.parse('2026-04-01T00:00:00Z');

/** Deterministic pseudo-random numbers in [0, 1). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

const UPSTREAMS = ['github', 'files', null] as const;
const TOOLS = ['search', 'read', 'write', 'odd name'] as const;
const OUTCOMES = ['ok', 'ok', 'ok', 'error', 'upstream_error', 'timed_out', 'denied'] as const;
const DECISIONS = ['allow', 'allow', 'allow', 'deny', 'require_approval', null] as const;

function pick<T>(values: readonly T[], r: number): T {
  return values[Math.floor(r * values.length)] as T;
}

/** `count` events of one tenant over `hours` hours from base, with every case stats meets. */
function events(tenantId: string, count: number, hours: number, seed: number): AuditEventInput[] {
  const next = random(seed);
  return Array.from({ length: count }, (): AuditEventInput => {
    const kind = next() < 0.05 ? 'admin' : 'mcp';
    const r = next();
    const latencyMs =
      r < 0.05 ? null : r < 0.1 ? 0 : r < 0.12 ? 4_000_000 : Math.floor(next() ** 3 * 20_000);
    return {
      id: randomUUID(),
      v: 1,
      tenantId,
      time: new Date(base + Math.floor(next() * hours * HOUR_MS)),
      kind,
      method: kind === 'mcp' ? 'tools/call' : 'policy.update',
      upstream: pick(UPSTREAMS, next()),
      tool: kind === 'mcp' && next() > 0.03 ? pick(TOOLS, next()) : null,
      decision: pick(DECISIONS, next()),
      matchedRules: [],
      outcome: pick(OUTCOMES, next()),
      latencyMs,
    };
  });
}

describe('audit_tool_hours, the hourly rollup of tool calls (real Postgres)', () => {
  let db: TestDatabase;
  let repos: Repositories;
  let tenantA: string;
  let tenantB: string;
  const all = new Map<string, AuditEventInput[]>();

  beforeAll(async () => {
    db = await createTestDatabase();
    repos = createRepositories(db.prisma);
    tenantA = (await repos.tenants.create({ slug: 'rollup-a', name: 'a' })).id;
    tenantB = (await repos.tenants.create({ slug: 'rollup-b', name: 'b' })).id;
    all.set(tenantA, events(tenantA, 3000, 6, 1));
    all.set(tenantB, events(tenantB, 700, 6, 2));
  });

  afterAll(async () => {
    await db.drop();
  });

  const stored = (tenantId: string) => storedToolHours(db.prisma, tenantId);
  const recomputed = (tenantId: string) => toolHoursFromEvents(db.prisma, tenantId);

  /** stats() as the events say, computed in TypeScript with percentile_cont's definition. */
  async function exactStats(tenantId: string, from: Date, to: Date): Promise<ToolCallStats[]> {
    const rows = await db.prisma.auditEvent.findMany({
      where: { tenantId, kind: 'mcp', tool: { not: null }, time: { gte: from, lt: to } },
    });
    const groups = new Map<string, typeof rows>();
    for (const e of rows) {
      const key = `${e.upstream}/${e.tool}`;
      groups.set(key, [...(groups.get(key) ?? []), e]);
    }
    const percentile = (values: number[], q: number): number | null => {
      if (values.length === 0) return null;
      const sorted = [...values].sort((a, b) => a - b);
      const position = q * (sorted.length - 1);
      const below = Math.floor(position);
      const low = sorted[below] ?? 0;
      const high = sorted[Math.ceil(position)] ?? low;
      return low + (position - below) * (high - low);
    };
    return [...groups.values()].map((group) => {
      const latencies = group.flatMap((e) => (e.latencyMs === null ? [] : [e.latencyMs]));
      const first = group[0] as (typeof group)[number];
      return {
        upstream: first.upstream,
        tool: first.tool as string,
        calls: group.length,
        denials: group.filter((e) => e.decision === 'deny').length,
        approvals: group.filter((e) => e.decision === 'require_approval').length,
        errors: group.filter((e) => ['error', 'upstream_error', 'timed_out'].includes(e.outcome))
          .length,
        p50LatencyMs: percentile(latencies, 0.5),
        p95LatencyMs: percentile(latencies, 0.95),
      };
    });
  }

  function expectWithinBound(actual: number | null, exact: number | null): void {
    if (exact === null) return expect(actual).toBeNull();
    expect(actual).not.toBeNull();
    expect(actual as number).toBeGreaterThanOrEqual(exact / LATENCY_PERCENTILE_FACTOR - 1e-9);
    expect(actual as number).toBeLessThanOrEqual(exact * LATENCY_PERCENTILE_FACTOR + 1e-9);
  }

  it('counts exactly the rows a batch inserts, however often batches are redelivered', async () => {
    for (const tenantId of [tenantA, tenantB]) {
      const list = all.get(tenantId) ?? [];
      let inserted = 0;
      for (let i = 0; i < list.length; i += 250) {
        // Each batch also carries the previous batch's last 100 events again (redelivery).
        const batch = list.slice(Math.max(0, i - 100), i + 250);
        inserted += await repos.auditEvents.createMany(batch);
      }
      // Whole batches redelivered, as stream payloads, two at once (racing on the same ids).
      const payloads = (from: number, to: number): string => JSON.stringify(list.slice(from, to));
      const again = await Promise.all([
        repos.auditEvents.createManyFromJson(payloads(0, 600)),
        repos.auditEvents.createManyFromJson(payloads(300, 900)),
      ]);
      expect(inserted).toBe(list.length);
      expect(again).toEqual([0, 0]);
    }
    // New events racing each other on the same rollup rows, with overlapping ids.
    const racing = events(tenantA, 400, 2, 3);
    all.set(tenantA, [...(all.get(tenantA) ?? []), ...racing]);
    const counts = await Promise.all([
      repos.auditEvents.createManyFromJson(JSON.stringify(racing.slice(0, 300))),
      repos.auditEvents.createMany(racing.slice(100, 400)),
    ]);
    expect(counts[0] + counts[1]).toBe(400);

    for (const tenantId of [tenantA, tenantB]) {
      const expected = await recomputed(tenantId);
      expect(expected.size).toBeGreaterThan(20);
      expect(await stored(tenantId)).toEqual(expected);
    }
  });

  it('serves stats over partial hours: counts equal the events, percentiles within the bound', async () => {
    const ranges = [
      // Partial first and last hours around 4 whole ones.
      { from: new Date(base + 17 * 60_000 + 123), to: new Date(base + 5 * HOUR_MS + 23 * 60_000) },
      // Whole hours only.
      { from: new Date(base + HOUR_MS), to: new Date(base + 3 * HOUR_MS) },
      // One whole hour and a partial last one.
      { from: new Date(base + 2 * HOUR_MS), to: new Date(base + 3 * HOUR_MS + 1) },
    ];
    for (const tenantId of [tenantA, tenantB]) {
      for (const { from, to } of ranges) {
        const stats = await repos.auditEvents.stats(tenantId, { from, to });
        const exact = await exactStats(tenantId, from, to);
        const counts = (s: ToolCallStats[]) =>
          s
            .map(({ p50LatencyMs: _p50, p95LatencyMs: _p95, ...c }) => c)
            .sort((a, b) => `${a.upstream}/${a.tool}`.localeCompare(`${b.upstream}/${b.tool}`));
        expect(counts(stats)).toEqual(counts(exact));
        expect(stats.map((s) => s.calls)).toEqual(
          [...stats.map((s) => s.calls)].sort((a, b) => b - a),
        );
        for (const s of stats) {
          const e = exact.find((x) => x.upstream === s.upstream && x.tool === s.tool);
          expectWithinBound(s.p50LatencyMs, e?.p50LatencyMs ?? null);
          expectWithinBound(s.p95LatencyMs, e?.p95LatencyMs ?? null);
        }
      }
    }
    // A range within one hour stays exact (percentile_cont over the events).
    const within = { from: new Date(base + 10 * 60_000), to: new Date(base + 50 * 60_000) };
    const exact = await exactStats(tenantA, within.from, within.to);
    const stats = await repos.auditEvents.stats(tenantA, within);
    expect(stats).toHaveLength(exact.length);
    for (const s of stats) {
      const e = exact.find((x) => x.upstream === s.upstream && x.tool === s.tool);
      expect(s).toMatchObject({
        ...e,
        p50LatencyMs: expect.any(Number),
        p95LatencyMs: expect.any(Number),
      });
      expect(s.p50LatencyMs).toBeCloseTo(e?.p50LatencyMs ?? NaN, 6);
      expect(s.p95LatencyMs).toBeCloseTo(e?.p95LatencyMs ?? NaN, 6);
    }
  });

  it("keeps tenants apart: one tenant's events never reach another's rollup or stats", async () => {
    const other = (await repos.tenants.create({ slug: 'rollup-empty', name: 'e' })).id;
    const range = { from: new Date(base - HOUR_MS), to: new Date(base + 10 * HOUR_MS) };
    expect(await repos.auditEvents.stats(other, range)).toEqual([]);
    expect((await stored(other)).size).toBe(0);
    const a = await repos.auditEvents.stats(tenantA, range);
    const b = await repos.auditEvents.stats(tenantB, range);
    const total = (s: ToolCallStats[]) => s.reduce((sum, t) => sum + t.calls, 0);
    expect(total(b)).toBe(
      [...(await recomputed(tenantB)).values()].reduce((n, r) => n + r.calls, 0),
    );
    expect(total(a)).toBe(
      [...(await recomputed(tenantA)).values()].reduce((n, r) => n + r.calls, 0),
    );
  });

  it('retention subtracts what it deletes and drops the whole hours before the cutoff', async () => {
    const cutoff = new Date(base + 2 * HOUR_MS + 25 * 60_000);
    const before = await stored(tenantB);
    const deleted = await repos.auditEvents.deleteOlderThan(tenantA, cutoff, 97);
    expect(deleted).toBeGreaterThan(1000);
    const left = await stored(tenantA);
    expect(left).toEqual(await recomputed(tenantA));
    expect([...left.values()].every((r) => r.hour >= base + 2 * HOUR_MS)).toBe(true);
    expect([...left.values()].some((r) => r.hour === base + 2 * HOUR_MS)).toBe(true);
    expect(await stored(tenantB)).toEqual(before);
    // Stats across the cutoff agree with the events that remain.
    const range = { from: new Date(base), to: new Date(base + 4 * HOUR_MS) };
    const calls = (s: ToolCallStats[]) => s.reduce((sum, t) => sum + t.calls, 0);
    expect(calls(await repos.auditEvents.stats(tenantA, range))).toBe(
      calls(await exactStats(tenantA, range.from, range.to)),
    );
  });

  it('rebuilds hours from the events (backfill) to the same rows the write path keeps', async () => {
    const kept = await stored(tenantB);
    await db.prisma.$executeRaw`DELETE FROM audit_tool_hours WHERE tenant_id = ${tenantB}::uuid`;
    await repos.auditEvents.rebuildToolHours(tenantB, {
      from: new Date(base + 30 * 60_000),
      to: new Date(base + 6 * HOUR_MS),
    });
    expect(await stored(tenantB)).toEqual(kept);
  });
});
