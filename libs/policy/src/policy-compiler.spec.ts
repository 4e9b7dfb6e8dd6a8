import { compilePolicy } from './policy-compiler';
import { PolicyError } from './policy-error';
import { evaluatePolicy } from './policy-evaluator';
import type { PolicyRuleInput } from './policy-rule.schema';
import { aCall, aRule } from './test-factories';

function compileError(rules: PolicyRuleInput[]): PolicyError {
  try {
    compilePolicy(rules, 1);
  } catch (error: unknown) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('compilePolicy accepted the rules');
}

describe('compilePolicy', () => {
  it('rejects a malformed rule with invalid_rule and its id', () => {
    const error = compileError([aRule(), aRule({ id: 'bad', subjects: ['group:ops'] })]);
    expect(error).toMatchObject({ code: 'invalid_rule', ruleId: 'bad' });
    expect(error.message).toMatch(/subjects\.0: subject must be/);
  });

  it.each([
    ['no subjects', { subjects: [] }],
    ['an unknown role', { subjects: ['role:owner'] }],
    ['an unknown effect', { effect: 'audit' as 'allow' }],
    ['an empty risk list', { targets: { risk: [] } }],
    ['whitespace in a glob', { targets: { tool: 'create issue' } }],
    ['an unknown field', { owner: 'x' } as Partial<PolicyRuleInput>],
  ])('rejects a rule with %s', (_case, overrides) => {
    expect(compileError([aRule({ id: 'r', ...overrides })]).code).toBe('invalid_rule');
  });

  it('rejects two rules with the same id', () => {
    expect(compileError([aRule({ id: 'x' }), aRule({ id: 'x' })])).toMatchObject({
      code: 'invalid_rule',
      ruleId: 'x',
    });
  });

  it('rejects a broken condition with invalid_condition, the rule id and the position', () => {
    const error = compileError([aRule({ id: 'cond', condition: 'args.a ==' })]);
    expect(error).toMatchObject({
      code: 'invalid_condition',
      ruleId: 'cond',
      details: { position: { line: 1, column: 10, offset: 9 } },
    });
  });

  it('rejects a broken condition in a disabled rule too', () => {
    const rule = aRule({ id: 'off', enabled: false, condition: 'nope' });
    expect(compileError([rule]).code).toBe('invalid_condition');
  });

  it('keeps the version and only the enabled rules', () => {
    const policy = compilePolicy([aRule({ id: 'on' }), aRule({ id: 'off', enabled: false })], 42);
    expect(policy.version).toBe(42);
    expect(policy.rules.map((r) => r.id)).toEqual(['on']);
  });

  it('finds rules of exact and glob upstreams and tools alike', () => {
    const policy = compilePolicy(
      [
        aRule({ id: 'exact', targets: { upstream: 'github', tool: 'create_issue' } }),
        aRule({ id: 'tool-glob', targets: { upstream: 'github', tool: 'create_*' } }),
        aRule({ id: 'upstream-glob', targets: { upstream: 'git*', tool: 'create_issue' } }),
        aRule({ id: 'both-glob', targets: { upstream: 'g*', tool: '*' } }),
        aRule({ id: 'elsewhere', targets: { upstream: 'jira', tool: 'create_issue' } }),
      ],
      1,
    );
    const ids = evaluatePolicy(policy, aCall()).matchedRules.map((r) => r.id);
    expect(ids).toEqual(['exact', 'tool-glob', 'upstream-glob', 'both-glob']);
  });
});
