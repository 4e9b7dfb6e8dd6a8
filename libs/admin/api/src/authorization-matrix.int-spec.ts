import { generateToken } from '@gatehouse/auth';
import { randomBytes } from 'node:crypto';
import { ADMIN_CONTROLLERS } from './admin-controllers';
import type { AccessRule } from './auth/access-rule';
import { listAdminRoutes, type AdminRoute } from './auth/route-table';
import { startAdminTestEnv, type AdminTestEnv } from './testing/admin-test-env';
import {
  createMatrixWorld,
  MATRIX_CALLERS,
  type MatrixCaller,
  type MatrixWorld,
} from './testing/matrix-world';

/**
 * The authorization matrix, generated from the route table: every admin route × every kind of
 * caller. A new route needs an @Access rule (else the guard refuses it and the first test
 * fails) and a fixture below that makes a request to it succeed for an allowed caller.
 */
type Fixture = (env: AdminTestEnv, world: MatrixWorld) => Promise<{ path: string; body?: unknown }>;

const unique = () => randomBytes(4).toString('hex');
const base = (w: MatrixWorld) => `/api/v1/tenants/${w.tenant.slug}`;

async function freshPerson(env: AdminTestEnv, w: MatrixWorld): Promise<string> {
  const email = `p-${unique()}@example.test`;
  return (
    await env.runtime.repos.people.create(w.tenant.id, { email, name: email, roles: ['member'] })
  ).id;
}

/** A token of the matrix's member, so that the member is "self" for token routes. */
async function freshMemberToken(env: AdminTestEnv, w: MatrixWorld): Promise<string> {
  const t = generateToken();
  const token = await env.runtime.repos.tokens.create(w.tenant.id, {
    personId: w.member.id,
    name: 'matrix',
    prefix: t.displayPrefix,
    hash: t.hash,
    scopes: ['mcp:call'],
  });
  return token.id;
}

async function freshIdp(env: AdminTestEnv, w: MatrixWorld): Promise<string> {
  const idp = await env.runtime.repos.identityProviders.create(w.tenant.id, {
    issuer: `https://idp-${unique()}.example.com`,
  });
  return idp.id;
}

async function freshUpstream(env: AdminTestEnv, w: MatrixWorld): Promise<string> {
  const slug = `u-${unique()}`;
  return (
    await env.runtime.repos.upstreams.create(w.tenant.id, {
      slug,
      name: slug,
      url: 'https://93.184.215.14/mcp',
    })
  ).id;
}

/** A per-person-secret upstream; `withCredential` stores the member's own credential for it. */
async function freshPersonalUpstream(
  env: AdminTestEnv,
  w: MatrixWorld,
  withCredential = false,
): Promise<string> {
  const slug = `pp-${unique()}`;
  const upstream = await env.runtime.repos.upstreams.create(w.tenant.id, {
    slug,
    name: slug,
    url: 'https://93.184.215.14/mcp',
    authMode: 'per_person_secret',
  });
  if (withCredential) {
    await env.runtime.repos.upstreamCredentials.set(w.tenant.id, upstream.id, w.member.id, {
      secret: env.runtime.secrets.seal(JSON.stringify({ bearerToken: 'matrix-secret' })),
      prefix: 'matr…',
    });
  }
  return upstream.id;
}

async function freshSession(env: AdminTestEnv, w: MatrixWorld): Promise<string> {
  const id = `s-${randomBytes(16).toString('base64url')}`;
  await env.runtime.sessions.create(
    {
      id,
      tenantId: w.tenant.id,
      personId: w.member.id,
      tokenId: null,
      protocolVersion: '2025-06-18',
      clientInfo: { name: 'matrix-client', version: '1.0.0' },
      clientCapabilities: {},
      route: { kind: 'aggregate' },
      createdAt: Date.now(),
      lastSeenAt: Date.now(),
      initialized: true,
    },
    600,
  );
  return id;
}

async function freshPolicy(
  env: AdminTestEnv,
  w: MatrixWorld,
): Promise<{ id: string; policyVersion: number }> {
  const { result, policyVersion } = await env.runtime.repos.policies.create(w.tenant.id, {
    name: `rule-${unique()}`,
    effect: 'allow',
    subjects: ['*'],
    targets: { upstream: '*', tool: '*' },
  });
  return { id: result.id, policyVersion };
}

/** A pending approval asked for by someone else than every matrix caller. */
async function freshApproval(env: AdminTestEnv, w: MatrixWorld): Promise<string> {
  const approval = await env.runtime.repos.approvals.create(w.tenant.id, {
    personId: await freshPerson(env, w),
    sessionId: 's-matrix',
    upstreamSlug: 'github',
    toolName: 'delete_repo',
    argumentsDigest: 'digest',
    arguments: { repo: 'x' },
    matchedRules: [],
    policyVersion: 1,
    expiresAt: new Date(Date.now() + 600_000),
  });
  return approval.id;
}

/** A pinned tool whose definition has changed since (so it can be accepted). */
async function freshChangedTool(env: AdminTestEnv, w: MatrixWorld): Promise<string> {
  const upstreamId = await freshUpstream(env, w);
  const toolName = 'search';
  await env.runtime.repos.toolPins.upsertFirstSight(w.tenant.id, {
    upstreamId,
    toolName,
    definitionHash: 'h1',
    definition: { name: toolName },
  });
  await env.runtime.repos.toolPins.markChanged(w.tenant.id, {
    upstreamId,
    toolName,
    definitionHash: 'h2',
    definition: { name: toolName, description: 'changed' },
  });
  return `${upstreamId}/${toolName}`;
}

const FIXTURES: Record<string, Fixture> = {
  'POST /api/v1/tenants': async () => ({
    path: '/api/v1/tenants',
    body: { slug: `n-${unique()}`, name: 'New tenant' },
  }),
  'GET /api/v1/tenants': async () => ({ path: '/api/v1/tenants' }),
  'GET /api/v1/tenants/:t': async (_, w) => ({ path: base(w) }),
  'PATCH /api/v1/tenants/:t': async (_, w) => ({ path: base(w), body: { name: 'Renamed' } }),
  'DELETE /api/v1/tenants/:t': async (_, w) => ({ path: base(w) }),
  'POST /api/v1/tenants/:t/people': async (_, w) => ({
    path: `${base(w)}/people`,
    body: { email: `new-${unique()}@example.test`, name: 'New person', roles: ['member'] },
  }),
  'GET /api/v1/tenants/:t/people': async (_, w) => ({ path: `${base(w)}/people` }),
  'GET /api/v1/tenants/:t/people/:p': async (_, w) => ({
    path: `${base(w)}/people/${w.member.id}`,
  }),
  'PATCH /api/v1/tenants/:t/people/:p': async (env, w) => ({
    path: `${base(w)}/people/${await freshPerson(env, w)}`,
    body: { roles: ['approver'] },
  }),
  'DELETE /api/v1/tenants/:t/people/:p': async (env, w) => ({
    path: `${base(w)}/people/${await freshPerson(env, w)}`,
  }),
  'POST /api/v1/tenants/:t/people/:p/tokens': async (_, w) => ({
    path: `${base(w)}/people/${w.member.id}/tokens`,
    body: { name: 'laptop', scopes: ['mcp:call'] },
  }),
  'GET /api/v1/tenants/:t/people/:p/tokens': async (_, w) => ({
    path: `${base(w)}/people/${w.member.id}/tokens`,
  }),
  'DELETE /api/v1/tenants/:t/tokens/:tokenId': async (env, w) => ({
    path: `${base(w)}/tokens/${await freshMemberToken(env, w)}`,
  }),
  'POST /api/v1/tenants/:t/tokens/:tokenId/rotate': async (env, w) => ({
    path: `${base(w)}/tokens/${await freshMemberToken(env, w)}/rotate`,
    body: {},
  }),
  'POST /api/v1/tenants/:t/upstreams': async (_, w) => ({
    path: `${base(w)}/upstreams`,
    body: { slug: `u-${unique()}`, name: 'Upstream', url: 'https://93.184.215.14/mcp' },
  }),
  'GET /api/v1/tenants/:t/upstreams': async (_, w) => ({ path: `${base(w)}/upstreams` }),
  'GET /api/v1/tenants/:t/upstreams/:upstreamId': async (env, w) => ({
    path: `${base(w)}/upstreams/${await freshUpstream(env, w)}`,
  }),
  'PATCH /api/v1/tenants/:t/upstreams/:upstreamId': async (env, w) => ({
    path: `${base(w)}/upstreams/${await freshUpstream(env, w)}`,
    body: { enabled: false },
  }),
  'DELETE /api/v1/tenants/:t/upstreams/:upstreamId': async (env, w) => ({
    path: `${base(w)}/upstreams/${await freshUpstream(env, w)}`,
  }),
  'POST /api/v1/tenants/:t/identity-providers': async (_, w) => ({
    path: `${base(w)}/identity-providers`,
    body: { issuer: `https://idp-${unique()}.example.com`, allowedEmailDomains: ['example.com'] },
  }),
  'GET /api/v1/tenants/:t/identity-providers': async (_, w) => ({
    path: `${base(w)}/identity-providers`,
  }),
  'GET /api/v1/tenants/:t/identity-providers/:idpId': async (env, w) => ({
    path: `${base(w)}/identity-providers/${await freshIdp(env, w)}`,
  }),
  'PATCH /api/v1/tenants/:t/identity-providers/:idpId': async (env, w) => ({
    path: `${base(w)}/identity-providers/${await freshIdp(env, w)}`,
    body: { enabled: false },
  }),
  'DELETE /api/v1/tenants/:t/identity-providers/:idpId': async (env, w) => ({
    path: `${base(w)}/identity-providers/${await freshIdp(env, w)}`,
  }),
  'GET /api/v1/tenants/:t/people/:p/upstream-credentials': async (_, w) => ({
    path: `${base(w)}/people/${w.member.id}/upstream-credentials`,
  }),
  'GET /api/v1/tenants/:t/people/:p/upstream-credentials/:upstreamId': async (env, w) => ({
    path: `${base(w)}/people/${w.member.id}/upstream-credentials/${await freshPersonalUpstream(env, w, true)}`,
  }),
  'PUT /api/v1/tenants/:t/people/:p/upstream-credentials/:upstreamId': async (env, w) => ({
    path: `${base(w)}/people/${w.member.id}/upstream-credentials/${await freshPersonalUpstream(env, w)}`,
    body: { bearerToken: 'a-personal-token' },
  }),
  'DELETE /api/v1/tenants/:t/people/:p/upstream-credentials/:upstreamId': async (env, w) => ({
    path: `${base(w)}/people/${w.member.id}/upstream-credentials/${await freshPersonalUpstream(env, w, true)}`,
  }),
  'GET /api/v1/tenants/:t/sessions': async (_, w) => ({ path: `${base(w)}/sessions` }),
  'DELETE /api/v1/tenants/:t/sessions/:sessionId': async (env, w) => ({
    path: `${base(w)}/sessions/${await freshSession(env, w)}`,
  }),
  'POST /api/v1/tenants/:t/policies': async (_, w) => ({
    path: `${base(w)}/policies`,
    body: { name: `rule-${unique()}`, effect: 'deny', subjects: ['role:member'] },
  }),
  'GET /api/v1/tenants/:t/policies': async (_, w) => ({ path: `${base(w)}/policies` }),
  'POST /api/v1/tenants/:t/policies/simulate': async (_, w) => ({
    path: `${base(w)}/policies/simulate`,
    body: { upstream: 'github', tool: 'search', arguments: { q: 'x' } },
  }),
  'GET /api/v1/tenants/:t/policies/versions': async (_, w) => ({
    path: `${base(w)}/policies/versions`,
  }),
  'GET /api/v1/tenants/:t/policies/versions/:version': async (env, w) => ({
    path: `${base(w)}/policies/versions/${(await freshPolicy(env, w)).policyVersion}`,
  }),
  'POST /api/v1/tenants/:t/policies/versions/:version/rollback': async (env, w) => ({
    path: `${base(w)}/policies/versions/${(await freshPolicy(env, w)).policyVersion}/rollback`,
  }),
  'GET /api/v1/tenants/:t/policies/:policyId': async (env, w) => ({
    path: `${base(w)}/policies/${(await freshPolicy(env, w)).id}`,
  }),
  'PATCH /api/v1/tenants/:t/policies/:policyId': async (env, w) => ({
    path: `${base(w)}/policies/${(await freshPolicy(env, w)).id}`,
    body: { enabled: false },
  }),
  'DELETE /api/v1/tenants/:t/policies/:policyId': async (env, w) => ({
    path: `${base(w)}/policies/${(await freshPolicy(env, w)).id}`,
  }),
  'GET /api/v1/tenants/:t/limits': async (_, w) => ({ path: `${base(w)}/limits` }),
  'PUT /api/v1/tenants/:t/limits': async (_, w) => ({
    path: `${base(w)}/limits`,
    body: { rules: [{ name: 'per-person', per: ['person'], concurrent: 5 }] },
  }),
  'GET /api/v1/tenants/:t/limits/usage': async (_, w) => ({ path: `${base(w)}/limits/usage` }),
  'GET /api/v1/tenants/:t/limits/versions': async (_, w) => ({
    path: `${base(w)}/limits/versions`,
  }),
  'GET /api/v1/tenants/:t/limits/versions/:version': async (env, w) => ({
    path: `${base(w)}/limits/versions/${(await env.runtime.repos.limits.put(w.tenant.id, { rules: [] })).version}`,
  }),
  'GET /api/v1/tenants/:t/approvals': async (_, w) => ({
    path: `${base(w)}/approvals?status=pending`,
  }),
  'GET /api/v1/tenants/:t/approvals/:id': async (env, w) => ({
    path: `${base(w)}/approvals/${await freshApproval(env, w)}`,
  }),
  'POST /api/v1/tenants/:t/approvals/:id/approve': async (env, w) => ({
    path: `${base(w)}/approvals/${await freshApproval(env, w)}/approve`,
    body: { comment: 'fine' },
  }),
  'POST /api/v1/tenants/:t/approvals/:id/deny': async (env, w) => ({
    path: `${base(w)}/approvals/${await freshApproval(env, w)}/deny`,
    body: {},
  }),
  'GET /api/v1/tenants/:t/tools': async (_, w) => ({ path: `${base(w)}/tools` }),
  'POST /api/v1/tenants/:t/tools/:upstreamId/:toolName/accept': async (env, w) => ({
    path: `${base(w)}/tools/${await freshChangedTool(env, w)}/accept`,
  }),
  'PUT /api/v1/tenants/:t/tools/:upstreamId/:toolName/risk': async (env, w) => ({
    path: `${base(w)}/tools/${await freshChangedTool(env, w)}/risk`,
    body: { risk: 'write' },
  }),
  'GET /api/v1/tenants/:t/audit': async (_, w) => ({ path: `${base(w)}/audit?limit=5` }),
  'GET /api/v1/tenants/:t/audit/export': async (_, w) => ({
    path: `${base(w)}/audit/export?format=csv`,
  }),
  'GET /api/v1/tenants/:t/audit/stats': async (_, w) => ({ path: `${base(w)}/audit/stats` }),
};

/** What each caller must get, derived from the rule alone. */
function expectedStatus(rule: AccessRule, caller: MatrixCaller, success: number): number {
  switch (caller) {
    case 'no token':
    case 'malformed token':
    case 'expired token':
    case 'revoked token':
      return 401;
    case 'token without admin scope':
      return 403;
    case 'platform admin':
      return success;
    default:
      break;
  }
  if (rule.allow === 'platform-admin') return 403;
  switch (caller) {
    case 'admin of another tenant':
      return 404;
    case 'admin of this tenant':
      return success;
    case 'approver':
      return rule.allow === 'tenant-approver' || rule.allow === 'tenant-member' ? success : 403;
    case 'member':
      // Fixtures make the member the person a self-service route is about.
      return rule.allow === 'self-or-tenant-admin' || rule.allow === 'tenant-member'
        ? success
        : 403;
  }
}

const routes = listAdminRoutes(ADMIN_CONTROLLERS);
const keyOf = (route: AdminRoute) => `${route.method} ${route.path}`;

describe('authorization matrix', () => {
  let env: AdminTestEnv;

  beforeAll(async () => {
    env = await startAdminTestEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  it('finds the routes, and every one has an access rule and a fixture', () => {
    expect(routes.length).toBeGreaterThanOrEqual(Object.keys(FIXTURES).length);
    expect(routes.filter((r) => !r.rule).map(keyOf)).toEqual([]);
    expect(routes.filter((r) => !FIXTURES[keyOf(r)]).map(keyOf)).toEqual([]);
  });

  describe.each(routes.map((r) => [keyOf(r), r] as const))('%s', (_key, route) => {
    let world: MatrixWorld;
    beforeAll(async () => {
      world = await createMatrixWorld(env.runtime);
    });

    it('answers every caller as its rule says', async () => {
      const fixture = FIXTURES[keyOf(route)];
      if (!route.rule || !fixture) throw new Error(`${keyOf(route)} has no rule or no fixture`);
      const actual: Record<string, number> = {};
      const expected: Record<string, number> = {};
      for (const caller of MATRIX_CALLERS) {
        const { path, body } = await fixture(env, world);
        const response = await env.call(route.method, path, world.tokenFor[caller], body);
        actual[caller] = response.status;
        expected[caller] = expectedStatus(route.rule, caller, route.successStatus);
        if (response.status === 401) {
          expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="gatehouse"/);
        }
      }
      expect(actual).toEqual(expected);
    });
  });
});
