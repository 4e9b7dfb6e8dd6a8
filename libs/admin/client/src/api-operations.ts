/**
 * Every admin API operation the CLI (and `apply`) calls, with the query parameters and body
 * fields it may send. The client refuses anything not listed here, and
 * `api-operations.int-spec.ts` checks this table against the admin API's OpenAPI document: a
 * route, parameter or field the document lacks fails the test, so the CLI cannot drift.
 */
export interface ApiOperation {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** OpenAPI form: `/api/v1/tenants/{t}/people/{p}`. */
  path: string;
  query?: readonly string[];
  body?: readonly string[];
}

const PAGE = ['limit', 'cursor'] as const;
const TENANT = '/api/v1/tenants/{t}';
const AUDIT_FILTERS = [
  'person',
  'session',
  'upstream',
  'tool',
  'decision',
  'outcome',
  'from',
  'to',
];
const UPSTREAM_FIELDS = [
  'slug',
  'name',
  'url',
  'enabled',
  'authMode',
  'credentials',
  'annotationsTrusted',
  'timeoutMs',
];
const POLICY_FIELDS = [
  'name',
  'description',
  'effect',
  'subjects',
  'targets',
  'condition',
  'priority',
  'enabled',
];

export const API = {
  listTenants: { method: 'GET', path: '/api/v1/tenants', query: PAGE },
  getTenant: { method: 'GET', path: TENANT },
  createTenant: { method: 'POST', path: '/api/v1/tenants', body: ['slug', 'name', 'settings'] },
  updateTenant: { method: 'PATCH', path: TENANT, body: ['name', 'settings', 'status'] },
  disableTenant: { method: 'DELETE', path: TENANT },

  listPeople: {
    method: 'GET',
    path: `${TENANT}/people`,
    query: [...PAGE, 'email', 'role', 'status'],
  },
  getPerson: { method: 'GET', path: `${TENANT}/people/{p}` },
  createPerson: { method: 'POST', path: `${TENANT}/people`, body: ['email', 'name', 'roles'] },
  updatePerson: {
    method: 'PATCH',
    path: `${TENANT}/people/{p}`,
    body: ['email', 'name', 'roles', 'status'],
  },
  disablePerson: { method: 'DELETE', path: `${TENANT}/people/{p}` },

  listTokens: { method: 'GET', path: `${TENANT}/people/{p}/tokens`, query: PAGE },
  createToken: {
    method: 'POST',
    path: `${TENANT}/people/{p}/tokens`,
    body: ['name', 'scopes', 'expiresAt'],
  },
  revokeToken: { method: 'DELETE', path: `${TENANT}/tokens/{tokenId}` },
  rotateToken: { method: 'POST', path: `${TENANT}/tokens/{tokenId}/rotate`, body: ['expiresAt'] },

  listUpstreams: { method: 'GET', path: `${TENANT}/upstreams`, query: PAGE },
  getUpstream: { method: 'GET', path: `${TENANT}/upstreams/{upstreamId}` },
  createUpstream: { method: 'POST', path: `${TENANT}/upstreams`, body: UPSTREAM_FIELDS },
  updateUpstream: {
    method: 'PATCH',
    path: `${TENANT}/upstreams/{upstreamId}`,
    body: UPSTREAM_FIELDS,
  },
  deleteUpstream: { method: 'DELETE', path: `${TENANT}/upstreams/{upstreamId}` },

  getLimits: { method: 'GET', path: `${TENANT}/limits` },
  putLimits: {
    method: 'PUT',
    path: `${TENANT}/limits`,
    body: ['rules', 'quotas', 'onRedisUnavailable', 'redisTimeoutMs'],
  },
  getLimitsUsage: { method: 'GET', path: `${TENANT}/limits/usage`, query: ['personId'] },
  listPolicies: { method: 'GET', path: `${TENANT}/policies` },
  getPolicy: { method: 'GET', path: `${TENANT}/policies/{policyId}` },
  createPolicy: { method: 'POST', path: `${TENANT}/policies`, body: POLICY_FIELDS },
  updatePolicy: { method: 'PATCH', path: `${TENANT}/policies/{policyId}`, body: POLICY_FIELDS },
  deletePolicy: { method: 'DELETE', path: `${TENANT}/policies/{policyId}` },
  simulatePolicy: {
    method: 'POST',
    path: `${TENANT}/policies/simulate`,
    body: ['personId', 'email', 'upstream', 'tool', 'arguments', 'scopes'],
  },
  listPolicyVersions: { method: 'GET', path: `${TENANT}/policies/versions`, query: PAGE },
  rollbackPolicies: { method: 'POST', path: `${TENANT}/policies/versions/{version}/rollback` },

  listApprovals: { method: 'GET', path: `${TENANT}/approvals`, query: [...PAGE, 'status'] },
  getApproval: { method: 'GET', path: `${TENANT}/approvals/{id}` },
  approve: { method: 'POST', path: `${TENANT}/approvals/{id}/approve`, body: ['comment'] },
  deny: { method: 'POST', path: `${TENANT}/approvals/{id}/deny`, body: ['comment'] },

  listTools: { method: 'GET', path: `${TENANT}/tools` },
  acceptTool: { method: 'POST', path: `${TENANT}/tools/{upstreamId}/{toolName}/accept` },
  setToolRisk: {
    method: 'PUT',
    path: `${TENANT}/tools/{upstreamId}/{toolName}/risk`,
    body: ['risk'],
  },

  listAudit: { method: 'GET', path: `${TENANT}/audit`, query: [...PAGE, ...AUDIT_FILTERS] },
} as const satisfies Record<string, ApiOperation>;

export type ApiOperationName = keyof typeof API;
