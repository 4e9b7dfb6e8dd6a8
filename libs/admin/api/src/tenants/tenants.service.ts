import { Inject, Injectable } from '@nestjs/common';
import type { Runtime } from '@gatehouse/app-kit';
import type { Tenant } from '@gatehouse/data-access';
import { ADMIN_RUNTIME } from '../admin-deps';
import { recordAdminChange } from '../audit/record-admin-change';
import type { Caller } from '../auth/admin-request';
import { notFound } from '../common/admin-error';
import { publishTenantConfigChanged, publishTokenInvalidation } from '../common/bus-events';
import type { PageOf, PageQuery } from '../common/page-query';
import type { CreateTenantDto, UpdateTenantDto } from './tenant.dto';
import { tenantView, type TenantView } from './tenant.view';

@Injectable()
export class TenantsService {
  constructor(@Inject(ADMIN_RUNTIME) private readonly runtime: Runtime) {}

  async create(caller: Caller, input: CreateTenantDto): Promise<TenantView> {
    const tenant = tenantView(await this.runtime.repos.tenants.create(input));
    await this.audit(caller, 'create', tenant.id, null, tenant);
    return tenant;
  }

  async list(page: PageQuery): Promise<PageOf<TenantView>> {
    const result = await this.runtime.repos.tenants.list(page);
    return { items: result.items.map(tenantView), nextCursor: result.nextCursor };
  }

  get(tenant: Tenant): TenantView {
    return tenantView(tenant);
  }

  async update(caller: Caller, tenant: Tenant, input: UpdateTenantDto): Promise<TenantView> {
    const { tenants } = this.runtime.repos;
    let updated = await tenants.update(tenant.id, {
      ...(input.name === undefined ? {} : { name: input.name }),
      ...(input.settings === undefined ? {} : { settings: input.settings }),
    });
    if (input.status !== undefined && input.status !== tenant.status) {
      updated =
        input.status === 'active'
          ? await tenants.enable(tenant.id)
          : await tenants.disable(tenant.id);
      await publishTokenInvalidation(this.runtime, { tenantId: tenant.id });
    }
    if (!updated) throw notFound('tenant');
    await publishTenantConfigChanged(this.runtime, tenant.id);
    const after = tenantView(updated);
    await this.audit(caller, 'update', tenant.id, tenantView(tenant), after);
    return after;
  }

  /** Disables the tenant: every token of it stops working at once, on every replica. */
  async disable(caller: Caller, tenant: Tenant): Promise<TenantView> {
    const updated = await this.runtime.repos.tenants.disable(tenant.id);
    if (!updated) throw notFound('tenant');
    await publishTokenInvalidation(this.runtime, { tenantId: tenant.id });
    await publishTenantConfigChanged(this.runtime, tenant.id);
    const after = tenantView(updated);
    await this.audit(caller, 'disable', tenant.id, tenantView(tenant), after);
    return after;
  }

  private audit(
    caller: Caller,
    verb: string,
    tenantId: string,
    before: TenantView | null,
    after: TenantView,
  ): Promise<void> {
    return recordAdminChange(this.runtime, caller, {
      tenantId,
      method: `admin.tenants.${verb}`,
      target: { type: 'tenant', id: tenantId },
      before,
      after,
    });
  }
}
