import type { Runtime } from '@gatehouse/app-kit';
import type { TokenInvalidation } from '@gatehouse/auth';
import { BusChannels } from '@gatehouse/bus';

/** Every replica drops cached token lookups matching this (revocation, disabling, roles). */
export function publishTokenInvalidation(
  runtime: Pick<Runtime, 'bus'>,
  what: TokenInvalidation,
): Promise<void> {
  return runtime.bus.publish(BusChannels.tokenInvalidated, what);
}

/** Every replica drops the tenant's cached upstreams and policies. */
export function publishTenantConfigChanged(
  runtime: Pick<Runtime, 'bus'>,
  tenantId: string,
): Promise<void> {
  return runtime.bus.publish(BusChannels.tenantConfigChanged, { tenantId });
}

/** Gateways rewrite the tenant's config snapshot (a token or person was added: no cache to drop). */
export function publishConfigSnapshotStale(
  runtime: Pick<Runtime, 'bus'>,
  tenantId: string,
): Promise<void> {
  return runtime.bus.publish(BusChannels.configSnapshotStale, { tenantId });
}
