import { Inject, Injectable } from '@nestjs/common';
import type { Runtime } from '@gatehouse/app-kit';
import type { Tenant, ToolPin, Upstream } from '@gatehouse/data-access';
import { ADMIN_RUNTIME } from '../admin-deps';
import { recordAdminChange } from '../audit/record-admin-change';
import type { Caller } from '../auth/admin-request';
import { AdminError, notFound } from '../common/admin-error';
import { publishTenantConfigChanged } from '../common/bus-events';
import { isUuid } from '../common/ids';
import type { PageOf } from '../common/page-query';
import type { SetToolRiskDto } from './tool.dto';
import { toolView, type ToolView } from './tool.view';

/** Upstreams are read in pages of this size to name every pinned tool's upstream. */
const UPSTREAM_PAGE = 200;

/**
 * The tools the tenant's upstreams have shown the gateway (pinned by definition hash), their
 * risk and pin state. Accepting a changed definition and overriding a risk change what the
 * gateways show and decide, so both publish tenantConfigChanged.
 */
@Injectable()
export class ToolsService {
  constructor(@Inject(ADMIN_RUNTIME) private readonly runtime: Runtime) {}

  /** Every pinned tool: a tenant has a bounded number, so there is a single page. */
  async list(tenant: Tenant): Promise<PageOf<ToolView>> {
    const [pins, upstreams] = await Promise.all([
      this.runtime.repos.toolPins.listForTenant(tenant.id),
      this.upstreamsById(tenant),
    ]);
    const items = pins.flatMap((pin) => {
      const upstream = upstreams.get(pin.upstreamId);
      return upstream ? [toolView(pin, upstream)] : [];
    });
    items.sort((a, b) => a.upstream.localeCompare(b.upstream) || a.name.localeCompare(b.name));
    return { items, nextCursor: null };
  }

  async accept(
    caller: Caller,
    tenant: Tenant,
    upstreamId: string,
    toolName: string,
  ): Promise<ToolView> {
    const { pin, upstream } = await this.find(tenant, upstreamId, toolName);
    if (pin.status !== 'changed') {
      throw new AdminError(
        'CONFLICT',
        'This tool has no changed definition waiting to be accepted.',
        {
          pin: pin.status,
        },
      );
    }
    const accepted = await this.runtime.repos.toolPins.accept(
      tenant.id,
      pin.id,
      caller.identity.personId,
    );
    if (!accepted) {
      throw new AdminError('CONFLICT', 'The changed definition was accepted meanwhile.');
    }
    await this.changed(
      caller,
      tenant,
      'accept',
      toolView(pin, upstream),
      toolView(accepted, upstream),
    );
    return toolView(accepted, upstream);
  }

  async setRisk(
    caller: Caller,
    tenant: Tenant,
    upstreamId: string,
    toolName: string,
    input: SetToolRiskDto,
  ): Promise<ToolView> {
    const { pin, upstream } = await this.find(tenant, upstreamId, toolName);
    await this.runtime.repos.toolPins.setRiskOverride(tenant.id, pin.id, input.risk);
    const updated = await this.runtime.repos.toolPins.findByTool(tenant.id, upstream.id, toolName);
    if (!updated) throw notFound('tool');
    await this.changed(
      caller,
      tenant,
      'risk',
      toolView(pin, upstream),
      toolView(updated, upstream),
    );
    return toolView(updated, upstream);
  }

  private async changed(
    caller: Caller,
    tenant: Tenant,
    verb: string,
    before: ToolView,
    after: ToolView,
  ): Promise<void> {
    await publishTenantConfigChanged(this.runtime, tenant.id);
    await recordAdminChange(this.runtime, caller, {
      tenantId: tenant.id,
      method: `admin.tools.${verb}`,
      target: { type: 'tool', id: after.id },
      before,
      after,
    });
  }

  private async find(
    tenant: Tenant,
    upstreamId: string,
    toolName: string,
  ): Promise<{ pin: ToolPin; upstream: Upstream }> {
    const upstream = isUuid(upstreamId)
      ? await this.runtime.repos.upstreams.findById(tenant.id, upstreamId)
      : null;
    const pin = upstream
      ? await this.runtime.repos.toolPins.findByTool(tenant.id, upstream.id, toolName)
      : null;
    if (!upstream || !pin) throw notFound('tool');
    return { pin, upstream };
  }

  private async upstreamsById(tenant: Tenant): Promise<Map<string, Upstream>> {
    const byId = new Map<string, Upstream>();
    let cursor: string | null = null;
    do {
      const page = await this.runtime.repos.upstreams.list(tenant.id, {
        limit: UPSTREAM_PAGE,
        cursor,
      });
      for (const upstream of page.items) byId.set(upstream.id, upstream);
      cursor = page.nextCursor;
    } while (cursor);
    return byId;
  }
}
