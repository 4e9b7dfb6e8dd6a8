import { randomUUID } from 'node:crypto';
import {
  ADMIN_CONTROLLERS,
  ADMIN_ERROR_STATUS,
  listAdminRoutes,
  startAdminApi,
  type AccessRule,
} from '@gatehouse/admin-api';
import type { HttpAppHandle } from '@gatehouse/app-kit';
import { generateToken } from '@gatehouse/auth';
import type { Tenant } from '@gatehouse/data-access';
import type { GatewayHarness } from './gateway-harness';

/** Who a generated request claims to be. */
export type TokenChoice =
  | 'none'
  | 'garbage'
  | 'admin'
  | 'approver'
  | 'member'
  | 'read-only-admin'
  | 'mcp-only-admin'
  | 'foreign-admin';

interface Caller {
  token: string;
  personId: string;
  tenantId: string;
  roles: string[];
  /** The token's scopes grant admin:read / admin:write. */
  read: boolean;
  write: boolean;
}

/** Ids of one tenant's rows, by the path parameter that names them. */
export type IdPool = Record<'p' | 'tokenId' | 'upstreamId' | 'policyId' | 'version', string>;

export interface AdminFuzzWorld {
  api: HttpAppHandle;
  tenants: { home: Tenant; foreign: Tenant };
  ids: { home: IdPool; foreign: IdPool };
  tokens: Record<TokenChoice, string | undefined>;
  /** The callers' own person ids (for self-service routes). */
  callerPersonIds: string[];
  /** True when the caller may possibly succeed at this route (the oracle of the fuzz). */
  mayAccess(
    choice: TokenChoice,
    method: string,
    openApiPath: string,
    params: Record<string, string>,
  ): Promise<boolean>;
  /** Row counts of everything a request could create. */
  counts(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The admin API over a gateway harness's database, with two tenants (the harness's and a
 * foreign one), callers of every kind and known ids of each tenant's rows.
 */
export async function startAdminFuzzWorld(h: GatewayHarness): Promise<AdminFuzzWorld> {
  const runtime = h.runtimes[0];
  if (!runtime) throw new Error('the harness has no runtime');
  const api = await startAdminApi(runtime, {
    host: '127.0.0.1',
    port: 0,
    version: 'fuzz',
    // Every generated request comes from one address: the limiter is tested elsewhere.
    failedAuthLimit: { max: 1_000_000, windowMs: 60_000 },
  });
  const { repos } = runtime;
  const foreign = (await h.addTenant('Foreign tenant', { gamma: 'http://127.0.0.1:1/mcp' })).tenant;
  const callers = new Map<TokenChoice, Caller>();
  const add = async (
    choice: TokenChoice,
    roles: ('admin' | 'member' | 'approver')[],
    scopes: string[],
    tenantId = h.tenant.id,
  ) => {
    const caller = await h.addCaller(roles, scopes, tenantId);
    const write = scopes.includes('admin:*') || scopes.includes('admin:write');
    callers.set(choice, {
      token: caller.token,
      personId: caller.person.id,
      tenantId,
      roles,
      write,
      read: write || scopes.includes('admin:read'),
    });
  };
  await add('admin', ['admin'], ['admin:*', 'mcp:call']);
  await add('approver', ['approver'], ['admin:*']);
  await add('member', ['member'], ['admin:*', 'mcp:call']);
  await add('read-only-admin', ['admin'], ['admin:read']);
  await add('mcp-only-admin', ['admin'], ['mcp:call']);
  await add('foreign-admin', ['admin'], ['admin:*'], foreign.id);

  const seedIds = async (tenant: Tenant): Promise<IdPool> => {
    const victim = await repos.people.create(tenant.id, {
      email: `${randomUUID()}@example.test`,
      name: 'Victim',
      roles: ['member'],
    });
    const secret = generateToken();
    const token = await repos.tokens.create(tenant.id, {
      personId: victim.id,
      name: 'victim',
      prefix: secret.displayPrefix,
      hash: secret.hash,
      scopes: ['mcp:call'],
    });
    const upstream = await repos.upstreams.create(tenant.id, {
      slug: `u-${randomUUID().slice(0, 6)}`,
      name: 'fuzz',
      url: 'http://127.0.0.1:1/mcp',
    });
    const policy = await repos.policies.create(tenant.id, {
      name: 'fuzz-deny',
      effect: 'deny',
      subjects: ['role:approver'],
      targets: { upstream: upstream.slug, tool: 'x' },
    });
    return {
      p: victim.id,
      tokenId: token.id,
      upstreamId: upstream.id,
      policyId: policy.result.id,
      version: '1',
    };
  };
  const ids = { home: await seedIds(h.tenant), foreign: await seedIds(foreign) };

  const routes = new Map(
    listAdminRoutes(ADMIN_CONTROLLERS).map((r) => [
      `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`,
      r.rule,
    ]),
  );
  const tenantOf = (ref: string | undefined): string | undefined =>
    [h.tenant, foreign].find((t) => t.id === ref || t.slug === ref)?.id;
  const roleAllows = async (rule: AccessRule, caller: Caller, params: Record<string, string>) => {
    // The roles it was created with and the current ones: an admin may have changed them in
    // the run, and a replica's token cache may still hold the old ones for a moment.
    const person = await repos.people.findById(caller.tenantId, caller.personId);
    const roles = [...caller.roles, ...(person?.roles ?? [])];
    const admin = roles.includes('admin');
    switch (rule.allow) {
      case 'platform-admin':
        return false;
      case 'tenant-admin':
        return admin;
      case 'tenant-approver':
        return admin || roles.includes('approver');
      case 'tenant-member':
        return roles.length > 0;
      case 'self-or-tenant-admin': {
        if (admin) return true;
        if (rule.self === 'person') return params['p'] === caller.personId;
        const tokenId = params['tokenId'] ?? '';
        const token = /^[0-9a-f-]{36}$/i.test(tokenId)
          ? await repos.tokens.findById(caller.tenantId, tokenId)
          : null;
        return token?.personId === caller.personId;
      }
    }
  };

  return {
    api,
    tenants: { home: h.tenant, foreign },
    ids,
    tokens: {
      none: undefined,
      garbage: `gth_${'0'.repeat(43)}`,
      ...Object.fromEntries([...callers].map(([choice, c]) => [choice, c.token])),
    } as AdminFuzzWorld['tokens'],
    callerPersonIds: [...callers.values()].map((c) => c.personId),
    async mayAccess(choice, method, openApiPath, params) {
      const caller = callers.get(choice);
      const rule = routes.get(`${method} ${openApiPath}`);
      if (!caller || !rule) return false;
      if (!(rule.scope === 'admin:write' ? caller.write : caller.read)) return false;
      if (tenantOf(params['t']) !== caller.tenantId) return false;
      // An id of the other tenant's rows never names anything here.
      const other = caller.tenantId === h.tenant.id ? ids.foreign : ids.home;
      for (const [name, value] of Object.entries(params)) {
        if (name !== 't' && name !== 'version' && Object.values(other).includes(value))
          return false;
      }
      return roleAllows(rule, caller, params);
    },
    async counts() {
      const [row] = await runtime.prisma.$queryRawUnsafe<Record<string, number>[]>(
        `SELECT (SELECT count(*) FROM tenants)::int AS tenants, (SELECT count(*) FROM people)::int AS people,
          (SELECT count(*) FROM tokens)::int AS tokens, (SELECT count(*) FROM upstreams)::int AS upstreams,
          (SELECT count(*) FROM policies)::int AS policies, (SELECT count(*) FROM policy_versions)::int AS versions,
          (SELECT count(*) FROM approvals)::int AS approvals, (SELECT count(*) FROM tool_pins)::int AS pins,
          (SELECT count(*) FROM identity_providers)::int AS idps`,
      );
      return JSON.stringify(row);
    },
    close: () => api.close(),
  };
}

/** `{ error: { code, message, requestId } }` with a documented code whose status is this one. */
export function isDocumentedError(status: number, body: unknown): boolean {
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  if (typeof error !== 'object' || error === null) return false;
  const code = error['code'];
  return (
    typeof code === 'string' &&
    code in ADMIN_ERROR_STATUS &&
    ADMIN_ERROR_STATUS[code as keyof typeof ADMIN_ERROR_STATUS] === status &&
    typeof error['message'] === 'string' &&
    (error['message'] as string).length > 0 &&
    typeof error['requestId'] === 'string'
  );
}
