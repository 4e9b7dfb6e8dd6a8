import { validateCondition } from './cel-condition';
import { compilePolicy } from './policy-compiler';
import { evaluatePolicy } from './policy-evaluator';
import { PolicyRuleSchema } from './policy-rule.schema';
import { aCall, aRule, anIdentity } from './test-factories';

describe('validateCondition', () => {
  it.each([
    "args.path.startsWith('/tmp/')",
    'size(args.items) < 10',
    "'admin' in identity.roles",
    "'upstream:github' in identity.scopes && identity.tenant == 't1'",
    "now < timestamp('2027-01-01T00:00:00Z')",
    "now.getHours('Europe/Zurich') >= 8",
    "tool.risk == 'read_only' || !tool.openWorld",
    'tool.annotations.readOnlyHint == true',
    "session.clientName.startsWith('claude') && tool.upstream == 'github'",
    'has(args.dryRun) && args.dryRun == true',
    'args.items.all(i, i.size < 1000)',
    "identity.email.endsWith('@example.com')",
  ])('accepts %s', (expression) => {
    expect(validateCondition(expression)).toEqual({ ok: true });
  });

  it.each([
    ['an unknown variable', 'user.id == "x"', /Unknown variable: user/, 1, 1],
    ['an unknown field of a declared type', "identity.name == 'x'", /No such key: name/, 1, 10],
    ['a syntax error', "args.path.startsWith('/tmp/'", /Expected RPAREN, got EOF/, 1, 29],
    ['a type mismatch', 'size(args.items) < "ten"', /no such overload|not defined/i, 1, 1],
    ['a non-bool result', 'args.path', /must be a bool.*dyn/, 1, 1],
    ['a string result', 'identity.email', /must be a bool.*string/, 1, 1],
    ['an error on a later line', 'args.a == 1 &&\n  nope == 2', /Unknown variable: nope/, 2, 3],
  ])('rejects %s with its position', (_case, expression, message, line, column) => {
    const result = validateCondition(expression);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toMatch(message);
    expect(result.position).toMatchObject({ line, column });
  });

  it('gives the 0-based offset with the position', () => {
    const result = validateCondition('args.x == 1 && missing');
    expect(result).toMatchObject({ ok: false, position: { line: 1, column: 16, offset: 15 } });
  });
});

describe('PolicyRuleSchema', () => {
  it('rejects a rule with a broken condition, naming the line and column', () => {
    const result = PolicyRuleSchema.safeParse(aRule({ condition: 'args.size() > && true' }));
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({
      path: ['condition'],
      message: expect.stringMatching(/\(line 1, column \d+\)$/),
    });
  });

  it('fills in target defaults', () => {
    const rule = PolicyRuleSchema.parse(aRule());
    expect(rule.targets).toEqual({ upstream: '*', tool: '*' });
  });
});

describe('conditions during evaluation', () => {
  const allowWhen = (condition: string) => compilePolicy([aRule({ condition })], 1);

  it.each([
    ["args.path.startsWith('/tmp/')", { path: '/tmp/report.csv' }, true],
    ["args.path.startsWith('/tmp/')", { path: '/etc/passwd' }, false],
    [
      "args.options.target.path.startsWith('/tmp/')",
      { options: { target: { path: '/tmp/a' } } },
      true,
    ],
    ['size(args.items) < 10', { items: [1, 2, 3] }, true],
    ['size(args.items) < 10', { items: Array.from({ length: 10 }, (_, i) => i) }, false],
    ['args.limit <= 100', { limit: 50 }, true],
    ['args.limit <= 100', { limit: 500 }, false],
    ["args.items.all(i, i.kind == 'read')", { items: [{ kind: 'read' }, { kind: 'read' }] }, true],
    ["args.items.exists(i, i.kind == 'delete')", { items: [{ kind: 'read' }] }, false],
    ['!has(args.force) || args.force == false', {}, true],
    ['!has(args.force) || args.force == false', { force: true }, false],
  ])('%s with args %j → %s', (condition, args, allowed) => {
    const decision = evaluatePolicy(allowWhen(condition), aCall({ args }));
    expect(decision.effect).toBe(allowed ? 'allow' : 'deny');
  });

  it('sees the caller, session and tool', () => {
    const policy = allowWhen(
      "'admin' in identity.roles && session.clientName == 'claude-code' && " +
        "tool.name == 'create_issue' && tool.upstream == 'github' && tool.risk == 'destructive'",
    );
    const admin = anIdentity({ roles: ['member', 'admin'] });
    expect(evaluatePolicy(policy, aCall({ identity: admin })).effect).toBe('allow');
    expect(evaluatePolicy(policy, aCall()).effect).toBe('deny');
  });

  it('reads tool annotations', () => {
    const policy = allowWhen('tool.annotations.readOnlyHint == true');
    const call = aCall();
    const annotated = { ...call, tool: { ...call.tool, annotations: { readOnlyHint: true } } };
    expect(evaluatePolicy(policy, annotated).effect).toBe('allow');
    expect(evaluatePolicy(policy, call).effect).toBe('deny');
  });

  it('compares now with timestamps and reads the hour in a time zone', () => {
    const policy = allowWhen(
      "now >= timestamp('2026-11-02T00:00:00Z') && now.getHours('UTC') >= 9 && now.getHours('UTC') < 17",
    );
    const at = (iso: string) => evaluatePolicy(policy, aCall({ now: new Date(iso) })).effect;
    expect(at('2026-11-02T10:00:00Z')).toBe('allow');
    expect(at('2026-11-02T18:00:00Z')).toBe('deny');
    expect(at('2026-11-01T10:00:00Z')).toBe('deny');
  });

  it('supports durations relative to now', () => {
    const policy = allowWhen("timestamp(args.until) - now < duration('24h')");
    const call = (until: string) =>
      aCall({ args: { until }, now: new Date('2026-11-02T10:00:00Z') });
    expect(evaluatePolicy(policy, call('2026-11-03T09:00:00Z')).effect).toBe('allow');
    expect(evaluatePolicy(policy, call('2026-11-04T09:00:00Z')).effect).toBe('deny');
  });
});
