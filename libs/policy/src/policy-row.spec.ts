import { compilePolicy } from './policy-compiler';
import { policyRowToRule, type PolicyRow } from './policy-row';

const row: PolicyRow = {
  id: 'r1',
  name: 'read only',
  description: '',
  effect: 'allow',
  subjects: ['role:member'],
  targets: { upstream: 'github', tool: 'get_*' },
  condition: null,
  priority: 3,
  enabled: true,
};

describe('policyRowToRule', () => {
  it('maps a stored row to a rule that compiles, leaving out empty description and condition', () => {
    const rule = policyRowToRule(row);
    expect(rule).toEqual({
      id: 'r1',
      name: 'read only',
      effect: 'allow',
      subjects: ['role:member'],
      targets: { upstream: 'github', tool: 'get_*' },
      priority: 3,
      enabled: true,
    });
    expect(compilePolicy([rule], 1).rules).toHaveLength(1);
  });

  it('keeps a description and a condition', () => {
    const rule = policyRowToRule({ ...row, description: 'why', condition: 'args.n < 3' });
    expect(rule).toMatchObject({ description: 'why', condition: 'args.n < 3' });
  });
});
