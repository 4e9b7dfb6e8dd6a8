import type { OpenAPIV3_1 } from 'openapi-types';
import {
  createTestPerson,
  createTestTenant,
  startAdminTestEnv,
  type AdminTestEnv,
  type TestPerson,
} from '../testing/admin-test-env';

interface Raw {
  status: number;
  body: { error?: { code: string; message: string; requestId: string; details?: unknown } };
}

/** A request exactly as given: path unnormalised, any Content-Type, any body text. */
async function raw(
  env: AdminTestEnv,
  method: string,
  path: string,
  token: string,
  init: { contentType?: string; body?: string } = {},
): Promise<Raw> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (init.contentType !== undefined) headers['content-type'] = init.contentType;
  const response = await fetch(`${env.api.url}${path}`, {
    method,
    headers,
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Raw['body']) : {} };
}

function expectIssue(response: Raw, where: 'path' | 'query' | 'body', path: string): void {
  expect(response.status).toBe(400);
  expect(response.body.error).toMatchObject({
    code: 'VALIDATION_FAILED',
    requestId: expect.any(String),
    details: { issues: expect.arrayContaining([expect.objectContaining({ in: where, path })]) },
  });
}

describe('admin API edge: text, numbers, URLs and bodies', () => {
  let env: AdminTestEnv;
  let tenant: { id: string; slug: string };
  let admin: TestPerson;
  let outsider: TestPerson;
  let platform: TestPerson;
  beforeAll(async () => {
    env = await startAdminTestEnv();
    tenant = await createTestTenant(env.runtime);
    admin = await createTestPerson(env.runtime, tenant.id, ['admin']);
    const other = await createTestTenant(env.runtime, 'other');
    outsider = await createTestPerson(env.runtime, other.id, ['admin']);
    platform = await createTestPerson(env.runtime, other.id, ['platform-admin']);
  });
  afterAll(async () => {
    await env.close();
  });

  const policies = `/api/v1/tenants/${'${t}'}/policies`;
  const policiesOf = (t: string) => policies.replace('${t}', t);
  const policyCount = async () =>
    ((await env.call('GET', policiesOf(tenant.slug), admin.token)).body as { items: unknown[] })
      .items.length;

  it('refuses a NUL in the tenant id of a path with 400 naming the parameter, for any token', async () => {
    for (const token of [admin.token, outsider.token, platform.token]) {
      expectIssue(await raw(env, 'GET', '/api/v1/tenants/%00/people', token), 'path', 't');
      expectIssue(await raw(env, 'GET', `/api/v1/tenants/a%00b`, token), 'path', 't');
    }
    expectIssue(
      await raw(env, 'POST', `/api/v1/tenants/${tenant.slug}/tools/x/a%00/accept`, admin.token),
      'path',
      'toolName',
    );
  });

  it('refuses a NUL in query filters with 400 naming the field', async () => {
    const base = `/api/v1/tenants/${tenant.slug}`;
    expectIssue(await raw(env, 'GET', `${base}/people?email=%00`, admin.token), 'query', 'email');
    for (const field of ['session', 'upstream', 'tool']) {
      expectIssue(
        await raw(env, 'GET', `${base}/audit?${field}=x%00`, admin.token),
        'query',
        field,
      );
      expectIssue(
        await raw(env, 'GET', `${base}/audit/export?${field}=%00`, admin.token),
        'query',
        field,
      );
    }
  });

  it('refuses NUL and lone surrogates in body text with the path, and creates nothing', async () => {
    const before = await policyCount();
    const rule = (targets: Record<string, string>, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ name: 'r', effect: 'allow', subjects: ['*'], targets, ...extra });
    const cases: [string, string][] = [
      [rule({ upstream: '*', tool: 'a\u0000' }), 'targets.tool'],
      // JSON escapes: the text is valid JSON, the string it decodes to is not valid Unicode.
      [
        rule({ upstream: '\\ud800', tool: '*' }).replace('\\\\ud800', '\\ud800'),
        'targets.upstream',
      ],
      [rule({ upstream: '*', tool: 'x\\udc00' }).replace('\\\\udc00', '\\udc00'), 'targets.tool'],
      [rule({ upstream: '*', tool: '*' }, { description: 'd\u0000' }), 'description'],
    ];
    for (const [body, path] of cases) {
      const response = await raw(env, 'POST', policiesOf(tenant.slug), admin.token, {
        contentType: 'application/json',
        body,
      });
      expectIssue(response, 'body', path);
    }
    const simulate = await raw(env, 'POST', `${policiesOf(tenant.slug)}/simulate`, admin.token, {
      contentType: 'application/json',
      body: JSON.stringify({ upstream: 'a\u0000', tool: 'b' }),
    });
    expectIssue(simulate, 'body', 'upstream');
    expect(await policyCount()).toBe(before);
  });

  it('answers a body nested 100,000 deep with 400, never a 500', async () => {
    const deep = `${'['.repeat(100_000)}"\u0000"${']'.repeat(100_000)}`;
    const cases = [
      [policiesOf(tenant.slug), `{"name":"r","effect":"allow","subjects":["*"],"x":${deep}}`],
      [
        `${policiesOf(tenant.slug)}/simulate`,
        `{"upstream":"a","tool":"b","arguments":{"a":${deep}}}`,
      ],
    ] as const;
    for (const [path, body] of cases) {
      const response = await raw(env, 'POST', path, admin.token, {
        contentType: 'application/json',
        body,
      });
      expect(response.status).toBe(400);
      expect(response.body.error?.code).toBe('VALIDATION_FAILED');
    }
  });

  it('bounds a policy priority to a 32-bit integer, as the OpenAPI document says', async () => {
    const create = (priority: number) =>
      env.call('POST', policiesOf(tenant.slug), admin.token, {
        name: `p${priority}`,
        effect: 'allow',
        subjects: ['*'],
        priority,
      });
    const before = await policyCount();
    for (const priority of [2_147_483_648, -2_147_483_649, Number.MAX_SAFE_INTEGER]) {
      const response = await create(priority);
      expect(response.status).toBe(400);
      expect(JSON.stringify(response.body)).toContain('"path":"priority"');
    }
    expect(await policyCount()).toBe(before);
    expect((await create(2_147_483_647)).status).toBe(201);
    expect((await create(-2_147_483_648)).status).toBe(201);

    for (const versions of [
      `${policiesOf(tenant.slug)}/versions`,
      `/api/v1/tenants/${tenant.slug}/limits/versions`,
    ]) {
      for (const version of ['2147483648', '9999999999']) {
        const response = await env.call('GET', `${versions}/${version}`, admin.token);
        expect(response.status).toBe(404);
      }
    }

    const document = (await env.call('GET', '/api/docs/json')).body as OpenAPIV3_1.Document;
    const bodies = ['post', 'patch'].map((method) => {
      const path = method === 'post' ? '{t}/policies' : '{t}/policies/{policyId}';
      const operation = (document.paths?.[`/api/v1/tenants/${path}`] as Record<string, unknown>)[
        method
      ] as OpenAPIV3_1.OperationObject;
      const content = (operation.requestBody as OpenAPIV3_1.RequestBodyObject).content;
      return content['application/json']?.schema as OpenAPIV3_1.SchemaObject;
    });
    for (const schema of bodies) {
      expect(JSON.stringify(schema.properties?.['priority'])).toMatch(
        /"minimum":-2147483648,"maximum":2147483647/,
      );
    }
  });

  it("answers Fastify's URL errors in the documented error body", async () => {
    const badEscape = await raw(env, 'GET', '/api/v1/tenants/%ff', admin.token);
    expect(badEscape.status).toBe(400);
    expect(badEscape.body.error).toMatchObject({
      code: 'INVALID_URL',
      requestId: expect.any(String),
    });
    const badUtf8 = await raw(env, 'GET', '/api/v1/tenants/%ED%A0%80/people', admin.token);
    expect(badUtf8.status).toBe(400);
    expect(badUtf8.body.error?.code).toBe('INVALID_URL');
    const long = await raw(env, 'GET', `/api/v1/tenants/${'a'.repeat(2_000)}`, admin.token);
    expect(long.status).toBe(414);
    expect(long.body.error).toMatchObject({ code: 'URI_TOO_LONG', requestId: expect.any(String) });
    const huge = await raw(
      env,
      'GET',
      `/api/v1/tenants/${tenant.slug}/people?email=${'z'.repeat(70_000)}`,
      admin.token,
    );
    expect(huge.status).toBe(431);
    expect(huge.body.error).toMatchObject({
      code: 'HEADERS_TOO_LARGE',
      requestId: expect.any(String),
    });
    // A long tool name (MCP allows 128 characters) still reaches its route.
    const longTool = await raw(
      env,
      'POST',
      `/api/v1/tenants/${tenant.slug}/tools/00000000-0000-4000-8000-000000000000/${'t'.repeat(300)}/accept`,
      admin.token,
    );
    expect(longTool.status).toBe(404);
    expect(longTool.body.error?.code).toBe('NOT_FOUND');
  });

  it('accepts JSON bodies only: a form or text body gets 415 and changes nothing', async () => {
    const path = `/api/v1/tenants/${tenant.slug}`;
    for (const [contentType, body] of [
      ['application/x-www-form-urlencoded', 'name=renamed'],
      ['text/plain', '{"name":"renamed"}'],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nrenamed\r\n--x--',
      ],
    ] as const) {
      const response = await raw(env, 'PATCH', path, platform.token, { contentType, body });
      expect(response.status).toBe(415);
      expect(response.body.error).toMatchObject({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        requestId: expect.any(String),
      });
    }
    const tenantNow = await env.call('GET', path, platform.token);
    expect(tenantNow.body).toMatchObject({ name: tenant.slug });
    const json = await raw(env, 'PATCH', path, platform.token, {
      contentType: 'application/json; charset=utf-8',
      body: '{"name":"renamed"}',
    });
    expect(json.status).toBe(200);
  });

  it('takes an empty body with Content-Type: application/json on a DELETE', async () => {
    const created = await env.call('POST', policiesOf(tenant.slug), admin.token, {
      name: 'to-delete',
      effect: 'deny',
      subjects: ['*'],
    });
    const id = (created.body as { id: string }).id;
    const deleted = await raw(env, 'DELETE', `${policiesOf(tenant.slug)}/${id}`, admin.token, {
      contentType: 'application/json',
    });
    expect(deleted.status).toBe(204);
    const broken = await raw(env, 'PATCH', `${policiesOf(tenant.slug)}/${id}`, admin.token, {
      contentType: 'application/json',
      body: '{"name":',
    });
    expect(broken.status).toBe(400);
    expect(broken.body.error?.code).toBe('VALIDATION_FAILED');
  });
});
