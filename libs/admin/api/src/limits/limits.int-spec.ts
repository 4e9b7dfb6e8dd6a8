import { BusChannels } from '@gatehouse/bus';
import { quotaKey, quotaPeriod } from '@gatehouse/policy';
import {
  createTestPerson,
  createTestTenant,
  startAdminTestEnv,
  type AdminTestEnv,
  type TestPerson,
} from '../testing/admin-test-env';

interface LimitsBody {
  version: number;
  limits: { rules: { name: string }[]; onRedisUnavailable: string; redisTimeoutMs: number };
  createdBy: string | null;
}

const PER_PERSON = {
  rules: [{ name: 'per-person', per: ['person'], rate: { requests: 10, windowSeconds: 60 } }],
  quotas: { person: { daily: 100 } },
};

describe('limits (admin API)', () => {
  let env: AdminTestEnv;
  let admin: TestPerson;
  let member: TestPerson;
  let tenant: { id: string; slug: string };
  let base: string;
  const changes: unknown[] = [];
  let unsubscribe: () => Promise<void>;

  beforeAll(async () => {
    env = await startAdminTestEnv();
    tenant = await createTestTenant(env.runtime);
    admin = await createTestPerson(env.runtime, tenant.id, ['admin']);
    member = await createTestPerson(env.runtime, tenant.id, ['member']);
    base = `/api/v1/tenants/${tenant.slug}/limits`;
    unsubscribe = await env.runtime.bus.subscribe(BusChannels.tenantConfigChanged, (m) =>
      changes.push(m),
    );
  });
  afterAll(async () => {
    await unsubscribe();
    await env.close();
  });

  it('reads version 0 with no rules before anything was set', async () => {
    const response = await env.call('GET', base, admin.token);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      version: 0,
      limits: { rules: [], quotas: {}, onRedisUnavailable: 'allow' },
    });
  });

  it.each([
    ['a rule without rate or concurrent', { rules: [{ name: 'x', per: ['person'] }] }],
    ['an unknown dimension', { rules: [{ name: 'x', per: ['planet'], concurrent: 1 }] }],
    [
      'a zero rate',
      { rules: [{ name: 'x', per: ['person'], rate: { requests: 0, windowSeconds: 1 } }] },
    ],
    ['a fractional concurrency', { rules: [{ name: 'x', per: ['tenant'], concurrent: 1.5 }] }],
    [
      'duplicate rule names',
      {
        rules: [
          { name: 'x', per: ['person'], concurrent: 1 },
          { name: 'x', per: ['token'], concurrent: 1 },
        ],
      },
    ],
    ['an unknown field', { rules: [], burst: 5 }],
    ['an unknown fail mode', { onRedisUnavailable: 'maybe' }],
    ['a negative quota', { quotas: { tenant: { daily: -1 } } }],
  ])('400 VALIDATION_FAILED for %s, and no new version', async (_, body) => {
    const response = await env.call('PUT', base, admin.token, body);
    expect(response.status).toBe(400);
    expect((response.body as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    expect((await env.runtime.repos.limits.current(tenant.id))?.version ?? 0).toBe(0);
  });

  it('403 for a member', async () => {
    expect((await env.call('PUT', base, member.token, PER_PERSON)).status).toBe(403);
  });

  it('stores each change as a new version, audits it and announces it to the gateways', async () => {
    const first = await env.call('PUT', base, admin.token, PER_PERSON);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ version: 1, createdBy: admin.id });
    const second = await env.call('PUT', base, admin.token, {
      ...PER_PERSON,
      onRedisUnavailable: 'refuse',
    });
    expect((second.body as LimitsBody).version).toBe(2);
    expect(((await env.call('GET', base, admin.token)).body as LimitsBody).limits).toMatchObject({
      onRedisUnavailable: 'refuse',
    });
    const v1 = await env.call('GET', `${base}/versions/1`, admin.token);
    expect((v1.body as LimitsBody).limits.onRedisUnavailable).toBe('allow');
    const list = await env.call('GET', `${base}/versions`, admin.token);
    expect((list.body as { items: LimitsBody[] }).items.map((v) => v.version)).toEqual([2, 1]);
    expect((await env.call('GET', `${base}/versions/9`, admin.token)).status).toBe(404);
    expect((await env.call('GET', `${base}/versions/x`, admin.token)).status).toBe(404);

    for (let i = 0; i < 100 && changes.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(changes).toEqual([{ tenantId: tenant.id }, { tenantId: tenant.id }]);
    const audited = await env.runtime.repos.auditEvents.query(tenant.id, { personId: admin.id });
    expect(audited.items.filter((e) => e.method === 'admin.limits.update')).toHaveLength(2);
  });

  it('shows quota usage from the counters the gateways keep', async () => {
    const redis = env.runtime.redis;
    if (!redis) throw new Error('the admin test env runs with Redis');
    const now = Date.now();
    const day = quotaPeriod('daily', now);
    await redis.set(
      `${env.runtime.config.REDIS_KEY_PREFIX}limits:${quotaKey(tenant.id, 'person', member.id, day.label)}`,
      '7',
    );
    const response = await env.call('GET', `${base}/usage?personId=${member.id}`, admin.token);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      tenant: {
        daily: { used: 0, limit: null, resetsAt: new Date(day.resetsAt).toISOString() },
        monthly: expect.objectContaining({ used: 0, limit: null }),
      },
      person: {
        personId: member.id,
        daily: { used: 7, limit: 100, resetsAt: new Date(day.resetsAt).toISOString() },
        monthly: expect.objectContaining({ used: 0, limit: null }),
      },
    });
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await env.call('GET', `${base}/usage?personId=${unknown}`, admin.token)).status).toBe(
      404,
    );
    expect((await env.call('GET', `${base}/usage?personId=nope`, admin.token)).status).toBe(400);
  });
});
