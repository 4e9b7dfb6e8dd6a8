import { couldEverAllow } from './could-ever-allow';
import { compilePolicy } from './policy-compiler';
import type { PolicyRuleInput } from './policy-rule.schema';
import { aRule, anIdentity } from './test-factories';
import type { RiskLevel } from './tool-risk';

function listed(
  rules: PolicyRuleInput[],
  options: { scopes?: string[]; upstream?: string; tool?: string; risk?: RiskLevel } = {},
): boolean {
  return couldEverAllow(compilePolicy(rules, 1), {
    identity: anIdentity({ scopes: options.scopes ?? ['mcp:call'] }),
    upstream: options.upstream ?? 'github',
    tool: {
      name: options.tool ?? 'create_issue',
      risk: { level: options.risk ?? 'write', openWorld: true, source: 'override' },
    },
  });
}

describe('couldEverAllow', () => {
  it('hides a tool no rule allows', () => {
    expect(listed([])).toBe(false);
    expect(listed([aRule({ targets: { upstream: 'jira' } })])).toBe(false);
    expect(listed([aRule({ subjects: ['role:admin'] })])).toBe(false);
    expect(listed([aRule({ targets: { risk: ['read_only'] } })])).toBe(false);
    expect(listed([aRule({ enabled: false })])).toBe(false);
  });

  it('shows a tool that an allow or an approval rule targets, whatever its condition', () => {
    expect(listed([aRule()])).toBe(true);
    expect(listed([aRule({ effect: 'require_approval' })])).toBe(true);
    expect(listed([aRule({ condition: 'args.count < 10' })])).toBe(true);
    expect(listed([aRule({ targets: { tool: 'create_*', risk: ['write'] } })])).toBe(true);
  });

  it('hides a tool that a deny rule without a condition rules out', () => {
    expect(
      listed([aRule(), aRule({ id: 'd', effect: 'deny', targets: { tool: 'create_*' } })]),
    ).toBe(false);
  });

  it('still shows a tool that only a conditional deny could block', () => {
    const deny = aRule({ id: 'd', effect: 'deny', condition: "args.repo == 'secret'" });
    expect(listed([aRule(), deny])).toBe(true);
  });

  it('ignores a deny rule aimed at someone else', () => {
    const deny = aRule({ id: 'd', effect: 'deny', subjects: ['person:other'] });
    expect(listed([aRule(), deny])).toBe(true);
  });

  it('hides a tool the token scopes exclude', () => {
    expect(listed([aRule()], { scopes: [] })).toBe(false);
    expect(listed([aRule()], { scopes: ['mcp:call', 'upstream:jira'] })).toBe(false);
    expect(listed([aRule()], { scopes: ['mcp:call', 'tool:github__create_*'] })).toBe(true);
  });
});
