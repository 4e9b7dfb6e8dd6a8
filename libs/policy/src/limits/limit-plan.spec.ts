import { LimitPlan, quotaPeriod, type LimitedCall } from './limit-plan';
import { LimitsDocumentSchema } from './limits.schema';

const CALL: LimitedCall = {
  tenantId: 'T',
  personId: 'P',
  tokenId: 'K',
  upstream: 'github',
  tool: 'delete_repo',
  risk: 'destructive',
};
const NOW = Date.UTC(2026, 11, 31, 12, 0, 0);

const plan = (input: unknown) => new LimitPlan(LimitsDocumentSchema.parse(input));

describe('LimitPlan', () => {
  it('is empty (no Redis round trip) without rules and quotas', () => {
    expect(plan({}).isEmpty).toBe(true);
    expect(plan({ quotas: { tenant: { daily: 1 } } }).isEmpty).toBe(false);
  });

  it('keys each rule by its dimensions, always under the tenant', () => {
    const checks = plan({
      rules: [
        { name: 'person-tool', per: ['person', 'tool'], rate: { requests: 5, windowSeconds: 10 } },
        { name: 'token', per: ['token'], concurrent: 2 },
      ],
    }).checksFor(CALL, NOW);
    expect(checks).toEqual([
      {
        kind: 'rate',
        limit: 'person-tool',
        scope: { person: 'P', tool: 'github__delete_repo' },
        key: 'T:r:person-tool:person=P,tool=github__delete_repo:rate',
        requests: 5,
        windowMs: 10_000,
      },
      {
        kind: 'concurrent',
        limit: 'token',
        scope: { token: 'K' },
        key: 'T:r:token:token=K:inflight',
        max: 2,
      },
    ]);
  });

  it('applies a rule only to calls matching its upstream, tool and risk', () => {
    const limits = plan({
      rules: [
        { name: 'destructive', per: ['person'], match: { risk: ['destructive'] }, concurrent: 1 },
        {
          name: 'gh-read',
          per: ['person'],
          match: { upstream: 'github', tool: 'get_*' },
          concurrent: 1,
        },
      ],
    });
    expect(limits.checksFor(CALL, NOW).map((c) => c.limit)).toEqual(['destructive']);
    expect(
      limits.checksFor({ ...CALL, tool: 'get_issue', risk: 'read_only' }, NOW).map((c) => c.limit),
    ).toEqual(['gh-read']);
    expect(limits.checksFor({ ...CALL, upstream: 'jira', risk: 'write' }, NOW)).toEqual([]);
  });

  it('counts a caller without a stored token (an OIDC JWT) as its person', () => {
    const [check] = plan({ rules: [{ name: 't', per: ['token'], concurrent: 1 }] }).checksFor(
      { ...CALL, tokenId: null },
      NOW,
    );
    expect(check?.scope).toEqual({ token: 'person:P' });
  });

  it('names quota counters by UTC day and month and says when they reset', () => {
    const checks = plan({ quotas: { tenant: { monthly: 1000 }, person: { daily: 50 } } }).checksFor(
      CALL,
      NOW,
    );
    expect(checks).toEqual([
      expect.objectContaining({
        limit: 'quota:tenant:monthly',
        key: 'T:q:tenant:T:2026-12',
        resetsAt: Date.UTC(2027, 0, 1),
      }),
      expect.objectContaining({
        limit: 'quota:person:daily',
        key: 'T:q:person:P:2026-12-31',
        resetsAt: Date.UTC(2027, 0, 1),
      }),
    ]);
    expect(quotaPeriod('daily', Date.UTC(2027, 0, 1))).toEqual({
      label: '2027-01-01',
      resetsAt: Date.UTC(2027, 0, 2),
    });
    expect(quotaPeriod('monthly', Date.UTC(2027, 1, 28, 23, 59))).toEqual({
      label: '2027-02',
      resetsAt: Date.UTC(2027, 2, 1),
    });
  });
});
