import { compileGlob, type CompiledGlob } from '../glob';
import type { RiskLevel } from '../tool-risk';
import type { LimitDimension, LimitRule, LimitsDocument } from './limits.schema';

/** The facts of one tool call that limits are keyed and matched on. */
export interface LimitedCall {
  tenantId: string;
  personId: string;
  tokenId: string | null;
  upstream: string;
  tool: string;
  risk: RiskLevel;
}

/** Who makes an HTTP request: what request-rate rules are keyed on. */
export type LimitedCaller = Pick<LimitedCall, 'tenantId' | 'personId' | 'tokenId'>;

/** Whose counter a check uses, e.g. `{ person: '…', upstream: 'github' }`. */
export type LimitScope = Partial<Record<LimitDimension, string>>;

interface CheckBase {
  /** The rule name, or `quota:tenant:daily` and the like. */
  limit: string;
  scope: LimitScope;
  /** Redis key below the limiter's prefix; always starts with the tenant id. */
  key: string;
}

export type LimitCheck =
  | (CheckBase & { kind: 'rate'; requests: number; windowMs: number })
  | (CheckBase & { kind: 'concurrent'; max: number })
  | (CheckBase & { kind: 'quota'; max: number; period: 'daily' | 'monthly'; resetsAt: number });

interface CompiledRule {
  rule: LimitRule;
  upstream: CompiledGlob | undefined;
  tool: CompiledGlob | undefined;
  risk: Set<RiskLevel> | undefined;
}

/**
 * A tenant's limits document compiled once (globs to RegExps); `checksFor` lists the counters
 * one call must pass, without I/O. The order is stable: rules in document order, then quotas.
 */
export class LimitPlan {
  private readonly rules: CompiledRule[];
  private readonly hasRequestRules: boolean;

  constructor(readonly document: LimitsDocument) {
    this.rules = document.rules.map((rule) => ({
      rule,
      upstream: rule.match.upstream ? compileGlob(rule.match.upstream) : undefined,
      tool: rule.match.tool ? compileGlob(rule.match.tool) : undefined,
      risk: rule.match.risk ? new Set(rule.match.risk) : undefined,
    }));
    this.hasRequestRules = document.rules.some((rule) => rule.appliesTo === 'requests');
  }

  get isEmpty(): boolean {
    const { quotas } = this.document;
    return this.rules.length === 0 && quotas.tenant === undefined && quotas.person === undefined;
  }

  /** The request-rate checks of any HTTP request to /mcp (rules applying to `requests`). */
  requestChecksFor(caller: LimitedCaller): LimitCheck[] {
    if (!this.hasRequestRules) return [];
    const call: LimitedCall = { ...caller, upstream: '', tool: '', risk: 'read_only' };
    return this.checksOf(call, 'requests');
  }

  checksFor(call: LimitedCall, now: number): LimitCheck[] {
    const checks = this.checksOf(call, 'tool_calls');
    const { quotas } = this.document;
    for (const owner of ['tenant', 'person'] as const) {
      const quota = quotas[owner];
      if (!quota) continue;
      const scope: LimitScope =
        owner === 'tenant' ? { tenant: call.tenantId } : { person: call.personId };
      for (const period of ['daily', 'monthly'] as const) {
        const max = quota[period];
        if (max === undefined) continue;
        const { label, resetsAt } = quotaPeriod(period, now);
        checks.push({
          kind: 'quota',
          limit: `quota:${owner}:${period}`,
          scope,
          key: quotaKey(
            call.tenantId,
            owner,
            owner === 'tenant' ? call.tenantId : call.personId,
            label,
          ),
          max,
          period,
          resetsAt,
        });
      }
    }
    return checks;
  }

  private checksOf(call: LimitedCall, appliesTo: LimitRule['appliesTo']): LimitCheck[] {
    const checks: LimitCheck[] = [];
    for (const compiled of this.rules) {
      if (compiled.rule.appliesTo !== appliesTo || !matches(compiled, call)) continue;
      const { rule } = compiled;
      const scope = scopeOf(rule.per, call);
      const key = `${call.tenantId}:r:${rule.name}:${scopeKey(scope)}`;
      if (rule.rate) {
        checks.push({
          kind: 'rate',
          limit: rule.name,
          scope,
          key: `${key}:rate`,
          requests: rule.rate.requests,
          windowMs: rule.rate.windowSeconds * 1000,
        });
      }
      if (rule.concurrent !== undefined) {
        checks.push({
          kind: 'concurrent',
          limit: rule.name,
          scope,
          key: `${key}:inflight`,
          max: rule.concurrent,
        });
      }
    }
    return checks;
  }
}

/** The Redis key of a quota counter (also read by the admin API to show usage). */
export function quotaKey(
  tenantId: string,
  owner: 'tenant' | 'person',
  ownerId: string,
  periodLabel: string,
): string {
  return `${tenantId}:q:${owner}:${encodeURIComponent(ownerId)}:${periodLabel}`;
}

/** `2026-12-08` (daily) or `2026-12` (monthly) in UTC, and when that period ends. */
export function quotaPeriod(
  period: 'daily' | 'monthly',
  now: number,
): { label: string; resetsAt: number } {
  const date = new Date(now);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const pad = (n: number) => String(n).padStart(2, '0');
  if (period === 'daily') {
    const day = date.getUTCDate();
    return {
      label: `${year}-${pad(month + 1)}-${pad(day)}`,
      resetsAt: Date.UTC(year, month, day + 1),
    };
  }
  return { label: `${year}-${pad(month + 1)}`, resetsAt: Date.UTC(year, month + 1, 1) };
}

function matches(compiled: CompiledRule, call: LimitedCall): boolean {
  if (compiled.upstream && !compiled.upstream.matches(call.upstream)) return false;
  if (compiled.tool && !compiled.tool.matches(call.tool)) return false;
  return !compiled.risk || compiled.risk.has(call.risk);
}

function scopeOf(per: LimitDimension[], call: LimitedCall): LimitScope {
  const values: Record<LimitDimension, string> = {
    tenant: call.tenantId,
    person: call.personId,
    // A caller without a stored token (an OIDC JWT) is counted as its person.
    token: call.tokenId ?? `person:${call.personId}`,
    upstream: call.upstream,
    tool: `${call.upstream}__${call.tool}`,
  };
  const scope: LimitScope = {};
  for (const dimension of per) scope[dimension] = values[dimension];
  return scope;
}

function scopeKey(scope: LimitScope): string {
  return Object.entries(scope)
    .map(([dimension, value]) => `${dimension}=${encodeURIComponent(value)}`)
    .join(',');
}
