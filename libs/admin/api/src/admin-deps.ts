import type { Runtime } from '@gatehouse/app-kit';
import type { FailedAuthLimiter } from './auth/failed-auth-limiter';
import type { AdminIdentityResolver } from './auth/admin-identity-resolver';

/** Injection tokens of what the admin module gets from outside Nest. */
export const ADMIN_RUNTIME = Symbol('ADMIN_RUNTIME');
export const ADMIN_IDENTITIES = Symbol('ADMIN_IDENTITIES');
export const FAILED_AUTH_LIMITER = Symbol('FAILED_AUTH_LIMITER');

export interface AdminDeps {
  runtime: Runtime;
  identities: AdminIdentityResolver;
  limiter: FailedAuthLimiter;
}
