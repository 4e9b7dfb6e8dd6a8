import { findIllFormedText, textProblem } from './ill-formed-text';

describe('findIllFormedText', () => {
  it('accepts ordinary text, emoji (surrogate pairs) and non-strings', () => {
    expect(textProblem('plain ascii')).toBeUndefined();
    expect(textProblem('smile \u{1F600} ok, 漢字')).toBeUndefined();
    expect(
      findIllFormedText({ a: 1, b: [true, null, 'x'], c: { d: '\u{1F600}' } }, 'body'),
    ).toEqual([]);
  });

  it('names the path of a NUL anywhere in a body, keys included', () => {
    const issues = findIllFormedText(
      { name: 'ok', targets: { upstream: '*', tool: 'a\u0000b' }, subjects: ['x', '\u0000'] },
      'body',
    );
    expect(issues.map((i) => i.path)).toEqual(['targets.tool', 'subjects.1']);
    expect(issues[0]).toMatchObject({ in: 'body', message: expect.stringContaining('NUL') });
    expect(findIllFormedText({ ['k\u0000']: 1 }, 'body')[0]?.message).toMatch(/^key /);
  });

  it('finds lone high and low surrogates, at the end or the start of a string', () => {
    for (const text of ['\uD800', 'a\uD800', '\uDC00a', 'a\uDC00\uD800b', '\uD83D']) {
      expect(textProblem(text)).toMatch(/surrogate/);
    }
    expect(findIllFormedText({ t: 'tenant\uDFFF' }, 'path')).toEqual([
      { in: 'path', path: 't', message: expect.stringContaining('surrogate') },
    ]);
  });

  it('stops after the limit', () => {
    const many = Array.from({ length: 100 }, () => '\u0000');
    expect(findIllFormedText(many, 'query', 5)).toHaveLength(5);
  });

  it('walks a body nested deeper than the call stack', () => {
    let deep: unknown = 'bottom\u0000';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const issues = findIllFormedText(deep, 'body');
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path.split('.')).toHaveLength(200_000);
  });
});
