import type { Policy, PolicyVersion } from '@gatehouse/data-access';

export interface PolicyView {
  id: string;
  tenantId: string;
  name: string;
  description: string;
  effect: string;
  subjects: unknown;
  targets: unknown;
  condition: string | null;
  priority: number;
  enabled: boolean;
  /** Revision of this rule. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** A changed rule and the tenant's policy version the change created. */
export type PolicyChangeView = PolicyView & { policyVersion: number };

export interface PolicyVersionView {
  version: number;
  createdAt: string;
  /** Person id of whoever made the change, when known. */
  createdBy: string | null;
  ruleCount: number;
}

export type PolicyVersionDetailView = PolicyVersionView & { rules: unknown[] };

export function policyView(policy: Policy): PolicyView {
  return {
    id: policy.id,
    tenantId: policy.tenantId,
    name: policy.name,
    description: policy.description,
    effect: policy.effect,
    subjects: policy.subjects,
    targets: policy.targets,
    condition: policy.condition,
    priority: policy.priority,
    enabled: policy.enabled,
    version: policy.version,
    createdAt: policy.createdAt.toISOString(),
    updatedAt: policy.updatedAt.toISOString(),
  };
}

export function policyVersionView(snapshot: PolicyVersion): PolicyVersionView {
  return {
    version: snapshot.version,
    createdAt: snapshot.createdAt.toISOString(),
    createdBy: snapshot.createdBy,
    ruleCount: Array.isArray(snapshot.rules) ? snapshot.rules.length : 0,
  };
}

export function policyVersionDetailView(snapshot: PolicyVersion): PolicyVersionDetailView {
  return {
    ...policyVersionView(snapshot),
    rules: Array.isArray(snapshot.rules) ? snapshot.rules : [],
  };
}
