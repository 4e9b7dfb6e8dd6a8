import type { PolicyRuleInput } from './policy-rule.schema';

/**
 * A stored policy row, as far as the engine cares (structurally the data-access `Policy`, which
 * this util lib may not import). `subjects` and `targets` are JSON columns written only after
 * validation by PolicyRuleSchema.
 */
export interface PolicyRow {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly effect: PolicyRuleInput['effect'];
  readonly subjects: unknown;
  readonly targets: unknown;
  readonly condition: string | null;
  readonly priority: number;
  readonly enabled: boolean;
}

/** The rule a stored row stands for, ready for `compilePolicy` (which validates it again). */
export function policyRowToRule(row: PolicyRow): PolicyRuleInput {
  const rule: PolicyRuleInput = {
    id: row.id,
    name: row.name,
    effect: row.effect,
    subjects: row.subjects as string[],
    targets: row.targets as PolicyRuleInput['targets'],
    priority: row.priority,
    enabled: row.enabled,
  };
  if (row.description) rule.description = row.description;
  if (row.condition) rule.condition = row.condition;
  return rule;
}
