import { Inject, Injectable } from '@nestjs/common';
import type { Runtime } from '@gatehouse/app-kit';
import { UpstreamAuthMode, type Tenant, type Upstream } from '@gatehouse/data-access';
import { ADMIN_RUNTIME } from '../admin-deps';
import { recordAdminChange } from '../audit/record-admin-change';
import type { Caller } from '../auth/admin-request';
import { AdminError, notFound } from '../common/admin-error';
import { publishTenantConfigChanged } from '../common/bus-events';
import { isUuid } from '../common/ids';
import { PeopleService } from '../people/people.service';
import type { PersonalCredentialDto } from '../upstreams/upstream.dto';
import {
  displayPrefix,
  upstreamCredentialView,
  type UpstreamCredentialView,
} from './upstream-credential.view';

/**
 * People's own credentials for per-person-secret upstreams: sealed with the runtime's key as
 * they arrive, never returned (only the display prefix and when it was set).
 */
@Injectable()
export class UpstreamCredentialsService {
  constructor(
    @Inject(ADMIN_RUNTIME) private readonly runtime: Runtime,
    private readonly people: PeopleService,
  ) {}

  async list(tenant: Tenant, personId: string): Promise<{ items: UpstreamCredentialView[] }> {
    await this.people.find(tenant, personId);
    const rows = await this.runtime.repos.upstreamCredentials.listForPerson(tenant.id, personId);
    return { items: rows.map(upstreamCredentialView) };
  }

  async get(tenant: Tenant, personId: string, upstreamId: string): Promise<UpstreamCredentialView> {
    await this.people.find(tenant, personId);
    const upstream = await this.upstream(tenant, upstreamId);
    const row = await this.runtime.repos.upstreamCredentials.find(tenant.id, upstream.id, personId);
    if (!row) throw notFound('credential for this person and upstream');
    return upstreamCredentialView(row);
  }

  async set(
    caller: Caller,
    tenant: Tenant,
    personId: string,
    upstreamId: string,
    input: PersonalCredentialDto,
  ): Promise<UpstreamCredentialView> {
    await this.people.find(tenant, personId);
    const upstream = await this.upstream(tenant, upstreamId);
    if (upstream.authMode !== UpstreamAuthMode.per_person_secret) {
      throw new AdminError(
        'UPSTREAM_AUTH_MODE_MISMATCH',
        `Upstream "${upstream.slug}" does not take personal credentials (its authMode is not "per-person-secret").`,
      );
    }
    const repo = this.runtime.repos.upstreamCredentials;
    const before = await repo.find(tenant.id, upstream.id, personId);
    const firstValue = input.bearerToken ?? Object.values(input.headers ?? {})[0] ?? '';
    const row = await repo.set(tenant.id, upstream.id, personId, {
      secret: this.runtime.secrets.seal(JSON.stringify(input)),
      prefix: displayPrefix(firstValue),
    });
    const after = upstreamCredentialView(row);
    await this.changed(caller, tenant, before ? 'replace' : 'set', before, after);
    return after;
  }

  async delete(caller: Caller, tenant: Tenant, personId: string, upstreamId: string) {
    await this.people.find(tenant, personId);
    const upstream = await this.upstream(tenant, upstreamId);
    const repo = this.runtime.repos.upstreamCredentials;
    const before = await repo.find(tenant.id, upstream.id, personId);
    if (!before || !(await repo.delete(tenant.id, upstream.id, personId))) {
      throw notFound('credential for this person and upstream');
    }
    await this.changed(caller, tenant, 'delete', before, null);
  }

  /** Every replica reloads the tenant's upstream views; the change is audited, never the value. */
  private async changed(
    caller: Caller,
    tenant: Tenant,
    verb: string,
    before: Parameters<typeof upstreamCredentialView>[0] | null,
    after: UpstreamCredentialView | null,
  ): Promise<void> {
    await publishTenantConfigChanged(this.runtime, tenant.id);
    const row = before ?? after;
    await recordAdminChange(this.runtime, caller, {
      tenantId: tenant.id,
      method: `admin.upstreamCredentials.${verb}`,
      target: { type: 'upstream-credential', id: `${row?.upstreamId}/${row?.personId}` },
      before: before ? upstreamCredentialView(before) : null,
      after,
    });
  }

  private async upstream(tenant: Tenant, upstreamId: string): Promise<Upstream> {
    const upstream = isUuid(upstreamId)
      ? await this.runtime.repos.upstreams.findById(tenant.id, upstreamId)
      : null;
    if (!upstream) throw notFound('upstream');
    return upstream;
  }
}
