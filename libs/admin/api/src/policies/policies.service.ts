import { Inject, Injectable } from '@nestjs/common';
import type { Runtime } from '@gatehouse/app-kit';
import type { Policy, PolicyInput, Tenant } from '@gatehouse/data-access';
import { PolicyRuleSchema, policyRowToRule, type PolicyRule } from '@gatehouse/policy';
import { ADMIN_RUNTIME } from '../admin-deps';
import { recordAdminChange } from '../audit/record-admin-change';
import type { Caller } from '../auth/admin-request';
import { notFound } from '../common/admin-error';
import { publishTenantConfigChanged } from '../common/bus-events';
import { isUuid } from '../common/ids';
import type { PageOf, PageQuery } from '../common/page-query';
import { versionNumber } from '../common/version-number';
import type { CreatePolicyDto, UpdatePolicyDto } from './policy.dto';
import {
  policyVersionDetailView,
  policyVersionView,
  policyView,
  type PolicyChangeView,
  type PolicyVersionDetailView,
  type PolicyVersionView,
  type PolicyView,
} from './policy.view';

/** Stands in for the id the database assigns while a new rule is validated. */
const NEW_RULE_ID = 'new-rule';

/**
 * Policy rules of a tenant. Every change is validated as a whole rule (CEL condition
 * type-checked) before it is written, bumps the tenant's policy version (the repository
 * snapshots all rules), is audited, and tells every gateway to drop its compiled policy.
 */
@Injectable()
export class PoliciesService {
  constructor(@Inject(ADMIN_RUNTIME) private readonly runtime: Runtime) {}

  async create(caller: Caller, tenant: Tenant, input: CreatePolicyDto): Promise<PolicyChangeView> {
    const rule = PolicyRuleSchema.parse({ ...input, id: NEW_RULE_ID });
    const { result, policyVersion } = await this.runtime.repos.policies.create(
      tenant.id,
      toPolicyInput(rule),
      caller.identity.personId,
    );
    await this.changed(caller, tenant, 'create', result.id, null, result);
    return { ...policyView(result), policyVersion };
  }

  async list(tenant: Tenant): Promise<PageOf<PolicyView> & { policyVersion: number }> {
    const [rows, fresh] = await Promise.all([
      this.runtime.repos.policies.list(tenant.id),
      this.runtime.repos.tenants.findByIdOrSlug(tenant.id),
    ]);
    return {
      items: rows.map(policyView),
      nextCursor: null,
      policyVersion: fresh?.policyVersion ?? tenant.policyVersion,
    };
  }

  async get(tenant: Tenant, policyId: string): Promise<PolicyView> {
    return policyView(await this.find(tenant, policyId));
  }

  async update(
    caller: Caller,
    tenant: Tenant,
    policyId: string,
    patch: UpdatePolicyDto,
  ): Promise<PolicyChangeView> {
    const before = await this.find(tenant, policyId);
    const merged: Record<string, unknown> = { ...policyRowToRule(before) };
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    const rule = PolicyRuleSchema.parse(merged);
    const change = await this.runtime.repos.policies.update(
      tenant.id,
      policyId,
      toPolicyInput(rule),
      caller.identity.personId,
    );
    if (!change) throw notFound('policy');
    await this.changed(caller, tenant, 'update', policyId, before, change.result);
    return { ...policyView(change.result), policyVersion: change.policyVersion };
  }

  async delete(caller: Caller, tenant: Tenant, policyId: string): Promise<void> {
    const before = await this.find(tenant, policyId);
    const change = await this.runtime.repos.policies.delete(
      tenant.id,
      policyId,
      caller.identity.personId,
    );
    if (!change) throw notFound('policy');
    await this.changed(caller, tenant, 'delete', policyId, before, null);
  }

  async listVersions(tenant: Tenant, page: PageQuery): Promise<PageOf<PolicyVersionView>> {
    const result = await this.runtime.repos.policies.listVersions(tenant.id, page);
    return { items: result.items.map(policyVersionView), nextCursor: result.nextCursor };
  }

  async getVersion(tenant: Tenant, version: string): Promise<PolicyVersionDetailView> {
    const number = versionNumber(version);
    const snapshot =
      number === undefined ? null : await this.runtime.repos.policies.getVersion(tenant.id, number);
    if (!snapshot) throw notFound('policy version');
    return policyVersionDetailView(snapshot);
  }

  /** Restores the rules of `version` as a new version (history is never rewritten). */
  async rollback(
    caller: Caller,
    tenant: Tenant,
    version: string,
  ): Promise<PageOf<PolicyView> & { policyVersion: number }> {
    const number = versionNumber(version);
    if (number === undefined) throw notFound('policy version');
    const before = (await this.runtime.repos.policies.list(tenant.id)).map(policyView);
    const { result, policyVersion } = await this.runtime.repos.policies.rollback(
      tenant.id,
      number,
      caller.identity.personId,
    );
    const after = result.map(policyView);
    await publishTenantConfigChanged(this.runtime, tenant.id);
    await recordAdminChange(this.runtime, caller, {
      tenantId: tenant.id,
      method: 'admin.policies.rollback',
      target: { type: 'policy-version', id: String(number) },
      before: { rules: before },
      after: { rules: after, policyVersion },
    });
    return { items: after, nextCursor: null, policyVersion };
  }

  private async changed(
    caller: Caller,
    tenant: Tenant,
    verb: string,
    policyId: string,
    before: Policy | null,
    after: Policy | null,
  ): Promise<void> {
    await publishTenantConfigChanged(this.runtime, tenant.id);
    await recordAdminChange(this.runtime, caller, {
      tenantId: tenant.id,
      method: `admin.policies.${verb}`,
      target: { type: 'policy', id: policyId },
      before: before ? policyView(before) : null,
      after: after ? policyView(after) : null,
    });
  }

  private async find(tenant: Tenant, policyId: string): Promise<Policy> {
    const policy = isUuid(policyId)
      ? await this.runtime.repos.policies.findById(tenant.id, policyId)
      : null;
    if (!policy) throw notFound('policy');
    return policy;
  }
}

function toPolicyInput(rule: PolicyRule): PolicyInput {
  return {
    name: rule.name,
    description: rule.description ?? '',
    effect: rule.effect,
    subjects: rule.subjects,
    targets: rule.targets,
    condition: rule.condition ?? null,
    priority: rule.priority ?? 0,
    enabled: rule.enabled,
  };
}
