import { compileCondition, type CompiledCondition } from './cel-condition';
import type { CompiledRule } from './compiled-rule';
import { compileGlob } from './glob';
import { PolicyError } from './policy-error';
import { PolicyRuleShapeSchema, type PolicyRule, type PolicyRuleInput } from './policy-rule.schema';
import { buildRuleIndex, type RuleIndex } from './rule-index';
import { compileSubjects } from './subject-matcher';

/** A tenant's policy at one version, ready to decide calls without parsing anything. */
export interface CompiledPolicy {
  readonly version: number;
  /** Enabled rules, in rank order (priority, then the order given). */
  readonly rules: readonly CompiledRule[];
  readonly index: RuleIndex;
}

/**
 * Validates every rule (disabled ones too, so a broken rule cannot be saved and enabled later),
 * precompiles globs and CEL conditions, and indexes the enabled rules by upstream and tool.
 * Throws a PolicyError naming the first rule that is wrong.
 */
export function compilePolicy(rules: readonly PolicyRuleInput[], version: number): CompiledPolicy {
  const parsed = rules.map(parseRule);
  const seen = new Set<string>();
  for (const rule of parsed) {
    if (seen.has(rule.id)) {
      throw new PolicyError('invalid_rule', rule.id, `rule id '${rule.id}' appears twice`);
    }
    seen.add(rule.id);
  }
  const conditions = parsed.map(compileRuleCondition);
  const ranked = parsed
    .map((rule, order) => ({ rule, order, condition: conditions[order] }))
    .filter((entry) => entry.rule.enabled)
    .sort((a, b) => (b.rule.priority ?? 0) - (a.rule.priority ?? 0) || a.order - b.order);
  const compiled = ranked.map(({ rule, condition }, rank) => toCompiledRule(rule, condition, rank));
  return { version, rules: compiled, index: buildRuleIndex(compiled) };
}

function parseRule(input: PolicyRuleInput, position: number): PolicyRule {
  const result = PolicyRuleShapeSchema.safeParse(input);
  if (result.success) return result.data;
  const id = typeof input.id === 'string' && input.id !== '' ? input.id : `#${position}`;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || 'rule'}: ${i.message}`);
  throw new PolicyError('invalid_rule', id, `rule '${id}' is invalid: ${problems.join('; ')}`, {
    problems,
  });
}

function compileRuleCondition(rule: PolicyRule): CompiledCondition | undefined {
  if (rule.condition === undefined) return undefined;
  const result = compileCondition(rule.condition);
  if (result.ok) return result.condition;
  const where = result.position
    ? ` at line ${result.position.line}, column ${result.position.column}`
    : '';
  throw new PolicyError(
    'invalid_condition',
    rule.id,
    `condition of rule '${rule.id}' is invalid${where}: ${result.message}`,
    result.position ? { position: result.position } : undefined,
  );
}

function toCompiledRule(
  rule: PolicyRule,
  condition: CompiledCondition | undefined,
  rank: number,
): CompiledRule {
  return {
    id: rule.id,
    name: rule.name,
    effect: rule.effect,
    rank,
    subjects: compileSubjects(rule.subjects),
    upstream: compileGlob(rule.targets.upstream),
    tool: compileGlob(rule.targets.tool),
    risks: rule.targets.risk ? new Set(rule.targets.risk) : undefined,
    condition,
    summary: Object.freeze({ id: rule.id, name: rule.name, effect: rule.effect }),
  };
}
