import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedDatabase } from './embedded-database';
import { AuditEventRepository, type AuditEventInput } from './repositories/audit-event.repository';
import { TenantRepository } from './repositories/tenant.repository';

// PGlite loads its Wasm with a dynamic import: run jest with NODE_OPTIONS=--experimental-vm-modules.
describe('embedded database (PGlite)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gh-pglite-'));

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('migrates a new data directory, stores a tenant and finds it after reopening', async () => {
    const first = await openEmbeddedDatabase(dataDir);
    expect(first.migrations.applied.length).toBeGreaterThan(0);
    const created = await new TenantRepository(first.prisma).create({
      slug: 'local',
      name: 'Local',
    });
    await first.close();

    const second = await openEmbeddedDatabase(dataDir);
    try {
      expect(second.migrations.applied).toEqual([]);
      const found = await new TenantRepository(second.prisma).findByIdOrSlug('local');
      expect(found?.id).toBe(created.id);
    } finally {
      await second.close();
    }
  }, 120_000);

  it('keeps the stats rollup with the events on PGlite too (the embedded write path)', async () => {
    const db = await openEmbeddedDatabase(dataDir);
    try {
      const tenantId = (await new TenantRepository(db.prisma).create({ slug: 'e', name: 'E' })).id;
      const audit = new AuditEventRepository(db.prisma);
      const base = Date.parse('2026-05-01T00:00:00Z');
      // 30 calls over 3 hours (10 per hour), latencies 10..300 ms; every 5th denied.
      const events = Array.from({ length: 30 }, (_, i): AuditEventInput => ({
        id: randomUUID(),
        v: 1,
        tenantId,
        time: new Date(base + i * 360_000),
        kind: 'mcp',
        method: 'tools/call',
        upstream: 'files',
        tool: 'files__read',
        decision: i % 5 === 0 ? 'deny' : 'allow',
        matchedRules: [],
        outcome: i % 5 === 0 ? 'denied' : 'ok',
        latencyMs: (i + 1) * 10,
      }));
      expect(await audit.createMany(events.slice(0, 20))).toBe(20);
      expect(await audit.createMany(events)).toBe(10); // 20 redelivered, counted once
      const hours = await db.prisma.auditToolHour.findMany({ orderBy: { hour: 'asc' } });
      expect(hours.map((h) => [h.calls, h.denials])).toEqual([
        [10, 2],
        [10, 2],
        [10, 2],
      ]);
      // Whole hour 1 from the rollup, the partial hours 0 and 2 from the events.
      const [stats] = await audit.stats(tenantId, {
        from: new Date(base + 1_800_000),
        to: new Date(base + 9_000_000),
      });
      expect(stats).toMatchObject({ upstream: 'files', calls: 20, denials: 4, errors: 0 });
      // Latencies 60..250 ms: percentile_cont(0.5) = 155.
      expect(stats?.p50LatencyMs).toBeGreaterThan(155 / 2 ** (1 / 8));
      expect(stats?.p50LatencyMs).toBeLessThan(155 * 2 ** (1 / 8));
      expect(await audit.deleteOlderThan(tenantId, new Date(base + 4_000_000))).toBe(12);
      const left = await db.prisma.auditToolHour.findMany({ orderBy: { hour: 'asc' } });
      expect(left.map((h) => [h.hour.getTime(), h.calls])).toEqual([
        [base + 3_600_000, 8],
        [base + 7_200_000, 10],
      ]);
    } finally {
      await db.close();
    }
  }, 120_000);
});
