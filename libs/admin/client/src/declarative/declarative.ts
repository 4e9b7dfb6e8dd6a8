import type { AdminClient } from '../api-client';
import { applyPlan, type ApplyOptions } from './apply-plan';
import { fetchTenant, type CurrentTenant } from './current-state';
import type { GatehouseFile, UpstreamEntry } from './gatehouse-file.schema';
import { planChanges, type Change } from './plan';

/** The plan for a file against the installation as the admin API shows it now. */
export async function planFile(
  client: AdminClient,
  file: GatehouseFile,
  options: { updateCredentials?: boolean } = {},
): Promise<Change[]> {
  const current = new Map<string, CurrentTenant | null>();
  for (const tenant of file.tenants)
    current.set(tenant.slug, await fetchTenant(client, tenant.slug));
  return planChanges(file, current, options);
}

/** Applies a plan made from `file` (see applyPlan). */
export function applyFilePlan(
  client: AdminClient,
  file: GatehouseFile,
  changes: Change[],
  options: ApplyOptions,
): Promise<number> {
  const upstreams = new Map<string, UpstreamEntry>();
  for (const tenant of file.tenants)
    for (const upstream of tenant.upstreams)
      upstreams.set(`${tenant.slug}/${upstream.slug}`, upstream);
  return applyPlan(client, changes, upstreams, options);
}
