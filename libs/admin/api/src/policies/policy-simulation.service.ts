import { Inject, Injectable } from '@nestjs/common';
import type { Runtime } from '@gatehouse/app-kit';
import type { Tenant } from '@gatehouse/data-access';
import {
  compilePolicy,
  deriveToolRisk,
  evaluatePolicy,
  policyRowToRule,
  RiskLevelSchema,
  type CompiledPolicy,
  type MatchedRule,
  type PolicyIdentity,
  type ToolRisk,
} from '@gatehouse/policy';
import { ADMIN_RUNTIME } from '../admin-deps';
import type { Caller } from '../auth/admin-request';
import { isTenantAdmin } from '../auth/tenant-roles';
import { AdminError, notFound } from '../common/admin-error';
import { annotationsOfDefinition } from '../tools/tool.view';
import type { SimulatePolicyDto } from './policy.dto';

export interface SimulationView {
  effect: string;
  matchedRules: MatchedRule[];
  reason: string;
  policyVersion: number;
  person: { id: string; email: string; roles: string[] };
  tool: { upstream: string; name: string; risk: ToolRisk };
}

/**
 * What the gateway would decide for one tool call, with the tenant's current rules: the same
 * engine, the same risk derivation (upstream trust, pinned annotations, admin override) and the
 * person's stored roles. Admins simulate for anyone of the tenant; others only for themselves.
 */
@Injectable()
export class PolicySimulationService {
  constructor(@Inject(ADMIN_RUNTIME) private readonly runtime: Runtime) {}

  async simulate(
    caller: Caller,
    tenant: Tenant,
    input: SimulatePolicyDto,
  ): Promise<SimulationView> {
    const subject = await this.subjectOf(caller, tenant, input);
    const policy = await this.compiled(tenant);
    const risk = await this.riskOf(tenant, input);
    const decision = evaluatePolicy(policy, {
      identity: subject,
      session: {
        id: 'simulation',
        clientName: input.client?.name,
        clientVersion: input.client?.version,
      },
      upstream: input.upstream,
      tool: { name: input.tool, annotations: risk.annotations, risk: risk.risk },
      args: input.arguments,
      now: new Date(),
    });
    return {
      effect: decision.effect,
      matchedRules: [...decision.matchedRules],
      reason: decision.reason,
      policyVersion: decision.policyVersion,
      person: { id: subject.id, email: subject.email, roles: [...subject.roles] },
      tool: { upstream: input.upstream, name: input.tool, risk: risk.risk },
    };
  }

  private async subjectOf(
    caller: Caller,
    tenant: Tenant,
    input: SimulatePolicyDto,
  ): Promise<PolicyIdentity> {
    const { identity } = caller;
    const named = input.personId !== undefined || input.email !== undefined;
    const self =
      identity.tenantId === tenant.id &&
      (input.personId ?? identity.personId) === identity.personId &&
      (input.email ?? identity.email).toLowerCase() === identity.email.toLowerCase();
    if (!named || self) {
      return { ...identityFields(identity), scopes: input.scopes };
    }
    if (!isTenantAdmin(identity)) {
      throw new AdminError('FORBIDDEN', 'Only admins of this tenant may simulate for others.', {
        allowed: 'self',
      });
    }
    const person =
      input.personId !== undefined
        ? await this.runtime.repos.people.findById(tenant.id, input.personId)
        : await this.runtime.repos.people.findByEmail(tenant.id, input.email ?? '');
    if (!person) throw notFound('person');
    return {
      id: person.id,
      email: person.email,
      roles: person.roles,
      scopes: input.scopes,
      tenant: tenant.id,
    };
  }

  private async compiled(tenant: Tenant): Promise<CompiledPolicy> {
    const [fresh, rows] = await Promise.all([
      this.runtime.repos.tenants.findByIdOrSlug(tenant.id),
      this.runtime.repos.policies.list(tenant.id),
    ]);
    try {
      return compilePolicy(rows.map(policyRowToRule), fresh?.policyVersion ?? 0);
    } catch (error) {
      throw new AdminError(
        'CONFLICT',
        'The stored rules of this tenant do not compile, so the gateway denies every call; fix or roll back the policy.',
        { cause: error instanceof Error ? error.message : String(error) },
      );
    }
  }

  /** Annotations from the request, else the pinned definition; trust and override as stored. */
  private async riskOf(
    tenant: Tenant,
    input: SimulatePolicyDto,
  ): Promise<{ risk: ToolRisk; annotations: SimulatePolicyDto['annotations'] }> {
    const upstream = await this.runtime.repos.upstreams.findBySlug(tenant.id, input.upstream);
    const pin = upstream
      ? await this.runtime.repos.toolPins.findByTool(tenant.id, upstream.id, input.tool)
      : null;
    const annotations =
      input.annotations ?? (pin ? annotationsOfDefinition(pin.definition) : undefined);
    const override = RiskLevelSchema.safeParse(pin?.riskOverride);
    return {
      annotations,
      risk: deriveToolRisk({
        annotations,
        annotationsTrusted: upstream?.annotationsTrusted ?? false,
        ...(override.success ? { override: override.data } : {}),
      }),
    };
  }
}

function identityFields(identity: Caller['identity']): Omit<PolicyIdentity, 'scopes'> {
  return {
    id: identity.personId,
    email: identity.email,
    roles: identity.roles,
    tenant: identity.tenantId,
  };
}
