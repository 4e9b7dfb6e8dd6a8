import { BusChannels } from '@gatehouse/bus';
import {
  createTestPerson,
  createTestTenant,
  startAdminTestEnv,
  type AdminTestEnv,
  type TestPerson,
} from '../testing/admin-test-env';

describe('upstreams', () => {
  let env: AdminTestEnv;
  let admin: TestPerson;
  let tenant: { id: string; slug: string };
  let base: string;

  beforeAll(async () => {
    env = await startAdminTestEnv();
    tenant = await createTestTenant(env.runtime);
    admin = await createTestPerson(env.runtime, tenant.id, ['admin']);
    base = `/api/v1/tenants/${tenant.slug}/upstreams`;
  });
  afterAll(async () => {
    await env.close();
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data', 'UPSTREAM_URL_PRIVATE_ADDRESS'],
    ['http://10.0.0.7:8080/mcp', 'UPSTREAM_URL_PRIVATE_ADDRESS'],
    ['http://localhost:3000/mcp', 'UPSTREAM_URL_PRIVATE_ADDRESS'],
    ['file:///etc/passwd', 'UPSTREAM_URL_SCHEME_REFUSED'],
    ['https://user:pass@example.com/mcp', 'UPSTREAM_URL_CREDENTIALS_REFUSED'],
  ])('refuses %s with %s', async (url, code) => {
    const response = await env.call('POST', base, admin.token, { slug: 'bad', name: 'Bad', url });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code, details: { field: 'url' } } });
    const patch = await env.call('POST', base, admin.token, {
      slug: 'ok',
      name: 'Ok',
      url: 'https://93.184.215.14/',
    });
    const id = (patch.body as { id: string }).id;
    const update = await env.call('PATCH', `${base}/${id}`, admin.token, { url });
    expect(update.status).toBe(400);
    await env.call('DELETE', `${base}/${id}`, admin.token);
  });

  it('stores credentials sealed, never returns them, and tells the gateways', async () => {
    const changes: unknown[] = [];
    const unsubscribe = await env.runtime.bus.subscribe(BusChannels.tenantConfigChanged, (m) =>
      changes.push(m),
    );
    try {
      const created = await env.call('POST', base, admin.token, {
        slug: 'github',
        name: 'GitHub',
        url: 'https://93.184.215.14/mcp',
        credentials: { bearerToken: 'upstream-secret-123', headers: { 'X-Org': 'acme' } },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ slug: 'github', hasCredentials: true, enabled: true });
      expect(JSON.stringify(created.body)).not.toContain('upstream-secret-123');
      const id = (created.body as { id: string }).id;
      const row = await env.runtime.repos.upstreams.findById(tenant.id, id);
      expect(row?.credentials).not.toContain('upstream-secret-123');
      expect(JSON.parse(env.runtime.secrets.open(row?.credentials ?? ''))).toEqual({
        bearerToken: 'upstream-secret-123',
        headers: { 'X-Org': 'acme' },
      });
      const got = await env.call('GET', `${base}/${id}`, admin.token);
      expect(JSON.stringify(got.body)).not.toContain('upstream-secret-123');
      const cleared = await env.call('PATCH', `${base}/${id}`, admin.token, { credentials: null });
      expect(cleared.body).toMatchObject({ hasCredentials: false });
      await waitFor(() => changes.length >= 2);
      expect(changes).toContainEqual({ tenantId: tenant.id });
    } finally {
      await unsubscribe();
    }
  });

  it('holds slugs to the gateway tool-prefix rule and to uniqueness', async () => {
    for (const slug of ['Upper', 'a__b', 'x'.repeat(41), '-lead']) {
      const response = await env.call('POST', base, admin.token, {
        slug,
        name: 'n',
        url: 'https://93.184.215.14/',
      });
      expect(response.status).toBe(400);
    }
    const body = { slug: 'twice', name: 'n', url: 'https://93.184.215.14/' };
    expect((await env.call('POST', base, admin.token, body)).status).toBe(201);
    const clash = await env.call('POST', base, admin.token, body);
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ error: { code: 'CONFLICT' } });
  });

  it('accepts loopback when UPSTREAM_ALLOW_PRIVATE_NETWORKS is true', async () => {
    const open = await startAdminTestEnv({ UPSTREAM_ALLOW_PRIVATE_NETWORKS: 'true' });
    try {
      const t = await createTestTenant(open.runtime);
      const a = await createTestPerson(open.runtime, t.id, ['admin']);
      const response = await open.call('POST', `/api/v1/tenants/${t.slug}/upstreams`, a.token, {
        slug: 'local',
        name: 'Local fixture',
        url: 'http://127.0.0.1:3000/mcp',
      });
      expect(response.status).toBe(201);
    } finally {
      await open.close();
    }
  });

  it('shows the protocol era the gateways detected, and an upstream refusing every era as unhealthy', async () => {
    const created = await env.call('POST', base, admin.token, {
      slug: 'eras',
      name: 'Eras',
      url: 'https://93.184.215.15/mcp',
    });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    expect((created.body as { protocol: unknown }).protocol).toBeNull();

    await env.runtime.eras.put(
      tenant.id,
      id,
      { era: 'modern', fingerprint: 'f', checkedAt: '2026-12-08T00:00:00.000Z' },
      60,
    );
    const modern = await env.call('GET', `${base}/${id}`, admin.token);
    expect((modern.body as { protocol: unknown }).protocol).toEqual({
      era: 'modern',
      healthy: true,
      checkedAt: '2026-12-08T00:00:00.000Z',
    });

    await env.runtime.eras.put(
      tenant.id,
      id,
      {
        era: 'unknown',
        fingerprint: 'f',
        checkedAt: '2026-12-08T00:01:00.000Z',
        lastError: 'Upstream "eras" answered HTTP 400: Unsupported protocol version',
      },
      60,
    );
    const listed = await env.call('GET', base, admin.token);
    const item = (listed.body as { items: { id: string; protocol: unknown }[] }).items.find(
      (u) => u.id === id,
    );
    expect(item?.protocol).toMatchObject({
      era: 'unknown',
      healthy: false,
      lastError: expect.stringContaining('HTTP 400'),
    });
  });
});

async function waitFor(condition: () => boolean, withinMs = 1000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}
