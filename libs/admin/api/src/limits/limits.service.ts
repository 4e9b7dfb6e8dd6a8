import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Runtime } from '@gatehouse/app-kit';
import type { InputJsonValue, Tenant } from '@gatehouse/data-access';
import { ADMIN_RUNTIME } from '../admin-deps';
import { recordAdminChange } from '../audit/record-admin-change';
import type { Caller } from '../auth/admin-request';
import { notFound } from '../common/admin-error';
import { publishTenantConfigChanged } from '../common/bus-events';
import { isUuid } from '../common/ids';
import type { PageOf, PageQuery } from '../common/page-query';
import { versionNumber } from '../common/version-number';
import { QuotaUsageReader, type OwnerUsage } from './limits-usage';
import type { LimitsUsageQuery, PutLimitsDto } from './limits.dto';
import { limitsView, type LimitsView } from './limits.view';

/**
 * A tenant's rate limits, concurrency limits and quotas: one document, replaced whole. Every
 * change is validated (the DTO is the engine's schema), stored as a new version, audited, and
 * announced so every gateway drops its compiled copy.
 */
@Injectable()
export class LimitsService implements OnModuleDestroy {
  private readonly quotas: QuotaUsageReader;

  constructor(@Inject(ADMIN_RUNTIME) private readonly runtime: Runtime) {
    this.quotas = new QuotaUsageReader(
      runtime.redis,
      runtime.config.LIMITS_REDIS_URL,
      runtime.config.REDIS_KEY_PREFIX,
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.quotas.close();
  }

  async get(tenant: Tenant): Promise<LimitsView> {
    return limitsView(await this.runtime.repos.limits.current(tenant.id));
  }

  async put(caller: Caller, tenant: Tenant, document: PutLimitsDto): Promise<LimitsView> {
    const before = await this.get(tenant);
    const row = await this.runtime.repos.limits.put(
      tenant.id,
      document as unknown as InputJsonValue,
      caller.identity.personId,
    );
    const after = limitsView(row);
    await publishTenantConfigChanged(this.runtime, tenant.id);
    await recordAdminChange(this.runtime, caller, {
      tenantId: tenant.id,
      method: 'admin.limits.update',
      target: { type: 'limits', id: String(after.version) },
      before,
      after,
    });
    return after;
  }

  async listVersions(tenant: Tenant, page: PageQuery): Promise<PageOf<LimitsView>> {
    const result = await this.runtime.repos.limits.listVersions(tenant.id, page);
    return { items: result.items.map(limitsView), nextCursor: result.nextCursor };
  }

  async getVersion(tenant: Tenant, version: string): Promise<LimitsView> {
    const number = versionNumber(version);
    const row =
      number === undefined ? null : await this.runtime.repos.limits.getVersion(tenant.id, number);
    if (!row) throw notFound('limits version');
    return limitsView(row);
  }

  /** Calls counted today and this month (UTC) for the tenant and, if asked, one person. */
  async usage(
    tenant: Tenant,
    query: LimitsUsageQuery,
  ): Promise<{ tenant: OwnerUsage; person?: OwnerUsage & { personId: string } }> {
    const { limits } = await this.get(tenant);
    const result: { tenant: OwnerUsage; person?: OwnerUsage & { personId: string } } = {
      tenant: await this.quotas.usage(tenant.id, limits, 'tenant', tenant.id),
    };
    if (query.personId !== undefined) {
      const person = isUuid(query.personId)
        ? await this.runtime.repos.people.findById(tenant.id, query.personId)
        : null;
      if (!person) throw notFound('person');
      result.person = {
        personId: person.id,
        ...(await this.quotas.usage(tenant.id, limits, 'person', person.id)),
      };
    }
    return result;
  }
}
