import type { JsonValue, Tenant } from '@gatehouse/data-access';

export interface TenantView {
  id: string;
  slug: string;
  name: string;
  status: string;
  settings: JsonValue;
  policyVersion: number;
  createdAt: string;
  updatedAt: string;
}

export function tenantView(tenant: Tenant): TenantView {
  return {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    status: tenant.status,
    settings: tenant.settings,
    policyVersion: tenant.policyVersion,
    createdAt: tenant.createdAt.toISOString(),
    updatedAt: tenant.updatedAt.toISOString(),
  };
}
