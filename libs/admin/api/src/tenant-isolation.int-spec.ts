import { generateToken } from '@gatehouse/auth';
import { ADMIN_CONTROLLERS } from './admin-controllers';
import { listAdminRoutes } from './auth/route-table';
import {
  createTestPerson,
  createTestTenant,
  startAdminTestEnv,
  type AdminTestEnv,
  type TestPerson,
} from './testing/admin-test-env';

/** Valid bodies, so that a refusal cannot come from validation instead of isolation. */
const BODIES: Record<string, unknown> = {
  'PATCH /api/v1/tenants/:t': { name: 'x' },
  'POST /api/v1/tenants/:t/people': { email: 'x@example.test', name: 'x' },
  'PATCH /api/v1/tenants/:t/people/:p': { roles: ['member'] },
  'POST /api/v1/tenants/:t/people/:p/tokens': { name: 'x', scopes: ['mcp:call'] },
  'POST /api/v1/tenants/:t/tokens/:tokenId/rotate': {},
  'POST /api/v1/tenants/:t/upstreams': { slug: 'x', name: 'x', url: 'https://93.184.215.14/' },
  'PATCH /api/v1/tenants/:t/upstreams/:upstreamId': { enabled: false },
  'POST /api/v1/tenants/:t/policies': { name: 'x', effect: 'deny', subjects: ['*'] },
  'PATCH /api/v1/tenants/:t/policies/:policyId': { enabled: false },
  'POST /api/v1/tenants/:t/policies/simulate': { upstream: 'b-up', tool: 'b-tool' },
  'POST /api/v1/tenants/:t/approvals/:id/approve': { comment: 'x' },
  'POST /api/v1/tenants/:t/approvals/:id/deny': {},
  'PUT /api/v1/tenants/:t/tools/:upstreamId/:toolName/risk': { risk: 'read_only' },
  'PUT /api/v1/tenants/:t/limits': { rules: [] },
  'PUT /api/v1/tenants/:t/people/:p/upstream-credentials/:upstreamId': { bearerToken: 'x' },
};

/** Routes naming a resource by id: with tenant A in the path, B's id must still be not found. */
const NAMES_A_RESOURCE = /:(p|tokenId|upstreamId|sessionId|policyId|id)(\/|$)/;

const tenantRoutes = listAdminRoutes(ADMIN_CONTROLLERS).filter((r) => r.path.includes('/:t'));

describe('tenant isolation', () => {
  let env: AdminTestEnv;
  let adminA: TestPerson;
  let tenantA: { id: string; slug: string };
  let tenantB: { id: string; slug: string };
  let ids: Record<string, string>;

  beforeAll(async () => {
    env = await startAdminTestEnv();
    tenantA = await createTestTenant(env.runtime, 'a');
    tenantB = await createTestTenant(env.runtime, 'b');
    adminA = await createTestPerson(env.runtime, tenantA.id, ['admin']);
    const personB = await createTestPerson(env.runtime, tenantB.id, ['member']);
    const secret = generateToken();
    const tokenB = await env.runtime.repos.tokens.create(tenantB.id, {
      personId: personB.id,
      name: 'b',
      prefix: secret.displayPrefix,
      hash: secret.hash,
      scopes: ['mcp:call'],
    });
    const upstreamB = await env.runtime.repos.upstreams.create(tenantB.id, {
      slug: 'b-up',
      name: 'b',
      url: 'https://93.184.215.14/',
    });
    await env.runtime.sessions.create(
      {
        id: 'session-of-b',
        tenantId: tenantB.id,
        personId: personB.id,
        tokenId: tokenB.id,
        protocolVersion: '2025-06-18',
        clientInfo: { name: 'c', version: '1' },
        clientCapabilities: {},
        route: { kind: 'aggregate' },
        createdAt: Date.now(),
        lastSeenAt: Date.now(),
        initialized: true,
      },
      600,
    );
    const policyB = await env.runtime.repos.policies.create(tenantB.id, {
      name: 'b-rule',
      effect: 'allow',
      subjects: ['*'],
      targets: { upstream: '*', tool: '*' },
    });
    const approvalB = await env.runtime.repos.approvals.create(tenantB.id, {
      personId: personB.id,
      sessionId: 'session-of-b',
      upstreamSlug: 'b-up',
      toolName: 'b-tool',
      argumentsDigest: 'd',
      arguments: {},
      matchedRules: [],
      policyVersion: policyB.policyVersion,
      expiresAt: new Date(Date.now() + 600_000),
    });
    const sighting = { upstreamId: upstreamB.id, toolName: 'b-tool', definition: {} };
    await env.runtime.repos.toolPins.upsertFirstSight(tenantB.id, {
      ...sighting,
      definitionHash: 'h1',
    });
    await env.runtime.repos.toolPins.markChanged(tenantB.id, { ...sighting, definitionHash: 'h2' });
    ids = {
      p: personB.id,
      tokenId: tokenB.id,
      upstreamId: upstreamB.id,
      sessionId: 'session-of-b',
      policyId: policyB.result.id,
      id: approvalB.id,
      toolName: 'b-tool',
      version: String(policyB.policyVersion),
    };
  });
  afterAll(async () => {
    await env.close();
  });

  const fill = (path: string, tenant: string) =>
    path.replace(/:(\w+)/g, (_, name: string) => (name === 't' ? tenant : (ids[name] ?? name)));

  it.each(tenantRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    'an admin of A gets 404 for B through %s',
    async (key, route) => {
      const body = BODIES[key];
      for (const tenantRef of [() => tenantB.slug, () => tenantB.id]) {
        const response = await env.call(
          route.method,
          fill(route.path, tenantRef()),
          adminA.token,
          body,
        );
        // Platform-admin-only routes refuse with 403 before looking at the tenant at all.
        expect(response.status).toBe(route.rule?.allow === 'platform-admin' ? 403 : 404);
      }
      if (NAMES_A_RESOURCE.test(route.path) && route.rule?.allow !== 'platform-admin') {
        const response = await env.call(
          route.method,
          fill(route.path, tenantA.slug),
          adminA.token,
          body,
        );
        expect(response.status).toBe(404);
        expect(response.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
      }
    },
  );

  it('left every resource of B untouched', async () => {
    expect(
      (await env.runtime.repos.tokens.findById(tenantB.id, ids['tokenId']!))?.revokedAt,
    ).toBeNull();
    expect(
      await env.runtime.repos.upstreams.findById(tenantB.id, ids['upstreamId']!),
    ).not.toBeNull();
    expect(await env.runtime.sessions.get('session-of-b')).not.toBeNull();
    expect((await env.runtime.repos.people.findById(tenantB.id, ids['p']!))?.status).toBe('active');
    expect(await env.runtime.repos.policies.findById(tenantB.id, ids['policyId']!)).not.toBeNull();
    expect((await env.runtime.repos.approvals.get(tenantB.id, ids['id']!))?.status).toBe('pending');
    const pin = await env.runtime.repos.toolPins.findByTool(
      tenantB.id,
      ids['upstreamId']!,
      'b-tool',
    );
    expect(pin).toMatchObject({ status: 'changed', riskOverride: null });
    expect((await env.runtime.repos.tenants.findByIdOrSlug(tenantB.id))?.policyVersion).toBe(1);
  });
});
