import type { PolicyIdentity, EvaluationInput } from './policy-input';
import type { PolicyRuleInput } from './policy-rule.schema';
import { deriveToolRisk, type RiskLevel } from './tool-risk';

/** Test data for this lib's specs; not exported from the lib. */
export function aRule(overrides: Partial<PolicyRuleInput> = {}): PolicyRuleInput {
  const id = overrides.id ?? 'rule-1';
  return {
    id,
    name: overrides.name ?? `Rule ${id}`,
    effect: 'allow',
    subjects: ['*'],
    enabled: true,
    ...overrides,
  };
}

export function anIdentity(overrides: Partial<PolicyIdentity> = {}): PolicyIdentity {
  return {
    id: 'person-1',
    email: 'ada@example.com',
    roles: ['member'],
    scopes: ['mcp:call'],
    tenant: 'tenant-1',
    ...overrides,
  };
}

export function aCall(
  overrides: Partial<Omit<EvaluationInput, 'tool'>> & {
    toolName?: string;
    risk?: RiskLevel;
  } = {},
): EvaluationInput {
  const { toolName, risk, ...rest } = overrides;
  return {
    identity: anIdentity(),
    session: { id: 'session-1', clientName: 'claude-code', clientVersion: '2.0.0' },
    upstream: 'github',
    tool: {
      name: toolName ?? 'create_issue',
      risk: risk
        ? { level: risk, openWorld: true, source: 'override' }
        : deriveToolRisk({ annotationsTrusted: false }),
    },
    args: {},
    now: new Date('2026-11-02T10:00:00Z'),
    ...rest,
  };
}
