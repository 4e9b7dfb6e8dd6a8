import { Inject, Injectable } from '@nestjs/common';
import type { Runtime } from '@gatehouse/app-kit';
import type { IdentityProvider, Tenant } from '@gatehouse/data-access';
import { ADMIN_RUNTIME } from '../admin-deps';
import { recordAdminChange } from '../audit/record-admin-change';
import type { Caller } from '../auth/admin-request';
import { notFound } from '../common/admin-error';
import { publishTenantConfigChanged } from '../common/bus-events';
import { isUuid } from '../common/ids';
import type { PageOf, PageQuery } from '../common/page-query';
import type { CreateIdentityProviderDto, UpdateIdentityProviderDto } from './identity-provider.dto';
import { identityProviderView, type IdentityProviderView } from './identity-provider.view';

/** A tenant's identity providers: validated, audited, and every gateway replica told at once. */
@Injectable()
export class IdentityProvidersService {
  constructor(@Inject(ADMIN_RUNTIME) private readonly runtime: Runtime) {}

  async create(
    caller: Caller,
    tenant: Tenant,
    input: CreateIdentityProviderDto,
  ): Promise<IdentityProviderView> {
    const created = await this.runtime.repos.identityProviders.create(tenant.id, input);
    await this.changed(caller, tenant, 'create', null, created);
    return identityProviderView(created);
  }

  async list(tenant: Tenant, page: PageQuery): Promise<PageOf<IdentityProviderView>> {
    const result = await this.runtime.repos.identityProviders.list(tenant.id, page);
    return { items: result.items.map(identityProviderView), nextCursor: result.nextCursor };
  }

  async get(tenant: Tenant, id: string): Promise<IdentityProviderView> {
    return identityProviderView(await this.find(tenant, id));
  }

  async update(
    caller: Caller,
    tenant: Tenant,
    id: string,
    input: UpdateIdentityProviderDto,
  ): Promise<IdentityProviderView> {
    const before = await this.find(tenant, id);
    const updated = await this.runtime.repos.identityProviders.update(tenant.id, id, input);
    if (!updated) throw notFound('identity provider');
    await this.changed(caller, tenant, 'update', before, updated);
    return identityProviderView(updated);
  }

  async delete(caller: Caller, tenant: Tenant, id: string): Promise<void> {
    const before = await this.find(tenant, id);
    if (!(await this.runtime.repos.identityProviders.delete(tenant.id, id))) {
      throw notFound('identity provider');
    }
    await this.changed(caller, tenant, 'delete', before, null);
  }

  private async changed(
    caller: Caller,
    tenant: Tenant,
    verb: string,
    before: IdentityProvider | null,
    after: IdentityProvider | null,
  ): Promise<void> {
    await publishTenantConfigChanged(this.runtime, tenant.id);
    await recordAdminChange(this.runtime, caller, {
      tenantId: tenant.id,
      method: `admin.identity-providers.${verb}`,
      target: { type: 'identity-provider', id: (after ?? before)?.id ?? '' },
      before: before ? identityProviderView(before) : null,
      after: after ? identityProviderView(after) : null,
    });
  }

  private async find(tenant: Tenant, id: string): Promise<IdentityProvider> {
    const idp = isUuid(id)
      ? await this.runtime.repos.identityProviders.findById(tenant.id, id)
      : null;
    if (!idp) throw notFound('identity provider');
    return idp;
  }
}
