import { compilePolicy } from './policy-compiler';
import { evaluatePolicy } from './policy-evaluator';
import type { PolicyEffect, PolicyRuleInput } from './policy-rule.schema';
import { aCall, aRule } from './test-factories';

/**
 * Every combination of one deny, one require_approval and one allow rule, each in one of these
 * states. Expected outcome: deny wins, then approval, then allow, nothing is a deny; a condition
 * that errors counts as a match for deny only (fail closed).
 */
const STATES = [
  'absent',
  'matches',
  'matches by condition',
  'condition false',
  'condition errors',
  'disabled',
  'other subject',
] as const;
type RuleState = (typeof STATES)[number];

const MATCHING: ReadonlySet<RuleState> = new Set(['matches', 'matches by condition']);

function ruleIn(state: RuleState, effect: PolicyEffect): PolicyRuleInput | undefined {
  const base = { id: effect, name: `${effect} rule`, effect };
  switch (state) {
    case 'absent':
      return undefined;
    case 'matches':
      return aRule(base);
    case 'matches by condition':
      return aRule({ ...base, condition: 'args.count < 10' });
    case 'condition false':
      return aRule({ ...base, condition: 'args.count > 10' });
    case 'condition errors':
      return aRule({ ...base, condition: 'args.missing == "x"' });
    case 'disabled':
      return aRule({ ...base, enabled: false });
    case 'other subject':
      return aRule({ ...base, subjects: ['person:someone-else'] });
  }
}

function matchesIn(state: RuleState, effect: PolicyEffect): boolean {
  return MATCHING.has(state) || (effect === 'deny' && state === 'condition errors');
}

const table = STATES.flatMap((deny) =>
  STATES.flatMap((approval) => STATES.map((allow) => ({ deny, approval, allow }))),
);

describe('combining algorithm', () => {
  it.each(table)('deny: $deny, require_approval: $approval, allow: $allow', (states) => {
    const rules = [
      ruleIn(states.allow, 'allow'),
      ruleIn(states.approval, 'require_approval'),
      ruleIn(states.deny, 'deny'),
    ].filter((rule) => rule !== undefined);
    const decision = evaluatePolicy(compilePolicy(rules, 7), aCall({ args: { count: 3 } }));

    const denyMatches = matchesIn(states.deny, 'deny');
    const approvalMatches = matchesIn(states.approval, 'require_approval');
    const allowMatches = matchesIn(states.allow, 'allow');
    const expected: PolicyEffect = denyMatches
      ? 'deny'
      : approvalMatches
        ? 'require_approval'
        : allowMatches
          ? 'allow'
          : 'deny';
    expect(decision.effect).toBe(expected);
    expect(decision.policyVersion).toBe(7);
    const expectedIds = [
      allowMatches && 'allow',
      approvalMatches && 'require_approval',
      denyMatches && 'deny',
    ].filter((id) => id !== false);
    expect(decision.matchedRules.map((r) => r.id)).toEqual(expectedIds);
    if (expectedIds.length === 0) expect(decision.reason).toMatch(/no rule matched.*default/);
    else expect(decision.reason).toContain(`by rule '${expected} rule' (${expected})`);
  });
});
