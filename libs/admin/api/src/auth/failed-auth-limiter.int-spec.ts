import type { HttpAppHandle } from '@gatehouse/app-kit';
import { startAdminApi } from '../start-admin-api';
import {
  createTestPerson,
  createTestTenant,
  startAdminTestEnv,
  type AdminTestEnv,
  type TestPerson,
} from '../testing/admin-test-env';

const LIMIT = { max: 5, windowMs: 60_000 };

describe('failed-authentication limiter across replicas (real Redis)', () => {
  let env: AdminTestEnv;
  let second: HttpAppHandle;
  let admin: TestPerson;
  let path: string;
  beforeAll(async () => {
    env = await startAdminTestEnv({}, { failedAuthLimit: LIMIT });
    second = await startAdminApi(await env.replica(), {
      host: '127.0.0.1',
      port: 0,
      version: 'test',
      failedAuthLimit: LIMIT,
    });
    const tenant = await createTestTenant(env.runtime);
    admin = await createTestPerson(env.runtime, tenant.id, ['admin']);
    path = `/api/v1/tenants/${tenant.slug}/people`;
  });
  afterAll(async () => {
    await second.close();
    await env.close();
  });

  const get = async (base: string, token: string) =>
    (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } })).status;

  it('keeps a valid token working from an address another client floods with bad tokens', async () => {
    // Every request of this test comes from 127.0.0.1, like a team behind one NAT address.
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      statuses.push(await get(env.api.url, `gth_flood_${i % 3}`));
      expect(await get(i % 2 === 0 ? env.api.url : second.url, admin.token)).toBe(200);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
  });

  it('holds the limit across two instances sharing Redis', async () => {
    const bad = 'gth_cluster_wide_bad_token';
    // Failures alternate between the two replicas; the limit counts them together.
    for (let i = 0; i < LIMIT.max; i++) {
      expect(await get(i % 2 === 0 ? env.api.url : second.url, bad)).toBe(401);
    }
    for (const base of [env.api.url, second.url]) {
      const response = await fetch(`${base}${path}`, {
        headers: { authorization: `Bearer ${bad}` },
      });
      expect(response.status).toBe(429);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await response.json()).toMatchObject({
        error: { code: 'RATE_LIMITED', requestId: expect.any(String) },
      });
    }
    // Another bad credential from the same address is judged on its own (401, not 429).
    expect(await get(second.url, 'gth_another_bad_token')).toBe(401);
    expect(await get(second.url, admin.token)).toBe(200);
  });
});
