import { randomUUID } from 'node:crypto';
import { rebuildToolHoursByDay, type RebuiltChunk } from './audit-tool-hours-rebuild';
import { DataAccessError } from './errors';
import { createRepositories, type AuditEventInput, type Repositories } from './repositories';
import { LATENCY_BUCKETS } from './repositories/latency-histogram';
import {
  storedToolHours,
  toolHoursFromEvents,
  type ToolHourRow,
} from './repositories/tool-hours.test-support';
import { createTestDatabase, type TestDatabase } from './test-database';

const HOUR_MS = 3_600_000;
/** 20:00 UTC, so that the events span three UTC days. */
const base = Date.parse('2026-04-01T20:00:00Z');
const now = new Date(base + 40 * HOUR_MS + 10 * 60_000);

/** `count` tool calls (and some admin events) of a tenant, spread over the 40 hours from base (before `now`'s hour). */
function events(tenantId: string, count: number): AuditEventInput[] {
  const outcomes = ['ok', 'ok', 'error', 'timed_out', 'denied'] as const;
  const decisions = ['allow', 'allow', 'deny', 'require_approval', null] as const;
  return Array.from({ length: count }, (_, i): AuditEventInput => {
    const kind = i % 17 === 0 ? 'admin' : 'mcp';
    return {
      id: randomUUID(),
      v: 1,
      tenantId,
      time: new Date(base + ((i * 7919) % (40 * 60)) * 60_000 + (i % 60) * 1000),
      kind,
      method: kind === 'mcp' ? 'tools/call' : 'policy.update',
      upstream: i % 5 === 0 ? null : i % 2 === 0 ? 'github' : 'files',
      tool: kind === 'mcp' ? (['search', 'read', 'write'][i % 3] ?? null) : null,
      decision: decisions[i % decisions.length] ?? null,
      matchedRules: [],
      outcome: outcomes[i % outcomes.length] ?? 'ok',
      latencyMs: i % 11 === 0 ? null : (i * 37) % 5000,
    };
  });
}

type Row = ToolHourRow;

describe('rebuildToolHoursByDay, the audit:rebuild-hours command (real Postgres)', () => {
  let db: TestDatabase;
  let repos: Repositories;
  let tenantA: string;
  let tenantB: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    repos = createRepositories(db.prisma);
    tenantA = (await repos.tenants.create({ slug: 'rebuild-a', name: 'a' })).id;
    tenantB = (await repos.tenants.create({ slug: 'rebuild-b', name: 'b' })).id;
    await repos.auditEvents.createMany(events(tenantA, 1500));
    await repos.auditEvents.createMany(events(tenantB, 400));
  });

  afterAll(async () => {
    await db.drop();
  });

  const stored = (tenantId: string) => storedToolHours(db.prisma, tenantId);
  const fromEvents = (tenantId: string) => toolHoursFromEvents(db.prisma, tenantId);

  /** Calls per upstream/tool over whole hours, from stats (the rollup) and from the events. */
  async function statsAndEventCounts(tenantId: string, from: Date, to: Date) {
    const stats = await repos.auditEvents.stats(tenantId, { from, to });
    const rows = await db.prisma.auditEvent.findMany({
      where: { tenantId, kind: 'mcp', tool: { not: null }, time: { gte: from, lt: to } },
    });
    const exact = new Map<string, number>();
    for (const e of rows) {
      const key = `${e.upstream}/${e.tool}`;
      exact.set(key, (exact.get(key) ?? 0) + 1);
    }
    return {
      fromStats: new Map(stats.map((s) => [`${s.upstream}/${s.tool}`, s.calls])),
      fromEvents: exact,
    };
  }

  /**
   * Damages a tenant's rollup the ways a deploy or a repair does: events written without the
   * rollup (an audit-service of an older version), rows wrong, rows missing, a stale row older
   * than every event.
   */
  async function corrupt(tenantId: string): Promise<void> {
    await db.prisma.auditEvent.createMany({ data: events(tenantId, 120) });
    await db.prisma.$executeRaw`
      UPDATE audit_tool_hours SET calls = calls + 5, errors = 0
       WHERE tenant_id = ${tenantId}::uuid AND tool = 'read'`;
    await db.prisma.$executeRaw`
      DELETE FROM audit_tool_hours WHERE tenant_id = ${tenantId}::uuid AND tool = 'write'
         AND hour < ${new Date(base + 10 * HOUR_MS)}::timestamptz`;
    await db.prisma.$executeRaw`
      INSERT INTO audit_tool_hours (tenant_id, hour, upstream, tool, calls, denials, approvals,
        errors, latency_histogram)
      VALUES (${tenantId}::uuid, ${new Date(base - 50 * HOUR_MS)}::timestamptz, 'gone', 'stale',
        9, 0, 0, 0, array_fill(0, ARRAY[${LATENCY_BUCKETS}::int]))`;
  }

  it("rebuilds a tenant's rollup to what its events give, a UTC day per chunk, and touches no other tenant", async () => {
    await corrupt(tenantA);
    await corrupt(tenantB);
    const damagedB = await stored(tenantB);
    expect(await stored(tenantA)).not.toEqual(await fromEvents(tenantA));

    const chunks: RebuiltChunk[] = [];
    const summary = await rebuildToolHoursByDay(
      repos,
      { tenants: { idOrSlug: 'rebuild-a' } },
      (c) => chunks.push(c),
      now,
    );

    expect(await stored(tenantA)).toEqual(await fromEvents(tenantA));
    const whole = { from: new Date(base - 50 * HOUR_MS), to: new Date(base + 40 * HOUR_MS) };
    const { fromStats, fromEvents: exact } = await statsAndEventCounts(
      tenantA,
      whole.from,
      whole.to,
    );
    expect(fromStats).toEqual(exact);
    expect(await stored(tenantB)).toEqual(damagedB);

    // From the stale row's hour (the earliest) to the start of the current hour, day by day.
    expect(chunks[0]?.from).toEqual(whole.from);
    expect(chunks[chunks.length - 1]?.to).toEqual(new Date(base + 40 * HOUR_MS));
    for (const [i, c] of chunks.entries()) {
      expect(c.tenant).toEqual({ id: tenantA, slug: 'rebuild-a' });
      expect(c.hours).toBe((c.to.getTime() - c.from.getTime()) / HOUR_MS);
      expect(c.hours).toBeLessThanOrEqual(24);
      expect(c.to.getTime() % (24 * HOUR_MS) === 0 || i === chunks.length - 1).toBe(true);
      if (i > 0) expect(c.from).toEqual(chunks[i - 1]?.to);
    }
    expect(chunks).toHaveLength(5); // Mar 30 from 18:00, Mar 31, Apr 1, Apr 2, Apr 3 to 12:00
    expect(summary).toEqual({
      tenants: 1,
      hours: 90,
      rows: (await stored(tenantA)).size,
    });
  });

  it('leaves the current hour and the hours outside an explicit range as they are', async () => {
    // An event of tenant B in the current hour, not in the rollup; B's rollup still damaged.
    const [, late] = events(tenantB, 2); // the first is an admin event
    await db.prisma.auditEvent.createMany({ data: [{ ...late!, time: new Date(now) }] });
    const range = { from: new Date(base + 10 * HOUR_MS), to: new Date(base + 30 * HOUR_MS) };
    const inRange = (key: string) => {
      const hour = Date.parse(key.slice(0, 24));
      return hour >= range.from.getTime() && hour < range.to.getTime();
    };
    const before = await stored(tenantB);

    const summary = await rebuildToolHoursByDay(
      repos,
      { tenants: { idOrSlug: tenantB }, ...range },
      undefined,
      now,
    );

    const after = await stored(tenantB);
    const expected = await fromEvents(tenantB);
    const part = (rows: Map<string, Row>, inside: boolean) =>
      new Map([...rows].filter(([key]) => inRange(key) === inside));
    expect(part(after, true)).toEqual(part(expected, true));
    expect(part(after, false)).toEqual(part(before, false));
    expect(part(before, true)).not.toEqual(part(expected, true));
    expect(summary.hours).toBe(20);

    // Defaults: up to the start of the current hour, so the late event is not counted yet.
    await rebuildToolHoursByDay(repos, { tenants: 'all' }, undefined, now);
    const currentHour = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS).toISOString();
    const isCurrent = (key: string) => key.startsWith(currentHour);
    expect([...(await stored(tenantB)).keys()].filter(isCurrent)).toEqual([]);
    expect([...(await fromEvents(tenantB)).keys()].some(isCurrent)).toBe(true);
    expect(new Map([...(await stored(tenantB))].filter(([key]) => !isCurrent(key)))).toEqual(
      new Map([...(await fromEvents(tenantB))].filter(([key]) => !isCurrent(key))),
    );
  });

  it('with --all-tenants rebuilds every tenant and skips one with neither events nor rollup', async () => {
    await repos.tenants.create({ slug: 'rebuild-empty', name: 'e' });
    await corrupt(tenantA);
    await corrupt(tenantB);
    const later = new Date(now.getTime() + HOUR_MS);
    const summary = await rebuildToolHoursByDay(repos, { tenants: 'all' }, undefined, later);
    expect(summary.tenants).toBe(3);
    expect(await stored(tenantA)).toEqual(await fromEvents(tenantA));
    expect(await stored(tenantB)).toEqual(await fromEvents(tenantB));
  });

  it('refuses a tenant that does not exist, before touching anything', async () => {
    const before = await stored(tenantA);
    await expect(
      rebuildToolHoursByDay(repos, { tenants: { idOrSlug: 'no-such-tenant' } }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('no-such') });
    await expect(
      rebuildToolHoursByDay(repos, { tenants: { idOrSlug: randomUUID() } }),
    ).rejects.toBeInstanceOf(DataAccessError);
    expect(await stored(tenantA)).toEqual(before);
  });
});
