import type {
  LimitsVersion,
  Person,
  Policy,
  Repositories,
  Tenant,
  Token,
  ToolPin,
  Upstream,
} from '@gatehouse/data-access';
import { z } from 'zod';

/**
 * What the data plane needs to serve one tenant's calls, as Postgres stores it (upstream
 * credentials stay encrypted; tokens are hashes, revoked and expired ones included so that
 * the snapshot refuses them too). docs/decisions/0012.
 */
export interface TenantConfigSnapshot {
  v: 1;
  tenant: Tenant;
  people: Person[];
  tokens: Token[];
  upstreams: Upstream[];
  policies: Policy[];
  toolPins: ToolPin[];
  limits: LimitsVersion | null;
}

/** Reads the tenant's data-plane config from Postgres; undefined when the tenant is gone. */
export async function readTenantConfig(
  repos: Repositories,
  tenantId: string,
): Promise<TenantConfigSnapshot | undefined> {
  const tenant = await repos.tenants.findByIdOrSlug(tenantId);
  if (!tenant) return undefined;
  const [people, tokens, upstreams, policies, toolPins, limits] = await Promise.all([
    repos.people.listAll(tenant.id),
    repos.tokens.listForTenant(tenant.id),
    repos.upstreams.listEnabled(tenant.id),
    repos.policies.list(tenant.id),
    repos.toolPins.listForTenant(tenant.id),
    repos.limits.current(tenant.id),
  ]);
  return { v: 1, tenant, people, tokens, upstreams, policies, toolPins, limits };
}

const row = z.looseObject({ id: z.string(), tenantId: z.string() });
/** The envelope is checked (Redis is outside input); rows are what this code wrote. */
const SnapshotEnvelope = z.looseObject({
  v: z.literal(1),
  tenant: z.looseObject({ id: z.string(), slug: z.string(), status: z.string() }),
  people: z.array(row),
  tokens: z.array(row.extend({ hash: z.string() })),
  upstreams: z.array(row),
  policies: z.array(row),
  toolPins: z.array(row),
  limits: row.nullable(),
});

const DATE_FIELDS = [
  'createdAt',
  'updatedAt',
  'expiresAt',
  'revokedAt',
  'lastUsedAt',
  'firstSeenAt',
  'changedAt',
  'acceptedAt',
] as const;

/** Top-level date columns back to Dates (JSON columns inside a row are left as they are). */
function reviveDates<T extends object>(value: T): T {
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const field of DATE_FIELDS) {
    const v = out[field];
    if (typeof v === 'string') out[field] = new Date(v);
  }
  return out as T;
}

export function parseTenantConfigSnapshot(body: string): TenantConfigSnapshot {
  const parsed = SnapshotEnvelope.parse(JSON.parse(body)) as unknown as TenantConfigSnapshot;
  return {
    v: 1,
    tenant: reviveDates(parsed.tenant),
    people: parsed.people.map(reviveDates),
    tokens: parsed.tokens.map(reviveDates),
    upstreams: parsed.upstreams.map(reviveDates),
    policies: parsed.policies.map(reviveDates),
    toolPins: parsed.toolPins.map(reviveDates),
    limits: parsed.limits ? reviveDates(parsed.limits) : null,
  };
}
