import type { AdminClient } from '../api-client';
import { CliError } from '../exit-codes';

export interface CurrentUpstream {
  id: string;
  slug: string;
  name: string;
  url: string;
  enabled: boolean;
  authMode: string;
  annotationsTrusted: boolean;
  timeoutMs: number | null;
  hasCredentials: boolean;
}

export interface CurrentPerson {
  id: string;
  email: string;
  name: string;
  roles: string[];
  status: string;
}

export interface CurrentPolicy {
  id: string;
  name: string;
  description: string;
  effect: string;
  subjects: string[];
  targets: Record<string, unknown>;
  condition: string | null;
  priority: number;
  enabled: boolean;
}

export interface CurrentTenant {
  id: string;
  slug: string;
  name: string;
  status: string;
  settings: Record<string, unknown>;
  upstreams: CurrentUpstream[];
  people: CurrentPerson[];
  policies: CurrentPolicy[];
}

/** One tenant as the admin API shows it, with everything `apply` manages; null if unknown. */
export async function fetchTenant(
  client: AdminClient,
  slug: string,
): Promise<CurrentTenant | null> {
  let tenant: Omit<CurrentTenant, 'upstreams' | 'people' | 'policies'>;
  try {
    tenant = await client.call('getTenant', { params: { t: slug } });
  } catch (error) {
    if (error instanceof CliError && error.apiCode === 'NOT_FOUND') return null;
    throw error;
  }
  const params = { t: tenant.id };
  const [upstreams, people, policies] = await Promise.all([
    client.listAll<CurrentUpstream>('listUpstreams', { params }),
    client.listAll<CurrentPerson>('listPeople', { params }),
    client.call<{ items: CurrentPolicy[] }>('listPolicies', { params }),
  ]);
  return {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    status: tenant.status,
    settings: (tenant.settings ?? {}) as Record<string, unknown>,
    upstreams,
    people,
    policies: policies.items,
  };
}

/** Every tenant of the installation (platform admins), for `export`. */
export async function fetchAllTenants(client: AdminClient): Promise<CurrentTenant[]> {
  const tenants = await client.listAll<{ slug: string }>('listTenants');
  const states = await Promise.all(tenants.map((t) => fetchTenant(client, t.slug)));
  return states.filter((t): t is CurrentTenant => t !== null);
}
