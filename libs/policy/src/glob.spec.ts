import { compileGlob } from './glob';

describe('compileGlob', () => {
  it.each([
    ['*', '', true],
    ['*', 'anything at all', true],
    ['create_*', 'create_', true],
    ['create_*', 'xcreate_issue', false],
    ['?', 'a', true],
    ['?', 'ab', false],
    ['a.b', 'a.b', true],
    ['a.b', 'aXb', false],
    ['a+(b)', 'a+(b)', true],
    ['[ab]', 'a', false],
    ['Read*', 'read_file', false],
    ['*__search', 'jira__search', true],
    ['line*', 'line1\nline2', true],
    ['*issue*', 'list_issues', true],
    ['*issue*', 'list_prs', false],
    ['a*b', 'axxb', true],
    ['a*b', 'axxbc', false],
    ['a*b*c', 'abc', true],
    ['?_*', 'x_y', true],
  ])('%s matches %j: %s', (glob, value, matches) => {
    expect(compileGlob(glob).matches(value)).toBe(matches);
  });

  it('ignores case only when asked (email subjects)', () => {
    expect(compileGlob('*@Example.com', { caseInsensitive: true }).matches('a@example.COM')).toBe(
      true,
    );
    expect(
      compileGlob('ada@example.com', { caseInsensitive: true }).matches('ADA@example.com'),
    ).toBe(true);
  });

  it('marks globs without wildcards as literal', () => {
    expect(compileGlob('github').isLiteral).toBe(true);
    expect(compileGlob('git*').isLiteral).toBe(false);
  });
});
