import {
  createTestPerson,
  createTestTenant,
  startAdminTestEnv,
  type AdminTestEnv,
  type TestPerson,
} from './testing/admin-test-env';

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

describe('admin API behaviour', () => {
  let env: AdminTestEnv;
  let platform: TestPerson;
  let tenant: { id: string; slug: string };
  let admin: TestPerson;

  beforeAll(async () => {
    env = await startAdminTestEnv({}, { failedAuthLimit: { max: 3, windowMs: 60_000 } });
    const home = await createTestTenant(env.runtime, 'home');
    platform = await createTestPerson(env.runtime, home.id, ['platform-admin']);
    tenant = await createTestTenant(env.runtime);
    admin = await createTestPerson(env.runtime, tenant.id, ['admin']);
  });
  afterAll(async () => {
    await env.close();
  });

  it('creates, reads by id or slug, updates and disables a tenant', async () => {
    const created = await env.call('POST', '/api/v1/tenants', platform.token, {
      slug: 'acme',
      name: 'Acme',
    });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    expect((await env.call('GET', `/api/v1/tenants/${id}`, platform.token)).body).toMatchObject({
      slug: 'acme',
    });
    expect((await env.call('GET', '/api/v1/tenants/acme', platform.token)).body).toMatchObject({
      id,
    });
    const updated = await env.call('PATCH', '/api/v1/tenants/acme', platform.token, {
      name: 'Acme Inc',
      settings: { auditArguments: 'redacted' },
    });
    expect(updated.body).toMatchObject({
      name: 'Acme Inc',
      settings: { auditArguments: 'redacted' },
    });
    const disabled = await env.call('DELETE', '/api/v1/tenants/acme', platform.token);
    expect(disabled.body).toMatchObject({ status: 'disabled' });
    const clash = await env.call('POST', '/api/v1/tenants', platform.token, {
      slug: 'acme',
      name: 'again',
    });
    expect(clash.status).toBe(409);
  });

  it('paginates with limit and cursor, and filters people', async () => {
    for (const name of ['carol', 'dave', 'erin']) {
      const response = await env.call(
        'POST',
        `/api/v1/tenants/${tenant.slug}/people`,
        admin.token,
        {
          email: `${name}@example.test`,
          name,
          roles: name === 'erin' ? ['approver'] : ['member'],
        },
      );
      expect(response.status).toBe(201);
    }
    const path = `/api/v1/tenants/${tenant.slug}/people`;
    const first = (await env.call('GET', `${path}?limit=2`, admin.token)).body as Page<{
      id: string;
    }>;
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (
      await env.call('GET', `${path}?limit=2&cursor=${first.nextCursor}`, admin.token)
    ).body as Page<{ id: string }>;
    expect(second.items.map((p) => p.id)).not.toContain(first.items[0]!.id);
    const approvers = (await env.call('GET', `${path}?role=approver`, admin.token)).body as Page<{
      email: string;
    }>;
    expect(approvers.items.map((p) => p.email)).toEqual(['erin@example.test']);
    const byEmail = (await env.call('GET', `${path}?email=DAVE`, admin.token)).body as Page<{
      email: string;
    }>;
    expect(byEmail.items.map((p) => p.email)).toEqual(['dave@example.test']);
    for (const bad of ['limit=0', 'limit=201', 'limit=abc', 'role=king', 'cursor=garbage']) {
      const response = await env.call('GET', `${path}?${bad}`, admin.token);
      expect(response.status).toBe(400);
    }
  });

  it('keeps platform-admin for platform admins', async () => {
    const response = await env.call('POST', `/api/v1/tenants/${tenant.slug}/people`, admin.token, {
      email: 'mallory@example.test',
      name: 'Mallory',
      roles: ['platform-admin'],
    });
    expect(response.status).toBe(403);
  });

  it('lists live sessions and terminates one', async () => {
    const now = Date.now();
    await env.runtime.sessions.create(
      {
        id: 'live-session-1',
        tenantId: tenant.id,
        personId: admin.id,
        tokenId: null,
        protocolVersion: '2025-06-18',
        clientInfo: { name: 'claude', version: '1.2.3' },
        clientCapabilities: {},
        route: { kind: 'aggregate' },
        createdAt: now,
        lastSeenAt: now,
        initialized: true,
      },
      600,
    );
    const path = `/api/v1/tenants/${tenant.slug}/sessions`;
    const list = (await env.call('GET', path, admin.token)).body as Page<Record<string, unknown>>;
    expect(list.items).toEqual([
      expect.objectContaining({
        id: 'live-session-1',
        personId: admin.id,
        client: { name: 'claude', version: '1.2.3' },
        startedAt: new Date(now).toISOString(),
      }),
    ]);
    expect((await env.call('DELETE', `${path}/live-session-1`, admin.token)).status).toBe(204);
    expect(await env.runtime.sessions.get('live-session-1')).toBeNull();
    expect((await env.call('DELETE', `${path}/live-session-1`, admin.token)).status).toBe(404);
  });

  it('answers errors in one shape with a request id', async () => {
    const response = await env.call(
      'GET',
      `/api/v1/tenants/${tenant.slug}/upstreams/not-a-uuid`,
      admin.token,
    );
    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      error: { code: 'NOT_FOUND', message: expect.any(String), requestId: expect.any(String) },
    });
  });

  it('answers malformed JSON and unknown routes in the same shape', async () => {
    const response = await fetch(`${env.api.url}/api/v1/tenants/${tenant.slug}/people`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      body: '{"email":',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    const unknown = await env.call('GET', '/api/v1/nothing-here', admin.token);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('rate-limits a failing credential per address with 429 and Retry-After, sparing valid ones', async () => {
    const path = `/api/v1/tenants/${tenant.slug}/people`;
    for (let i = 0; i < 3; i++) {
      expect((await env.call('GET', path, 'gth_wrong')).status).toBe(401);
    }
    const limited = await env.call('GET', path, 'gth_wrong');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect((await env.call('GET', path, admin.token)).status).toBe(200);
  });
});
