import { compilePolicy } from './policy-compiler';
import { evaluatePolicy } from './policy-evaluator';
import type { PolicyRuleInput } from './policy-rule.schema';
import { aCall, aRule, anIdentity } from './test-factories';
import type { EvaluationInput } from './policy-input';

function decide(rules: PolicyRuleInput[], call: EvaluationInput = aCall()) {
  return evaluatePolicy(compilePolicy(rules, 1), call);
}

describe('evaluatePolicy: subjects', () => {
  const ada = anIdentity({ id: 'p-ada', email: 'Ada@Example.com', roles: ['approver'] });
  it.each([
    ['*', true],
    ['role:approver', true],
    ['role:admin', false],
    ['person:p-ada', true],
    ['person:p-bob', false],
    ['email:*@example.com', true],
    ['email:ada@example.???', true],
    ['email:*@example.org', false],
    ['email:ada@*', true],
    ['email:da@example.com', false],
  ])('subject %s matches Ada: %s', (subject, matches) => {
    const decision = decide([aRule({ subjects: [subject] })], aCall({ identity: ada }));
    expect(decision.effect).toBe(matches ? 'allow' : 'deny');
  });

  it('matches when any one of several subjects matches', () => {
    const rule = aRule({ subjects: ['person:p-bob', 'role:approver'] });
    expect(decide([rule], aCall({ identity: ada })).effect).toBe('allow');
  });
});

describe('evaluatePolicy: targets', () => {
  it.each([
    [{}, 'github', 'create_issue', true],
    [{ upstream: 'github' }, 'github', 'create_issue', true],
    [{ upstream: 'github' }, 'gitlab', 'create_issue', false],
    [{ upstream: 'git*' }, 'gitlab', 'create_issue', true],
    [{ upstream: 'git?ub' }, 'github', 'create_issue', true],
    [{ upstream: 'git?ub' }, 'gitub', 'create_issue', false],
    [{ tool: 'create_*' }, 'github', 'create_issue', true],
    [{ tool: 'create_*' }, 'github', 'delete_issue', false],
    [{ tool: 'Create_*' }, 'github', 'create_issue', false],
    [{ tool: 'create_issue' }, 'github', 'create_issue_comment', false],
    [{ tool: '*issue*' }, 'github', 'list_issues', true],
    [{ tool: 'a.b' }, 'github', 'axb', false],
    [{ upstream: '*', tool: 'create_issue' }, 'jira', 'create_issue', true],
    [{ upstream: 'github', tool: 'list_*' }, 'github', 'list_repos', true],
    [{ upstream: 'github', tool: 'list_*' }, 'gitlab', 'list_repos', false],
  ])('targets %j match %s/%s: %s', (targets, upstream, toolName, matches) => {
    const decision = decide([aRule({ targets })], aCall({ upstream, toolName }));
    expect(decision.effect).toBe(matches ? 'allow' : 'deny');
  });

  it.each([
    [['read_only'], 'read_only', true],
    [['read_only'], 'write', false],
    [['write', 'destructive'], 'destructive', true],
    [['write', 'destructive'], 'read_only', false],
  ] as const)('risk target %j matches a %s tool: %s', (risk, level, matches) => {
    const decision = decide([aRule({ targets: { risk: [...risk] } })], aCall({ risk: level }));
    expect(decision.effect).toBe(matches ? 'allow' : 'deny');
  });

  it('denies destructive tools while allowing read-only ones of the same upstream', () => {
    const rules = [
      aRule({ id: 'read', targets: { upstream: 'github' } }),
      aRule({ id: 'no-destroy', effect: 'deny', targets: { risk: ['destructive'] } }),
    ];
    expect(decide(rules, aCall({ risk: 'read_only' })).effect).toBe('allow');
    expect(decide(rules, aCall({ risk: 'destructive' })).effect).toBe('deny');
  });
});

describe('evaluatePolicy: decisions', () => {
  it('lists matched rules by priority and names the deciding rule in the reason', () => {
    const decision = decide([
      aRule({ id: 'a1', name: 'Everyone', priority: 1 }),
      aRule({ id: 'a2', name: 'Members', subjects: ['role:member'], priority: 5 }),
      aRule({ id: 'r1', name: 'Writes need approval', effect: 'require_approval' }),
    ]);
    expect(decision.matchedRules).toEqual([
      { id: 'a2', name: 'Members', effect: 'allow' },
      { id: 'a1', name: 'Everyone', effect: 'allow' },
      { id: 'r1', name: 'Writes need approval', effect: 'require_approval' },
    ]);
    expect(decision.effect).toBe('require_approval');
    expect(decision.reason).toBe("approval required by rule 'Writes need approval' (r1)");
  });

  it('counts the other rules of the deciding effect in the reason', () => {
    const decision = decide([aRule({ id: 'a1' }), aRule({ id: 'a2' }), aRule({ id: 'a3' })]);
    expect(decision.reason).toBe("allowed by rule 'Rule a1' (a1) and 2 more allow rules");
  });

  it('denies by default when no rule exists', () => {
    expect(decide([])).toEqual({
      effect: 'deny',
      matchedRules: [],
      reason: 'no rule matched: denied by default',
      policyVersion: 1,
    });
  });

  it('says when a deny rule applied because its condition failed (fail closed)', () => {
    const decision = decide([
      aRule({ id: 'allow-all' }),
      aRule({ id: 'big', name: 'No big batches', effect: 'deny', condition: 'args.n > 100' }),
    ]);
    expect(decision.effect).toBe('deny');
    expect(decision.reason).toMatch(
      /^denied by rule 'No big batches' \(big\) \(its condition could not be evaluated, so it applies: No such key: n\)/,
    );
  });

  it('fails closed when a deny condition yields a non-bool at run time', () => {
    const rule = aRule({ effect: 'deny', condition: 'args.flag == true || dyn(args.flag)' });
    const decision = decide([aRule({ id: 'allow' }), rule], aCall({ args: { flag: 'yes' } }));
    expect(decision.effect).toBe('deny');
  });

  it('does not let an allow condition that fails open access', () => {
    const rule = aRule({ condition: 'args.path.startsWith("/tmp/")' });
    expect(decide([rule], aCall({ args: { path: 42 } })).effect).toBe('deny');
    expect(decide([rule], aCall({ args: 'not an object' })).effect).toBe('deny');
  });
});

describe('evaluatePolicy: token scopes', () => {
  const allowAll = [aRule()];
  const withScopes = (scopes: string[]) => aCall({ identity: anIdentity({ scopes }) });

  it('denies with reason "token scope" when mcp:call is missing, whatever the rules say', () => {
    const decision = decide(allowAll, withScopes(['upstream:github']));
    expect(decision).toMatchObject({ effect: 'deny', matchedRules: [] });
    expect(decision.reason).toMatch(/^token scope: .*mcp:call/);
  });

  it('narrows an allow to the upstreams the token lists', () => {
    expect(decide(allowAll, withScopes(['mcp:call', 'upstream:github'])).effect).toBe('allow');
    const other = decide(allowAll, withScopes(['mcp:call', 'upstream:jira']));
    expect(other.effect).toBe('deny');
    expect(other.reason).toContain('token scope');
  });

  it('never widens a policy deny', () => {
    expect(decide([], withScopes(['mcp:call', 'upstream:github'])).effect).toBe('deny');
  });
});
