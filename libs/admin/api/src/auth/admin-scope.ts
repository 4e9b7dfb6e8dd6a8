import type { Identity } from '@gatehouse/auth';
import type { AdminScope } from './access-rule';

const GRANTING: Record<AdminScope, readonly string[]> = {
  'admin:read': ['admin:read', 'admin:write', 'admin:*', '*'],
  'admin:write': ['admin:write', 'admin:*', '*'],
};

export function hasAdminScope(identity: Pick<Identity, 'scopes'>, scope: AdminScope): boolean {
  return identity.scopes.some((s) => GRANTING[scope].includes(s));
}

/**
 * Whether this caller may put `scope` on a new token: admin scopes never beyond what the
 * caller's own credential holds (no escalation through a fresh token). Other scopes (mcp:call,
 * upstream:..., tool:...) are limited by roles and policies, not here.
 */
export function canGrantScope(identity: Pick<Identity, 'scopes'>, scope: string): boolean {
  const held = identity.scopes;
  if (held.includes('*') || held.includes(scope)) return true;
  if (scope === '*') return false;
  if (scope.startsWith('admin:')) {
    return held.includes('admin:*') || (scope === 'admin:read' && held.includes('admin:write'));
  }
  return true;
}
