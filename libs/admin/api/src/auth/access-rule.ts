import { SetMetadata } from '@nestjs/common';

/**
 * Who may call a route. Levels are checked against the tenant named by the route's `:t`:
 * - `platform-admin`: platform admins only (tenant management).
 * - `tenant-admin`: admins of that tenant, and platform admins.
 * - `tenant-approver`: approvers or admins of that tenant, and platform admins.
 * - `tenant-member`: anyone of that tenant, and platform admins; the service narrows what a
 *   non-admin sees to their own (audit events, policy simulation).
 * - `self-or-tenant-admin`: the person the route is about (`self` says which parameter
 *   names them), admins of that tenant, and platform admins.
 * People of another tenant get 404 for every tenant-scoped route: existence is never revealed.
 */
export type AccessLevel =
  'platform-admin' | 'tenant-admin' | 'tenant-approver' | 'tenant-member' | 'self-or-tenant-admin';

/** Token scope the route needs: `admin:*` (and `*`) grant both, `admin:write` grants read. */
export type AdminScope = 'admin:read' | 'admin:write';

/** How a `self-or-tenant-admin` route names its person: `:p` directly, or the owner of `:tokenId`. */
export type SelfParam = 'person' | 'token';

export type AccessRule =
  | {
      allow: 'platform-admin' | 'tenant-admin' | 'tenant-approver' | 'tenant-member';
      scope: AdminScope;
    }
  | { allow: 'self-or-tenant-admin'; scope: AdminScope; self: SelfParam };

export const ACCESS_RULE = 'gatehouse:admin-access-rule';

/**
 * Every admin route carries exactly one `@Access(...)`. A route without it is refused at run
 * time (500 ROUTE_WITHOUT_ACCESS_RULE) and fails the authorization matrix test.
 */
export const Access = (rule: AccessRule): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_RULE, rule);

/** Route parameter names the guard reads. */
export const TENANT_PARAM = 't';
export const PERSON_PARAM = 'p';
export const TOKEN_PARAM = 'tokenId';
