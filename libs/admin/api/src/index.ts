export { startAdminApi, type AdminApiOptions } from './start-admin-api';
export { AdminModule } from './admin.module';
export { ADMIN_CONTROLLERS } from './admin-controllers';
export { Access, type AccessLevel, type AccessRule, type AdminScope } from './auth/access-rule';
export { listAdminRoutes, ADMIN_PREFIX, type AdminRoute } from './auth/route-table';
export { AdminError, ADMIN_ERROR_STATUS, type AdminErrorCode } from './common/admin-error';
export { recordAdminChange, type AdminChange } from './audit/record-admin-change';
export { checkUpstreamUrl } from './upstreams/upstream-url-policy';
export type { FailedAuthLimit } from './auth/failed-auth-limiter';
