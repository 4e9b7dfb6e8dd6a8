import { Inject, Injectable } from '@nestjs/common';
import type { Runtime } from '@gatehouse/app-kit';
import type { Tenant, Upstream } from '@gatehouse/data-access';
import { ADMIN_RUNTIME } from '../admin-deps';
import { recordAdminChange } from '../audit/record-admin-change';
import type { Caller } from '../auth/admin-request';
import { notFound } from '../common/admin-error';
import { publishTenantConfigChanged } from '../common/bus-events';
import { isUuid } from '../common/ids';
import type { PageOf, PageQuery } from '../common/page-query';
import type { CreateUpstreamDto, UpdateUpstreamDto, UpstreamCredentialsDto } from './upstream.dto';
import {
  apiAuthMode,
  checkAuthMode,
  hasSharedCredentials,
  storedAuthMode,
} from './upstream-auth-mode';
import { checkUpstreamUrl } from './upstream-url-policy';
import { upstreamView, type UpstreamView } from './upstream.view';

@Injectable()
export class UpstreamsService {
  constructor(@Inject(ADMIN_RUNTIME) private readonly runtime: Runtime) {}

  async create(caller: Caller, tenant: Tenant, input: CreateUpstreamDto): Promise<UpstreamView> {
    await this.checkUrl(input.url);
    const { credentials, authMode = 'shared', ...fields } = input;
    checkAuthMode(authMode, Boolean(credentials));
    const created = await this.runtime.repos.upstreams.create(tenant.id, {
      ...fields,
      authMode: storedAuthMode(authMode),
      credentials: this.seal(credentials),
    });
    await this.changed(caller, tenant, 'create', null, created);
    return upstreamView(created);
  }

  async list(tenant: Tenant, page: PageQuery): Promise<PageOf<UpstreamView>> {
    const result = await this.runtime.repos.upstreams.list(tenant.id, page);
    const items = await Promise.all(result.items.map((u) => this.withProtocol(u)));
    return { items, nextCursor: result.nextCursor };
  }

  async get(tenant: Tenant, upstreamId: string): Promise<UpstreamView> {
    return this.withProtocol(await this.find(tenant, upstreamId));
  }

  /** The view with the era the gateways detected; a store outage only hides that part. */
  private async withProtocol(upstream: Upstream): Promise<UpstreamView> {
    const era = await this.runtime.eras.get(upstream.tenantId, upstream.id).catch(() => undefined);
    return upstreamView(upstream, era);
  }

  async update(
    caller: Caller,
    tenant: Tenant,
    upstreamId: string,
    input: UpdateUpstreamDto,
  ): Promise<UpstreamView> {
    const before = await this.find(tenant, upstreamId);
    if (input.url !== undefined) await this.checkUrl(input.url);
    const { credentials, authMode, ...fields } = input;
    checkAuthMode(
      authMode ?? apiAuthMode(before.authMode),
      credentials === undefined ? hasSharedCredentials(before) : Boolean(credentials),
    );
    const updated = await this.runtime.repos.upstreams.update(tenant.id, upstreamId, {
      ...fields,
      ...(authMode === undefined ? {} : { authMode: storedAuthMode(authMode) }),
      ...(credentials === undefined ? {} : { credentials: this.seal(credentials) }),
    });
    if (!updated) throw notFound('upstream');
    await this.changed(caller, tenant, 'update', before, updated);
    return upstreamView(updated);
  }

  async delete(caller: Caller, tenant: Tenant, upstreamId: string): Promise<void> {
    const before = await this.find(tenant, upstreamId);
    if (!(await this.runtime.repos.upstreams.delete(tenant.id, upstreamId))) {
      throw notFound('upstream');
    }
    await this.changed(caller, tenant, 'delete', before, null);
  }

  /** Every replica's gateway drops the tenant's upstream cache; the change is audited. */
  private async changed(
    caller: Caller,
    tenant: Tenant,
    verb: string,
    before: Upstream | null,
    after: Upstream | null,
  ): Promise<void> {
    await publishTenantConfigChanged(this.runtime, tenant.id);
    await recordAdminChange(this.runtime, caller, {
      tenantId: tenant.id,
      method: `admin.upstreams.${verb}`,
      target: { type: 'upstream', id: (after ?? before)?.id ?? '' },
      before: before ? upstreamView(before) : null,
      after: after ? upstreamView(after) : null,
    });
  }

  private async checkUrl(url: string): Promise<void> {
    await checkUpstreamUrl(url, {
      allowPrivateNetworks: this.runtime.config.UPSTREAM_ALLOW_PRIVATE_NETWORKS,
    });
  }

  /** Credentials are only ever stored sealed with the runtime's key. */
  private seal(credentials: UpstreamCredentialsDto | null | undefined): string | null {
    return credentials ? this.runtime.secrets.seal(JSON.stringify(credentials)) : null;
  }

  private async find(tenant: Tenant, upstreamId: string): Promise<Upstream> {
    const upstream = isUuid(upstreamId)
      ? await this.runtime.repos.upstreams.findById(tenant.id, upstreamId)
      : null;
    if (!upstream) throw notFound('upstream');
    return upstream;
  }
}
