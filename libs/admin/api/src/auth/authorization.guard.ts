import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Runtime } from '@gatehouse/app-kit';
import type { Identity } from '@gatehouse/auth';
import type { Tenant } from '@gatehouse/data-access';
import { ADMIN_RUNTIME } from '../admin-deps';
import { AdminError, notFound } from '../common/admin-error';
import { isUuid } from '../common/ids';
import {
  ACCESS_RULE,
  PERSON_PARAM,
  TENANT_PARAM,
  TOKEN_PARAM,
  type AccessRule,
} from './access-rule';
import { hasAdminScope } from './admin-scope';
import { requestOf } from './admin-request';

/**
 * Step 2: the route's access rule (see access-rule.ts) against the authenticated identity.
 * Order matters for what a refusal reveals: scope and platform checks come before the tenant
 * is looked up, and a tenant the caller does not belong to is reported as not found.
 */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(ADMIN_RUNTIME) private readonly runtime: Runtime,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!rule) {
      throw new AdminError('ROUTE_WITHOUT_ACCESS_RULE', 'This route has no access rule.');
    }
    const request = requestOf(context);
    const identity = request.user;
    if (!identity) throw new AdminError('INTERNAL', 'authorization before authentication');
    if (!hasAdminScope(identity, rule.scope)) {
      throw new AdminError('INSUFFICIENT_SCOPE', `The token needs the ${rule.scope} scope.`, {
        required: rule.scope,
      });
    }
    const platformAdmin = identity.roles.includes('platform-admin');
    if (rule.allow === 'platform-admin' && !platformAdmin) throw forbidden(rule);
    const params = request.params as Record<string, string | undefined>;
    const tenantRef = params[TENANT_PARAM];
    if (tenantRef === undefined) return true;
    const tenant = await this.runtime.repos.tenants.findByIdOrSlug(tenantRef);
    if (!tenant || (!platformAdmin && tenant.id !== identity.tenantId)) throw notFound('tenant');
    request.gatehouseTenant = tenant;
    if (platformAdmin || (await this.allowedInTenant(rule, identity, tenant, params))) return true;
    throw forbidden(rule);
  }

  private async allowedInTenant(
    rule: AccessRule,
    identity: Identity,
    tenant: Tenant,
    params: Record<string, string | undefined>,
  ): Promise<boolean> {
    const admin = identity.roles.includes('admin');
    switch (rule.allow) {
      case 'platform-admin':
        return false;
      case 'tenant-admin':
        return admin;
      case 'tenant-approver':
        return admin || identity.roles.includes('approver');
      case 'tenant-member':
        // The guard already refused people of other tenants (404).
        return true;
      case 'self-or-tenant-admin':
        return admin || (await this.ownerOf(rule.self, tenant, params)) === identity.personId;
    }
  }

  /** The person a self-service route is about; 404 when it names nothing in the tenant. */
  private async ownerOf(
    self: 'person' | 'token',
    tenant: Tenant,
    params: Record<string, string | undefined>,
  ): Promise<string> {
    if (self === 'person') return params[PERSON_PARAM] ?? '';
    const tokenId = params[TOKEN_PARAM] ?? '';
    const token = isUuid(tokenId)
      ? await this.runtime.repos.tokens.findById(tenant.id, tokenId)
      : null;
    if (!token) throw notFound('token');
    return token.personId;
  }
}

function forbidden(rule: AccessRule): AdminError {
  const who: Record<AccessRule['allow'], string> = {
    'platform-admin': 'platform admins',
    'tenant-admin': 'admins of this tenant',
    'tenant-approver': 'approvers and admins of this tenant',
    'tenant-member': 'people of this tenant',
    'self-or-tenant-admin': 'the person concerned and admins of this tenant',
  };
  return new AdminError('FORBIDDEN', `Only ${who[rule.allow]} may do this.`, {
    allowed: rule.allow,
  });
}
