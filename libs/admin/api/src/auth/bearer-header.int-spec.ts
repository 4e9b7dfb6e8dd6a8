import {
  createTestPerson,
  createTestTenant,
  startAdminTestEnv,
  type AdminTestEnv,
  type TestPerson,
} from '../testing/admin-test-env';

describe('admin bearer tokens travel only in the Authorization header', () => {
  let env: AdminTestEnv;
  let admin: TestPerson;
  let path: string;
  beforeAll(async () => {
    env = await startAdminTestEnv();
    const tenant = await createTestTenant(env.runtime);
    admin = await createTestPerson(env.runtime, tenant.id, ['admin']);
    path = `/api/v1/tenants/${tenant.slug}/people`;
  });
  afterAll(() => env.close());

  it('accepts the header', async () => {
    expect((await env.call('GET', path, admin.token)).status).toBe(200);
  });

  it('refuses a valid token in the query string (it would be logged with the URL)', async () => {
    const response = await fetch(
      `${env.api.url}${path}?access_token=${encodeURIComponent(admin.token)}`,
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      error: { code: 'UNAUTHENTICATED', message: expect.stringMatching(/Authorization header/) },
    });
  });

  it('refuses a valid token in a JSON body', async () => {
    const response = await fetch(`${env.api.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ access_token: admin.token, email: 'x@example.test' }),
    });
    expect(response.status).toBe(401);
  });
});
