import type { Identity } from '@gatehouse/auth';

/**
 * Whether the caller sees and manages everything of the route's tenant: its admins and platform
 * admins. Only meaningful after the authorization guard, which has already refused (404) anyone
 * but platform admins who does not belong to that tenant.
 */
export function isTenantAdmin(identity: Identity): boolean {
  return identity.roles.includes('platform-admin') || identity.roles.includes('admin');
}
