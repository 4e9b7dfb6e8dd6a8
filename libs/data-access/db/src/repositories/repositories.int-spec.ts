import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../test-database';
import { createRepositories, type Repositories } from './index';
import type { AuditEventInput } from './audit-event.repository';

describe('repositories (real Postgres)', () => {
  let db: TestDatabase;
  let repos: Repositories;

  beforeAll(async () => {
    db = await createTestDatabase();
    repos = createRepositories(db.prisma);
  });

  afterAll(async () => {
    await db.drop();
  });

  async function tenantWithPerson(slug: string) {
    const tenant = await repos.tenants.create({ slug, name: slug });
    const person = await repos.people.create(tenant.id, {
      email: `Ada@${slug}.example`,
      name: 'Ada',
      roles: ['admin'],
    });
    return { tenant, person };
  }

  it("never returns or changes tenant A's rows through tenant B's id", async () => {
    const a = await tenantWithPerson('iso-a');
    const b = await tenantWithPerson('iso-b');
    const upstream = await repos.upstreams.create(a.tenant.id, {
      slug: 'files',
      name: 'F',
      url: 'http://x',
    });
    const token = await repos.tokens.create(a.tenant.id, {
      personId: a.person.id,
      name: 't',
      prefix: 'gth_abc',
      hash: randomUUID(),
      scopes: ['mcp:call'],
    });
    expect(await repos.people.findById(b.tenant.id, a.person.id)).toBeNull();
    expect(await repos.people.update(b.tenant.id, a.person.id, { name: 'x' })).toBeNull();
    expect(await repos.people.delete(b.tenant.id, a.person.id)).toBe(false);
    expect(await repos.upstreams.findById(b.tenant.id, upstream.id)).toBeNull();
    expect(await repos.upstreams.findBySlug(b.tenant.id, 'files')).toBeNull();
    expect(await repos.tokens.findById(b.tenant.id, token.id)).toBeNull();
    expect(await repos.tokens.revoke(b.tenant.id, token.id)).toBeNull();
    expect((await repos.tokens.findById(a.tenant.id, token.id))?.revokedAt).toBeNull();
    expect((await repos.people.list(b.tenant.id)).items.map((p) => p.id)).toEqual([b.person.id]);
    // A token cannot point at another tenant's person (composite foreign key).
    await expect(
      repos.tokens.create(b.tenant.id, {
        personId: a.person.id,
        name: 't',
        prefix: 'p',
        hash: randomUUID(),
        scopes: [],
      }),
    ).rejects.toThrow();
  });

  it('stores emails lowercase and finds tenants by id or slug', async () => {
    const { tenant, person } = await tenantWithPerson('Case-Test');
    expect(tenant.slug).toBe('case-test');
    expect(person.email).toBe('ada@case-test.example');
    expect((await repos.tenants.findByIdOrSlug('CASE-TEST'))?.id).toBe(tenant.id);
    expect((await repos.tenants.findByIdOrSlug(tenant.id))?.slug).toBe('case-test');
    await expect(
      repos.people.create(tenant.id, { email: 'ADA@case-test.example', name: 'x', roles: [] }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('paginates with opaque cursors without gaps or repeats', async () => {
    const { tenant } = await tenantWithPerson('pages');
    for (let i = 0; i < 7; i++) {
      await repos.people.create(tenant.id, {
        email: `p${i}@x.example`,
        name: `p${i}`,
        roles: ['member'],
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof repos.people.list>> = await repos.people.list(
        tenant.id,
        { limit: 3, cursor },
      );
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(8);
    expect(new Set(seen).size).toBe(8);
    await expect(repos.people.list(tenant.id, { cursor: 'garbage' })).rejects.toMatchObject({
      code: 'INVALID_CURSOR',
    });
  });

  it('throttles token last-used writes', async () => {
    const { tenant, person } = await tenantWithPerson('touch');
    const token = await repos.tokens.create(tenant.id, {
      personId: person.id,
      name: 't',
      prefix: 'p',
      hash: randomUUID(),
      scopes: [],
    });
    const t0 = new Date('2026-01-01T00:00:00Z');
    expect(await repos.tokens.touchLastUsed(tenant.id, token.id, t0)).toBe(true);
    expect(
      await repos.tokens.touchLastUsed(tenant.id, token.id, new Date(t0.getTime() + 1000)),
    ).toBe(false);
    expect(
      await repos.tokens.touchLastUsed(tenant.id, token.id, new Date(t0.getTime() + 61_000)),
    ).toBe(true);
    expect((await repos.tokens.findByHash(token.hash))?.id).toBe(token.id);
  });

  it('decides an approval once and consumes it once', async () => {
    const { tenant, person } = await tenantWithPerson('approvals');
    const approval = await repos.approvals.create(tenant.id, {
      personId: person.id,
      sessionId: 's1',
      upstreamSlug: 'files',
      toolName: 'delete',
      argumentsDigest: 'd',
      arguments: { path: '/' },
      matchedRules: ['r1'],
      policyVersion: 1,
      expiresAt: new Date(Date.now() + 60_000),
    });
    const [first, second] = await Promise.all([
      repos.approvals.decide(tenant.id, approval.id, { status: 'approved', decidedBy: 'alice' }),
      repos.approvals.decide(tenant.id, approval.id, { status: 'denied', decidedBy: 'bob' }),
    ]);
    expect([first, second].filter((d) => d !== null)).toHaveLength(1);
    const winner = first ?? second;
    expect(winner?.decidedAt).toBeInstanceOf(Date);
    if (winner?.status === 'approved') {
      expect((await repos.approvals.consume(tenant.id, approval.id))?.status).toBe('consumed');
      expect(await repos.approvals.consume(tenant.id, approval.id)).toBeNull();
    } else {
      expect(await repos.approvals.consume(tenant.id, approval.id)).toBeNull();
    }
    expect((await repos.approvals.listByStatus(tenant.id, 'pending')).items).toEqual([]);
  });

  it('bumps the policy version on every change and rolls back to a snapshot', async () => {
    const { tenant } = await tenantWithPerson('policies');
    const rule = {
      effect: 'allow' as const,
      subjects: ['*'],
      targets: [{ upstream: '*', tool: '*' }],
    };
    const v1 = await repos.policies.create(tenant.id, { name: 'allow-all', ...rule }, 'alice');
    const v2 = await repos.policies.create(tenant.id, {
      name: 'deny-delete',
      ...rule,
      effect: 'deny',
    });
    const v3 = await repos.policies.update(tenant.id, v1.result.id, { priority: 5 });
    expect([v1.policyVersion, v2.policyVersion, v3?.policyVersion]).toEqual([1, 2, 3]);
    expect(v3?.result.version).toBe(2);
    const v4 = await repos.policies.delete(tenant.id, v2.result.id);
    expect(v4?.policyVersion).toBe(4);
    expect(await repos.policies.update(tenant.id, randomUUID(), { priority: 1 })).toBeNull();
    expect((await repos.tenants.findByIdOrSlug(tenant.id))?.policyVersion).toBe(4);

    const rolled = await repos.policies.rollback(tenant.id, 2, 'bob');
    expect(rolled.policyVersion).toBe(5);
    expect(rolled.result.map((p) => p.name).sort()).toEqual(['allow-all', 'deny-delete']);
    expect((await repos.policies.findById(tenant.id, v1.result.id))?.priority).toBe(0);
    const versions = await repos.policies.listVersions(tenant.id, { limit: 2 });
    expect(versions.items.map((v) => v.version)).toEqual([5, 4]);
    const older = await repos.policies.listVersions(tenant.id, {
      limit: 10,
      cursor: versions.nextCursor,
    });
    expect(older.items.map((v) => v.version)).toEqual([3, 2, 1]);
    await expect(repos.policies.rollback(tenant.id, 42)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('pins a tool at first sight, flags a change and accepts it', async () => {
    const { tenant } = await tenantWithPerson('pins');
    const upstream = await repos.upstreams.create(tenant.id, {
      slug: 'u',
      name: 'U',
      url: 'http://u',
    });
    const sighting = {
      upstreamId: upstream.id,
      toolName: 'echo',
      definitionHash: 'h1',
      definition: { d: 1 },
    };
    const pin = await repos.toolPins.upsertFirstSight(tenant.id, sighting);
    expect(
      (await repos.toolPins.upsertFirstSight(tenant.id, { ...sighting, definitionHash: 'h2' }))
        .definitionHash,
    ).toBe('h1');
    const changed = await repos.toolPins.markChanged(tenant.id, {
      ...sighting,
      definitionHash: 'h2',
      definition: { d: 2 },
    });
    expect(changed).toMatchObject({ status: 'changed', pendingHash: 'h2', definitionHash: 'h1' });
    const accepted = await repos.toolPins.accept(tenant.id, pin.id, 'alice');
    expect(accepted).toMatchObject({
      status: 'pinned',
      definitionHash: 'h2',
      definition: { d: 2 },
      pendingHash: null,
      pendingDefinition: null,
    });
    expect(await repos.toolPins.accept(tenant.id, pin.id, 'alice')).toBeNull();
  });

  describe('audit events', () => {
    let tenantId: string;
    const base = Date.parse('2026-03-01T00:00:00Z');
    const event = (i: number, extra: Partial<AuditEventInput> = {}): AuditEventInput => ({
      id: randomUUID(),
      v: 1,
      tenantId,
      time: new Date(base + Math.floor(i / 2) * 1000),
      kind: 'mcp',
      method: 'tools/call',
      upstream: 'files',
      tool: i % 3 === 0 ? 'files__delete' : 'files__read',
      decision: 'allow',
      matchedRules: [],
      outcome: i % 5 === 0 ? 'error' : 'ok',
      latencyMs: i * 10,
      sessionId: `s${i % 2}`,
      ...extra,
    });

    beforeAll(async () => {
      tenantId = (await repos.tenants.create({ slug: 'audit', name: 'audit' })).id;
    });

    it('skips duplicate ids on redelivery', async () => {
      const events = Array.from({ length: 20 }, (_, i) => event(i));
      expect(await repos.auditEvents.createMany(events)).toBe(20);
      expect(await repos.auditEvents.createMany([...events.slice(0, 5), event(100)])).toBe(1);
    });

    it('pages newest first by (time, id) with filters, and streams the same rows', async () => {
      const all = await repos.auditEvents.query(tenantId, {}, { limit: 500 });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof repos.auditEvents.query>> =
          await repos.auditEvents.query(tenantId, {}, { limit: 4, cursor });
        seen.push(...page.items.map((e) => e.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(all.items.map((e) => e.id));
      const times = all.items.map((e) => e.time.getTime());
      expect(times).toEqual([...times].sort((x, y) => y - x));

      const deletes = await repos.auditEvents.query(tenantId, { tool: 'delete', sessionId: 's0' });
      expect(deletes.items.length).toBeGreaterThan(0);
      expect(deletes.items.every((e) => e.tool === 'files__delete' && e.sessionId === 's0')).toBe(
        true,
      );
      const streamed: string[] = [];
      for await (const e of repos.auditEvents.stream(tenantId, { outcome: 'error' }, 2))
        streamed.push(e.id);
      const errors = await repos.auditEvents.query(tenantId, { outcome: 'error' });
      expect(streamed).toEqual(errors.items.map((e) => e.id));
      const other = await repos.tenants.create({ slug: 'audit-other', name: 'o' });
      expect((await repos.auditEvents.query(other.id)).items).toEqual([]);
    });

    it('matches the tool filter literally and refuses a damaged cursor', async () => {
      await repos.auditEvents.createMany([
        event(200, { tool: 'odd%_name', arguments: { a: [1, 'x'] }, matchedRules: ['r1'] }),
      ]);
      // Raw rows come back exactly as Prisma's own model (Date, arrays, JSON, nulls).
      const [raw] = (await repos.auditEvents.query(tenantId, { tool: 'odd%' })).items;
      expect(raw).toEqual(await repos.auditEvents.get(tenantId, raw!.id));
      expect((await repos.auditEvents.query(tenantId, { tool: '%_' })).items).toHaveLength(1);
      expect((await repos.auditEvents.query(tenantId, { tool: 'files_%' })).items).toEqual([]);
      const files = await repos.auditEvents.query(tenantId, { tool: 'files__' }, { limit: 500 });
      expect(new Set(files.items.map((e) => e.tool))).toEqual(
        new Set(['files__read', 'files__delete']),
      );
      const forged = Buffer.from(JSON.stringify({ t: new Date(base).toISOString(), id: 'x' }));
      await expect(
        repos.auditEvents.query(tenantId, {}, { cursor: forged.toString('base64url') }),
      ).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    });

    it('computes per-tool counts and latency percentiles, and deletes old events in batches', async () => {
      const stats = await repos.auditEvents.stats(tenantId, {
        from: new Date(base),
        to: new Date(base + 3_600_000),
      });
      const read = stats.find((s) => s.tool === 'files__read');
      // files__read: i not divisible by 3 among 0..19 and 100 → 14 calls; errors at i = 5, 10, 100.
      expect(read).toMatchObject({ upstream: 'files', calls: 14, errors: 3, denials: 0 });
      expect(read?.p95LatencyMs).toBeGreaterThanOrEqual(read?.p50LatencyMs ?? Infinity);
      const other = await repos.tenants.create({ slug: 'audit-stats-other', name: 'o' });
      expect(
        await repos.auditEvents.stats(other.id, { from: new Date(base), to: new Date(base + 1) }),
      ).toEqual([]);
      const deleted = await repos.auditEvents.deleteOlderThan(tenantId, new Date(base + 5000), 3);
      expect(deleted).toBe(10);
      const left = await repos.auditEvents.query(tenantId, { to: new Date(base + 5000) });
      expect(left.items).toEqual([]);
    });
  });
});
